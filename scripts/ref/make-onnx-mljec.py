"""Test model and reference for ONNX exports of ml-jec Keras models (outside the test suite).

There is no TensorFlow/tf2onnx here, so the network is a PyTorch stand-in with the input signature of
ml-jec's Keras model (mljec/model.py) for its tests/test_config.yaml, exported with torch.onnx.export:
per constituent type (sorted: ch, ne, sv) the ragged `<type>_numerical` as flat values [constituents, F]
plus row splits `<type>_row_splits` [jets + 1] (int64), one ragged input per categorical feature (ch_id
int64, ch_pv_ass float32 as Keras' default Input dtype, ne_id int64; indices, -1 for unknown values), and
`global_numerical` [jets, 7]; architecture as test_config.yaml (embeddings, per-constituent MLPs, sum,
head [16, 16], one output `head_dense_output`). Weights are random (seeded).

The features of ml-jec's shard 5 (read with scripts/ref/dump-root-json.ts) are computed here with numpy
following ml-jec's data.py (rel_pt, deta, dphi wrapped into (-pi, pi], dr, transform steps, category lookup
with -1 for unknown values), once with each step's own parameters and once with ml-jec's late-binding
behaviour (every step with the last step's parameters); Python onnxruntime gives the references.
The bundle's transform.yaml is ml-jec's with 7 removed from ch_pv_ass, so unknown values occur. The same
network is also exported with padded inputs and a mask per type (model-padded.onnx) for layout: padded.

Run: /work/venv/bin/python scripts/ref/make-onnx-mljec.py
"""
import json
import os
import subprocess

import numpy as np
import onnxruntime as ort
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIX = os.path.join(ROOT, '..', 'shared', 'fixtures', 'jets-mljec')
OUT = os.path.join(ROOT, 'test', 'data', 'onnx', 'mljec')
os.makedirs(OUT, exist_ok=True)


