"""zuko 1.0.1 reference flows in the form HiggsDNA / Flows_for_sim_correction ship them, for
test/flow-zuko101.test.ts (outputs: test/data/zuko101/, ~0.5 MB).

zuko 1.0.1 is the version both HiggsDNA and Flows_for_sim_correction pin; its spline slope is 1e-4
(not 1.6's 1e-3) and its base buffers are `base._0` / `base._1`. Run with the zuko source of that tag:

    git -C /work/.mirror/probabilists+zuko/repo archive 1.0.1 | tar -x -C /tmp/zuko-1.0.1
    PYTHONPATH=/tmp/zuko-1.0.1 /work/venv/bin/python scripts/ref/make-zuko101-fixtures.py

zuko 1.0.1 imports and runs unchanged on torch 2.13 (no patch needed). Deterministic: fixed seeds.

Two flows, each a folder like the EOS ones (best_model_.pth + the four .npy files):
  ar/  NSF(6, context=5, bins=10, transforms=3, hidden_features=[32, 32])            (2022 pre/postEE style)
       HiggsDNA preprocessing: isolations (indexes 3, 4, 5) made continuous with shifts 0.001 / 0.05 / 0.05,
       then standardised with input_means/std (float32 .npy, as the EOS files).
  p2/  NSF(5, context=5, bins=10, transforms=2, hidden_features=[32, 32], passes=2)   (Run 2 / 2023+ style)
       Flows_for_sim_correction main-branch preprocessing: as above, plus min-max scaling of the
       standardised isolations to [-5, 5] with min_values.npy / max_values.npy (float64 .npy).
Per flow, io/*.npy (float64 unless _f32):
  x, c           flow-space inputs (standardised) and context (last column: is-data 0)
  x_corr         zuko float64 correction  z = T(x | c, 0), x_corr = T^-1(z | c, 1)
  x_corr_f32     the same in float32 (the float32 model and inputs)
  log_prob(_f32) zuko log_prob(x | c)
  raw, raw_cond  physical inputs / conditions (pt, ScEta, phi, rho), rows whose isolations are > 0 or
                 slightly negative (no random draw involved), and raw_x_corr: their physical correction
                 computed here with HiggsDNA's formulas (flow in float64).
Also: whole_model.pth (torch.save(flow): a pickled module) and training_checkpoint.pth
(a dict with model and optimizer state), which the importer must refuse with a clear message.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch
import zuko

assert zuko.__version__ == '1.0.1', f'expected zuko 1.0.1 on PYTHONPATH, got {zuko.__version__} ({zuko.__file__})'
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else 'test/data/zuko101')
N = 128


def perturb(flow, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in flow.named_parameters():
            p += 0.15 * torch.randn(p.shape, generator=g)
            if name.endswith('hyper.4.bias'):
                p += 0.6 * torch.randn(p.shape, generator=g)


def correct(flow, x, c):
    c0 = c.clone()
    c0[:, -1] = 0
    c1 = c.clone()
    c1[:, -1] = 1
    with torch.no_grad():
        z = flow(c0).transform(x)
        return flow(c1).transform.inv(z), flow(c0).log_prob(x)


def make_continuous(v, shift):
    """HiggsDNA Make_iso_continuous.shift_and_sample for values without a draw (v > 0 or v < 0)."""
    v = v.copy()
    v[v > 0] += shift
    assert not np.any(v == 0)
    return np.log(1e-3 + v)


def undo_continuous(v, shift):
    """HiggsDNA inverse_shift_and_sample: below the shift -> 0, above -> minus the shift, equal -> kept."""
    t = np.exp(v) - 1e-3
    out = t.copy()
    out[t < shift] = 0
    out[t > shift] = t[t > shift] - shift
    return out


def build(name, features, transforms, passes, iso, shifts, minmax, seed):
    torch.manual_seed(seed)
    kw = dict(context=5, bins=10, transforms=transforms, hidden_features=[32, 32])
    if passes:
        kw['passes'] = passes
    flow = zuko.flows.NSF(features, **kw)
    perturb(flow, seed + 1)
    d = OUT / name
    (d / 'io').mkdir(parents=True, exist_ok=True)
    torch.save(flow.state_dict(), d / 'best_model_.pth')

    rng = np.random.default_rng(seed)
    F = features
    # Physical inputs: shower-shape-like columns, then isolations (> 0 here; zeros are tested apart).
    raw = np.empty((N, F))
    for j in range(F):
        if j in iso:
            raw[:, j] = rng.exponential(0.02 if shifts[iso.index(j)] < 0.01 else 2.0, N) + 1e-4
        else:
            raw[:, j] = rng.normal(0.5 + j, 0.1 + 0.05 * j, N)
    raw[0, iso[-1]] = -5e-4  # slightly negative: log(1e-3 + x) is still finite in HiggsDNA's transform
    raw = raw.astype(np.float32).astype(np.float64)
    cond = np.stack([rng.uniform(20, 80, N), rng.uniform(-2.5, 2.5, N), rng.uniform(-3.14, 3.14, N), rng.uniform(10, 50, N)], 1)
    cond = cond.astype(np.float32).astype(np.float64)

    t = raw.copy()
    for k, j in enumerate(iso):
        t[:, j] = make_continuous(t[:, j], shifts[k])
    in_mean = t.mean(0).astype(np.float32)
    in_std = t.std(0).astype(np.float32)
    c_mean = cond.mean(0).astype(np.float32)
    c_std = cond.std(0).astype(np.float32)
    xs = (t - in_mean) / in_std
    np.save(d / 'input_means.npy', in_mean)
    np.save(d / 'input_std.npy', in_std)
    np.save(d / 'conditions_means.npy', c_mean)
    np.save(d / 'conditions_std.npy', c_std)
    if minmax:
        mn = xs[:, iso].min(0)
        mx = xs[:, iso].max(0)
        np.save(d / 'min_values.npy', mn)
        np.save(d / 'max_values.npy', mx)
        xs[:, iso] = -5 + (xs[:, iso] - mn) * 10 / (mx - mn)
    cs = np.concatenate([(cond - c_mean) / c_std, np.zeros((N, 1))], 1)

    flow64 = flow.double()
    x_corr, logp = correct(flow64, torch.tensor(xs), torch.tensor(cs))
    flow32 = flow.float()
    x_corr32, logp32 = correct(flow32, torch.tensor(xs, dtype=torch.float32), torch.tensor(cs, dtype=torch.float32))
    back = x_corr.numpy().copy()
    if minmax:
        back[:, iso] = mn + (back[:, iso] + 5) * (mx - mn) / 10
    back = back * in_std.astype(np.float64) + in_mean.astype(np.float64)
    for k, j in enumerate(iso):
        back[:, j] = undo_continuous(back[:, j], shifts[k])

    arrays = dict(x=xs, c=cs, x_corr=x_corr.numpy(), x_corr_f32=x_corr32.numpy(), log_prob=logp.numpy(),
                  log_prob_f32=logp32.numpy(), raw=raw, raw_cond=cond, raw_x_corr=back)
    for k, v in arrays.items():
        np.save(d / 'io' / f'{k}.npy', v)
    err32 = float(np.abs(x_corr32.numpy().astype(np.float64) - x_corr.numpy()).max())
    info = dict(zuko=zuko.__version__, torch=torch.__version__, features=F, context=5, bins=10, transforms=transforms,
                hidden=[32, 32], passes=passes, iso_indexes=iso, shifts=shifts, minmax=minmax, rows=N,
                zuko_f32_vs_f64_max_abs_x_corr=err32)
    (d / 'info.json').write_text(json.dumps(info, indent=1) + '\n')
    print(name, info)
    return flow


ar = build('ar', 6, 3, None, [3, 4, 5], [0.001, 0.05, 0.05], False, 101)
build('p2', 5, 2, 2, [3, 4], [0.001, 0.05], True, 202)

# Files a user might pass by mistake: a whole pickled module and a training checkpoint.
torch.save(ar.float(), OUT / 'whole_model.pth')
opt = torch.optim.Adam(ar.parameters(), lr=1e-3)
torch.save({'epoch': 3, 'model_state_dict': ar.state_dict(), 'optimizer_state_dict': opt.state_dict()}, OUT / 'training_checkpoint.pth')
