"""Independent numpy forward pass of a jet-regression bundle (written from the documented architecture,
not from ntcorr's code): features, transform steps, embeddings, blocks, masked sum, head, output.

Run: python3 scripts/ref/jet-numpy-ref.py BUNDLE_DIR INPUT.json > expected.json
(INPUT.json from scripts/ref/dump-root-json.ts)
"""
import json, sys
import numpy as np

bundle, inp = sys.argv[1], sys.argv[2]
man = json.load(open(f'{bundle}/model.json'))
raw = open(f'{bundle}/weights.bin', 'rb').read()
W = {}
for s in man['tensors']:
    n = int(np.prod(s['shape']))
    W[s['name']] = np.frombuffer(raw, dtype=np.float32, count=n, offset=s['offset']).reshape(s['shape']).astype(np.float64)
cfg = man['config']
data = json.load(open(inp))
tr = cfg['transform']

def steps(name, x):
    x = np.asarray(x, dtype=np.float64)
    for s in tr['numerical'].get(name, []):
        if s['type'] == 'log': x = np.log(x)
        elif s['type'] == 'abs': x = np.abs(x)
        elif s['type'] == 'arcsinh': x = np.arcsinh(x / s['params']['scale'])
        elif s['type'] == 'linear': x = (x - s['params']['loc']) / s['params']['scale']
    return x

relu = lambda z: np.maximum(z, 0)

def block(prefix, h, b):
    for i, u in enumerate(b['num_units']):
        if b['type'] == 'mlp':
            h = relu(h @ W[f'{prefix}/l{i}/w'] + W[f'{prefix}/l{i}/b'])
        else:
            if h.shape[1] != u: h = h @ W[f'{prefix}/r{i}/proj/w'] + W[f'{prefix}/r{i}/proj/b']
            a = relu(h @ W[f'{prefix}/r{i}/w1'] + W[f'{prefix}/r{i}/b1'])
            h = relu(h + a @ W[f'{prefix}/r{i}/w2'] + W[f'{prefix}/r{i}/b2'])
    return h

jet = cfg['jet']
pt = np.array(data[jet['pt']], dtype=np.float64)
eta = np.array(data[jet['eta']], dtype=np.float64)
phi = np.array(data[jet['phi']], dtype=np.float64)
n = len(pt)
parts = [np.stack([steps(g, data[g]) for g in cfg['features']['global']], axis=1)] if cfg['features']['global'] else []
for t, arch in zip(cfg['features']['types'], cfg['arch']['types']):
    name = t['name']
    ref = data[t['numerical_branches'][0]]
    off = np.array(ref['offsets'])
    sums = []
    for j in range(n):
        a, b = off[j], min(off[j + 1], off[j] + t['max_size'])
        cols = []
        for f in t['numerical']:
            if f == f'{name}_rel_pt':
                x = np.array(data[f'{name}_pt']['values'][a:b]) / pt[j]
            elif f in (f'{name}_deta', f'{name}_dphi', f'{name}_dr'):
                de = (np.array(data[f'{name}_eta']['values'][a:b]) - eta[j]) * np.sign(eta[j]) if f'{name}_eta' in data else 0
                dp = np.array(data[f'{name}_phi']['values'][a:b]) - phi[j] if f'{name}_phi' in data else 0
                dp = np.angle(np.exp(1j * dp))  # wrap to (-pi, pi]
                x = de if f.endswith('deta') else dp if f.endswith('dphi') else np.hypot(de, dp)
                x = steps(f, x)
            else:
                x = steps(f, data[f]['values'][a:b])
            cols.append(np.asarray(x, dtype=np.float64) * np.ones(b - a))
        for k, c in enumerate(t['categorical']):
            known = tr['categorical'][c]
            idx = [known.index(v) if v in known else len(known) for v in data[c]['values'][a:b]]
            e = W[f'{name}/emb{k}'][idx]
            cols.extend(e.T)
        X = np.stack(cols, axis=1) if b > a else np.zeros((0, len(cols)))
        H = block(name, X, arch['block']) if b > a else np.zeros((0, arch['block']['num_units'][-1]))
        sums.append(H.sum(axis=0) if b > a else np.zeros(arch['block']['num_units'][-1]))
    parts.append(np.stack(sums))
h = block('head', np.concatenate(parts, axis=1), cfg['arch']['head'])
pred = (h @ W['out/w'] + W['out/b'])[:, 0]
print(json.dumps({'pred': pred.tolist(), 'pt_corr': (pt * np.exp(pred)).tolist()}))
