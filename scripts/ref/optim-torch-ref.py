"""Reference trajectories for ntcorr's SGD and RAdam (test/nn-optim.test.ts), computed by PyTorch.

At a constant learning rate torch's SGD (v = mu v + g; p -= lr v; Nesterov p -= lr (g + mu v)) follows the
same trajectory as Keras' (v = mu v - lr g; p += v; Nesterov p += mu v - lr g), which ntcorr implements.
torch's RAdam equals TensorFlow Addons' RectifiedAdam (ml-jec's radam) up to where epsilon enters
(sqrt(v)/sqrt(bc2) + eps here, (sqrt(v) + eps)/sqrt(bc2) in torch): eps = 1e-8 makes that negligible.

Run: /work/venv/bin/python scripts/ref/optim-torch-ref.py > test/data/optim-torch-ref.json
"""
import json
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(777)
p0 = rng.normal(size=(2, 3))
grads = [rng.normal(size=(2, 3)) for _ in range(10)]
out = {'torch': torch.__version__, 'p0': p0.ravel().tolist(), 'grads': [g.ravel().tolist() for g in grads], 'lr': 0.05}
cases = {
    'sgd': lambda p: torch.optim.SGD([p], lr=0.05),
    'sgd_momentum': lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9),
    'sgd_nesterov': lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, nesterov=True),
    'radam': lambda p: torch.optim.RAdam([p], lr=0.05, betas=(0.9, 0.999), eps=1e-8),
}
for name, make in cases.items():
    p = torch.nn.Parameter(torch.tensor(p0))
    opt = make(p)
    traj = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        traj.append(p.detach().numpy().ravel().tolist())
    out[name] = traj
print(json.dumps(out))
