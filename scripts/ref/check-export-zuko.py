"""Loads an `ntcorr export-zuko` folder in PyTorch + zuko exactly as HiggsDNA does (torch.load +
NSF(**kwargs).load_state_dict, strict) and compares zuko's float64 log_prob and correction with ntcorr's
(scripts/ref/flow-logprob.ts). Outside the test suite; numbers go into the README / report.

    node --import tsx scripts/ref/flow-logprob.ts BUNDLE 64 > /tmp/ref.json
    PYTHONPATH=/tmp/zuko-1.0.1 /work/venv/bin/python scripts/ref/check-export-zuko.py EXPORT_DIR /tmp/ref.json
"""
import json
import sys

import numpy as np
import torch
import zuko

export, ref_path = sys.argv[1], sys.argv[2]
spec = json.load(open(f'{export}/nsf.json'))
assert zuko.__version__ == spec['zuko'], f"export is for zuko {spec['zuko']}, running {zuko.__version__}"
flow = zuko.flows.NSF(**spec['kwargs'])
sd = torch.load(f'{export}/best_model_.pth', map_location='cpu', weights_only=True)
flow.load_state_dict(sd)  # strict: every tensor name and shape must match zuko's own
ref = json.load(open(ref_path))
n, F, C = ref['rows'], ref['features'], ref['context']
x = torch.tensor(ref['x'], dtype=torch.float64).reshape(n, F)
c = torch.tensor(ref['c'], dtype=torch.float64).reshape(n, C)
flow = flow.double()
with torch.no_grad():
    lp = flow(c).log_prob(x).numpy()
    c1 = c.clone()
    c1[:, -1] = 1
    xc = flow(c1).transform.inv(flow(c).transform(x)).numpy()
    lp32 = flow.float()(c.float()).log_prob(x.float()).double().numpy()
d_lp = np.abs(lp - np.array(ref['log_prob'])).max()
d_xc = np.abs(xc.ravel() - np.array(ref['x_corr'])).max()
for name in ['input_means', 'input_std', 'conditions_means', 'conditions_std']:
    a = np.load(f'{export}/{name}.npy')
    print(f'{name}.npy: {a.dtype} {a.shape}')
print(f'zuko {zuko.__version__}, torch {torch.__version__}: {n} rows, log_prob max |zuko - ntcorr| = {d_lp:.3e} '
      f'(zuko float32 vs float64: {np.abs(lp32 - lp).max():.3e}), x_corr max |diff| = {d_xc:.3e}')
sys.exit(0 if d_lp < 1e-9 and d_xc < 1e-9 else 1)
