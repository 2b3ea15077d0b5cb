"""Reference values for test/nn-*.test.ts, computed by PyTorch (independent of ntcorr's code).

Run: python3 scripts/ref/nn-torch-ref.py > test/data/nn-torch-ref.json
"""
import json
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(12345)
out = {'torch': torch.__version__}

# Adam (L2 weight decay) and AdamW (decoupled) over 6 steps with given gradients.
p0 = rng.normal(size=(3, 4))
grads = [rng.normal(size=(3, 4)) for _ in range(6)]
for name, cls in [('adam', torch.optim.Adam), ('adamw', torch.optim.AdamW)]:
    p = torch.nn.Parameter(torch.tensor(p0))
    opt = cls([p], lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)
    traj = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        traj.append(p.detach().numpy().ravel().tolist())
    out[name] = {'p0': p0.ravel().tolist(), 'grads': [g.ravel().tolist() for g in grads], 'trajectory': traj,
                 'lr': 0.05, 'beta1': 0.8, 'beta2': 0.95, 'eps': 1e-6, 'weight_decay': 0.1}

# clip_grad_norm_ on two tensors, once above and once below the limit.
a, b = rng.normal(size=(5,)), rng.normal(size=(2, 3))
clip = {}
for max_norm in [1.0, 100.0]:
    ta, tb = torch.nn.Parameter(torch.zeros(5)), torch.nn.Parameter(torch.zeros(2, 3))
    ta.grad, tb.grad = torch.tensor(a), torch.tensor(b)
    n = torch.nn.utils.clip_grad_norm_([ta, tb], max_norm)
    clip[str(max_norm)] = {'norm': float(n), 'a': ta.grad.numpy().ravel().tolist(), 'b': tb.grad.numpy().ravel().tolist()}
out['clip'] = {'a': a.tolist(), 'b': b.ravel().tolist(), 'results': clip}

# ReduceLROnPlateau: lr after each epoch's metric.
metrics = [1.0, 0.9, 0.95, 0.9, 0.9, 0.91, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
p = torch.nn.Parameter(torch.zeros(1))
opt = torch.optim.SGD([p], lr=1.0)
sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=2, threshold=1e-4, cooldown=1, min_lr=0.2)
lrs = []
for m in metrics:
    sch.step(m)
    lrs.append(opt.param_groups[0]['lr'])
out['plateau'] = {'metrics': metrics, 'lrs': lrs, 'factor': 0.5, 'patience': 2, 'threshold': 1e-4, 'cooldown': 1, 'min_lr': 0.2}

# Dense layer gradients (ReLU and ELU), masked weights, from torch autograd.
x = rng.normal(size=(7, 5)); w = rng.normal(size=(5, 4)) * 0.5; bias = rng.normal(size=(4,)) * 0.1
mask = (rng.uniform(size=(5, 4)) > 0.4).astype(np.float64)
dy = rng.normal(size=(7, 4))
dense = {'x': x.ravel().tolist(), 'w': w.ravel().tolist(), 'b': bias.tolist(), 'mask': mask.ravel().tolist(), 'dy': dy.ravel().tolist()}
for act in ['relu', 'elu', 'linear']:
    for masked in [False, True]:
        tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x, w, bias))
        wm = tw * torch.tensor(mask) if masked else tw
        z = tx @ wm + tb
        y = torch.relu(z) if act == 'relu' else torch.nn.functional.elu(z) if act == 'elu' else z
        y.backward(torch.tensor(dy))
        dense[f'{act}{"_masked" if masked else ""}'] = {'y': y.detach().numpy().ravel().tolist(), 'dx': tx.grad.numpy().ravel().tolist(),
                                                       'dw': tw.grad.numpy().ravel().tolist(), 'db': tb.grad.numpy().tolist()}
out['dense'] = dense
print(json.dumps(out))
