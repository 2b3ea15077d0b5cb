"""Test models and references for the `onnx` kind (outside the test suite; outputs committed under test/data/onnx/).

Builds small PyTorch networks, exports them with torch.onnx.export (the TorchScript exporter, dynamo=False:
the dynamo exporter needs onnxscript, which is not installed), writes a parquet file of fixed inputs, and
runs Python onnxruntime on inputs prepared here with numpy (padding, sorting, masks, pre/post expressions
written out by hand, independent of ntcorr's code). ntcorr's outputs must equal these to float32 rounding.

Run: /work/venv/bin/python scripts/ref/make-onnx-models.py
"""
import json
import os

import numpy as np
import onnxruntime as ort
import pyarrow as pa
import pyarrow.parquet as pq
import torch

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
OUT = os.path.join(ROOT, 'test', 'data', 'onnx')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(7)
rng = np.random.default_rng(11)


def export(model, args, path, input_names, output_names, dynamic):
    model.eval()
    torch.onnx.export(model, args, path, dynamo=False, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=17)


def run(path, feeds):
    s = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    return s.run(None, feeds)


# ---------------------------------------------------------------- inputs (parquet, 37 rows)
N = 37
pt = rng.uniform(20, 200, N)
eta = rng.uniform(-2.5, 2.5, N)
nhits = rng.integers(0, 12, N).astype(np.int32)
pt[5] = np.nan  # a non-finite input row
sizes = rng.integers(0, 8, N)
sizes[0], sizes[1] = 0, 7
ch_pt = [rng.exponential(10, k).astype(np.float32) for k in sizes]
ch_eta = [rng.normal(0, 0.2, k).astype(np.float32) for k in sizes]
pq.write_table(pa.table({
    'pt': pa.array(pt, pa.float64()), 'eta': pa.array(eta.astype(np.float32), pa.float32()), 'nhits': pa.array(nhits, pa.int32()),
    'ch_pt': pa.array([list(map(float, a)) for a in ch_pt], pa.list_(pa.float32())),
    'ch_eta': pa.array([list(map(float, a)) for a in ch_eta], pa.list_(pa.float32())),
}), os.path.join(OUT, 'inputs.parquet'))
eta32 = eta.astype(np.float32).astype(np.float64)
expected = {}


def clean(a):
    """JSON has no NaN: non-finite values become null."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(a, dtype=np.float64)]


# ---------------------------------------------------------------- flat MLP: x = [log(pt), eta, nhits] -> y [B, 2]
class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))

    def forward(self, x):
        return self.net(x)


mlp = Mlp()
os.makedirs(os.path.join(OUT, 'mlp'), exist_ok=True)
export(mlp, (torch.zeros(4, 3),), os.path.join(OUT, 'mlp', 'model.onnx'), ['x'], ['y'], {'x': {0: 'batch'}, 'y': {0: 'batch'}})
# the same network with a fixed batch dimension of 8 (exported without dynamic axes)
os.makedirs(os.path.join(OUT, 'mlp-fixed-batch'), exist_ok=True)
export(mlp, (torch.zeros(8, 3),), os.path.join(OUT, 'mlp-fixed-batch', 'model.onnx'), ['x'], ['y'], None)
x = np.stack([np.log(pt), eta32, nhits.astype(np.float64)], axis=1).astype(np.float32)
(y,) = run(os.path.join(OUT, 'mlp', 'model.onnx'), {'x': x})
# post: pt_corr = pt * exp(y0); score = y1
expected['mlp'] = {
    'y0': clean(y[:, 0]), 'y1': clean(y[:, 1]),
    'pt_corr': clean(pt * np.exp(y[:, 0].astype(np.float64))),
}


# ---------------------------------------------------------------- padded constituents, order-sensitive
L = 4


class Padded(torch.nn.Module):
    """Flattened padded constituents through a linear layer (depends on order, padding and truncation), plus the mask sum."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(L * 3, 4)
        self.glob = torch.nn.Linear(1, 4)
        self.out = torch.nn.Linear(4, 1)

    def forward(self, cands, mask, glob):
        m = mask.unsqueeze(-1)
        h = torch.relu(self.lin((cands * m).reshape(cands.shape[0], -1)) + self.glob(glob))
        return self.out(h) + mask.sum(1, keepdim=True)


os.makedirs(os.path.join(OUT, 'padded'), exist_ok=True)
export(Padded(), (torch.zeros(2, L, 3), torch.zeros(2, L), torch.zeros(2, 1)), os.path.join(OUT, 'padded', 'model.onnx'),
       ['cands', 'mask', 'glob'], ['out'], {'cands': {0: 'b'}, 'mask': {0: 'b'}, 'glob': {0: 'b'}, 'out': {0: 'b'}})
PAD = -1.0
cands = np.full((N, L, 3), PAD, np.float32)
mask = np.zeros((N, L), np.float32)
for i in range(N):
    order = sorted(range(sizes[i]), key=lambda k: (-float(ch_pt[i][k]), k))[:L]  # by ch_pt, descending, stable
    for q, k in enumerate(order):
        # features: ch_pt, ch_eta, and the pre-expression ch_rel = ch_pt / pt (per constituent, float64 then float32)
        cands[i, q] = [ch_pt[i][k], ch_eta[i][k], float(ch_pt[i][k]) / pt[i]]
        mask[i, q] = 1
glob = eta32.reshape(N, 1).astype(np.float32)
(o,) = run(os.path.join(OUT, 'padded', 'model.onnx'), {'cands': cands, 'mask': mask, 'glob': glob})
expected['padded'] = {'out': clean(o[:, 0])}

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
print('wrote', OUT)