def node_json(code, *args):
    return json.loads(subprocess.run(['node', '--import', 'tsx', *code, *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout)


def yaml_json(path):
    code = "import('yaml').then((Y) => console.log(JSON.stringify(Y.default.parse(require('fs').readFileSync(process.argv[1], 'utf8')))))"
    return json.loads(subprocess.run(['node', '-e', code, path], cwd=ROOT, check=True, capture_output=True, text=True).stdout)


data = node_json(['scripts/ref/dump-root-json.ts'], os.path.join(FIX, '5.root'), 'Jets')
config = yaml_json(os.path.join(FIX, 'test_config.yaml'))
transform = yaml_json(os.path.join(FIX, 'transform.yaml'))
transform['categorical']['ch_pv_ass'] = [v for v in transform['categorical']['ch_pv_ass'] if v != 7]
# write the bundle's transform.yaml: the fixture's, with the edited ch_pv_ass list (JSON is valid YAML)
with open(os.path.join(OUT, 'transform.yaml'), 'w') as f:
    json.dump(transform, f, indent=1)

feats = config['features']
types = sorted(k for k in feats if k != 'global')
B = len(data['pt'])
pt, eta, phi = (np.array(data[k], np.float64) for k in ('pt', 'eta', 'phi'))


def steps_of(name, historic):
    steps = transform['numerical'].get(name, [])
    if not historic:
        return steps
    last = steps[-1].get('params', {}) if steps else {}
    return [dict(s, params=last) if 'params' in s else s for s in steps]


def apply_steps(name, x, historic):
    for s in steps_of(name, historic):
        if s['type'] == 'log':
            x = np.log(x)
        elif s['type'] == 'abs':
            x = np.abs(x)
        elif s['type'] == 'arcsinh':
            x = np.arcsinh(x / s['params']['scale'])
        elif s['type'] == 'linear':
            x = (x - s['params']['loc']) / s['params']['scale']
    return x


def features(historic):
    feeds = {}
    for t in types:
        off = np.array(data[f'{t}_pt' if f'{t}_pt' in data else feats[t]['numerical_branches'][0]]['offsets'])
        jet = np.repeat(np.arange(B), np.diff(off))
        cols = []
        for f in feats[t]['numerical']:
            if f == f'{t}_rel_pt':
                x = np.array(data[f'{t}_pt']['values'], np.float64) / pt[jet]
            elif f in (f'{t}_deta', f'{t}_dphi', f'{t}_dr'):
                de = (np.array(data[f'{t}_eta']['values'], np.float64) - eta[jet]) * np.sign(eta[jet])
                dp = np.array(data[f'{t}_phi']['values'], np.float64) - phi[jet]
                dp = np.where(dp > np.pi, dp - 2 * np.pi, dp)
                dp = np.where(dp < -np.pi, dp + 2 * np.pi, dp)
                x = de if f.endswith('deta') else dp if f.endswith('dphi') else np.sqrt(de ** 2 + dp ** 2)
            else:
                x = np.array(data[f]['values'], np.float64)
            cols.append(apply_steps(f, x, historic))
        feeds[f'{t}_numerical'] = np.stack(cols, axis=1).astype(np.float32).reshape(len(jet), len(cols))
        feeds[f'{t}_row_splits'] = off.astype(np.int64)
        for c in feats[t].get('categorical', []):
            known = transform['categorical'][c]
            idx = np.array([known.index(v) if v in known else -1 for v in data[c]['values']], np.int64)
            feeds[c] = idx.astype(np.float32) if c == 'ch_pv_ass' else idx
    g = [apply_steps(f, np.array(data[f], np.float64), historic) for f in feats['global']['numerical']]
    feeds['global_numerical'] = np.stack(g, axis=1).astype(np.float32)
    return feeds


def mlp(n_in, units):
    layers = []
    for u in units:
        layers += [torch.nn.Linear(n_in, u), torch.nn.ReLU()]
        n_in = u
    return torch.nn.Sequential(*layers), n_in


class MljecLike(torch.nn.Module):
    def __init__(self):
        super().__init__()
        m = config['model']
        self.emb = torch.nn.ModuleDict()
        self.blocks = torch.nn.ModuleDict()
        head_in = len(feats['global']['numerical'])
        for t in types:
            n = len(feats[t]['numerical'])
            for c in feats[t].get('categorical', []):
                self.emb[c] = torch.nn.Embedding(len(transform['categorical'][c]), m[t]['embeddings'][c])
                n += m[t]['embeddings'][c]
            self.blocks[t], u = mlp(n, m[t]['num_units'])
            head_in += u
        self.head, u = mlp(head_in, m['head']['num_units'])
        self.out = torch.nn.Linear(u, 1)

    def forward(self, ch_numerical, ch_row_splits, ch_id, ch_pv_ass, ne_numerical, ne_row_splits, ne_id, sv_numerical, sv_row_splits, global_numerical):
        inputs = {'ch': (ch_numerical, ch_row_splits, [('ch_id', ch_id), ('ch_pv_ass', ch_pv_ass)]),
                  'ne': (ne_numerical, ne_row_splits, [('ne_id', ne_id)]), 'sv': (sv_numerical, sv_row_splits, [])}
        parts = [global_numerical]
        for t in types:
            x, rs, cats = inputs[t]
            xs = [x] + [self.emb[c](v.long()) for c, v in cats]
            h = self.blocks[t](torch.cat(xs, 1))
            # sum over each jet's constituents: membership matrix [jets, constituents] from the row splits
            pos = torch.arange(x.shape[0])
            member = ((pos.unsqueeze(0) >= rs[:-1].unsqueeze(1)) & (pos.unsqueeze(0) < rs[1:].unsqueeze(1))).float()
            parts.append(member @ h)
        return self.out(self.head(torch.cat(parts, 1)))


torch.manual_seed(5)
model = MljecLike().eval()
names = ['ch_numerical', 'ch_row_splits', 'ch_id', 'ch_pv_ass', 'ne_numerical', 'ne_row_splits', 'ne_id', 'sv_numerical', 'sv_row_splits', 'global_numerical']
f0 = features(False)
dyn = {'ch_numerical': {0: 'n_ch'}, 'ch_id': {0: 'n_ch'}, 'ch_pv_ass': {0: 'n_ch'}, 'ch_row_splits': {0: 'jets1'},
       'ne_numerical': {0: 'n_ne'}, 'ne_id': {0: 'n_ne'}, 'ne_row_splits': {0: 'jets1'},
       'sv_numerical': {0: 'n_sv'}, 'sv_row_splits': {0: 'jets1'}, 'global_numerical': {0: 'jets'}, 'head_dense_output': {0: 'jets'}}
# trace with -1 replaced by 0 (eager embedding rejects -1; the exported Gather takes it: the last row, as tf.gather in ONNX)
trace = tuple(torch.from_numpy(np.maximum(f0[n], 0) if n in ('ch_id', 'ch_pv_ass', 'ne_id') else f0[n]) for n in names)
torch.onnx.export(model, trace, os.path.join(OUT, 'model.onnx'), dynamo=False,
                  input_names=names, output_names=['head_dense_output'], dynamic_axes=dyn, opset_version=17)

sess = ort.InferenceSession(os.path.join(OUT, 'model.onnx'), providers=['CPUExecutionProvider'])
expected = {'unknown_ch_pv_ass': int((f0['ch_pv_ass'] == -1).sum())}
for label, historic in (('fixed', False), ('historic', True)):
    (pred,) = sess.run(None, {n: v for n, v in features(historic).items() if n in names})
    p = pred[:, 0].astype(np.float64)
    expected[label] = {'pred': p.tolist(), 'pt_corr': (pt * np.exp(p)).tolist()}


# The same network (same weights) exported with padded inputs [jets, L, F] and a mask per type
# (model-padded.onnx), for layout: padded; L = 64/64/8, padding 0.
class Padded(torch.nn.Module):
    def __init__(self, base):
        super().__init__()
        self.base = base

    def forward(self, ch_numerical, ch_mask, ch_id, ch_pv_ass, ne_numerical, ne_mask, ne_id, sv_numerical, sv_mask, global_numerical):
        b = self.base
        inputs = {'ch': (ch_numerical, ch_mask, [('ch_id', ch_id), ('ch_pv_ass', ch_pv_ass)]),
                  'ne': (ne_numerical, ne_mask, [('ne_id', ne_id)]), 'sv': (sv_numerical, sv_mask, [])}
        parts = [global_numerical]
        for t in types:
            x, m, cats = inputs[t]
            h = b.blocks[t](torch.cat([x] + [b.emb[c](v.long()) for c, v in cats], 2))
            parts.append((h * m.unsqueeze(2)).sum(1))
        return b.out(b.head(torch.cat(parts, 1)))


LMAX = {'ch': 64, 'ne': 64, 'sv': 8}


def padded(feeds):
    out = {'global_numerical': feeds['global_numerical']}
    for t in types:
        rs = feeds[f'{t}_row_splits']
        L = LMAX[t]
        ins = [f'{t}_numerical'] + feats[t].get('categorical', [])
        mask = np.zeros((B, L), np.float32)
        for n in ins:
            v = feeds[n]
            shape = (B, L) + v.shape[1:]
            a = np.zeros(shape, v.dtype)
            for j in range(B):
                k = min(rs[j + 1] - rs[j], L)
                a[j, :k] = v[rs[j]:rs[j] + k]
                mask[j, :k] = 1
            out[n] = a
        out[f'{t}_mask'] = mask
    return out


pnames = ['ch_numerical', 'ch_mask', 'ch_id', 'ch_pv_ass', 'ne_numerical', 'ne_mask', 'ne_id', 'sv_numerical', 'sv_mask', 'global_numerical']
pf = padded(f0)
ptrace = tuple(torch.from_numpy(np.maximum(pf[n], 0) if n in ('ch_id', 'ch_pv_ass', 'ne_id') else pf[n]) for n in pnames)
torch.onnx.export(Padded(model).eval(), ptrace, os.path.join(OUT, 'model-padded.onnx'), dynamo=False, input_names=pnames,
                  output_names=['head_dense_output'], dynamic_axes={n: {0: 'jets'} for n in pnames + ['head_dense_output']}, opset_version=17)
(pp,) = ort.InferenceSession(os.path.join(OUT, 'model-padded.onnx'), providers=['CPUExecutionProvider']).run(None, pf)
expected['padded'] = {'pred': pp[:, 0].astype(np.float64).tolist(), 'pt_corr': (pt * np.exp(pp[:, 0].astype(np.float64))).tolist()}
print('padded vs ragged export: max diff', float(np.abs(np.array(expected['padded']['pred']) - np.array(expected['fixed']['pred'])).max()))
with open(os.path.join(ROOT, 'test', 'data', 'onnx', 'mljec-expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
print('unknown ch_pv_ass values:', expected['unknown_ch_pv_ass'])
print('pred fixed', expected['fixed']['pred'][:3], 'historic', expected['historic']['pred'][:3])
