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
    kind = b['type']
    if kind == 'resnet' and not cfg['arch'].get('format'):
        kind = 'resnet_per_unit'  # bundles from before ml-jec's resnet
    units = b['num_units']
    if kind == 'mlp':
        for i, u in enumerate(units):
            p = f'{prefix}/l{i}'
            if b.get('batch_norm'):
                # Keras BatchNormalization(scale=False) at inference: moving statistics, epsilon 1e-3
                z = h @ W[f'{p}/w']
                z = (z - W[f'{p}/bn/moving_mean']) / np.sqrt(W[f'{p}/bn/moving_variance'] + 1e-3) + W[f'{p}/bn/beta']
                h = relu(z)
            else:
                h = relu(h @ W[f'{p}/w'] + W[f'{p}/b'])
            # dropout: identity at inference
    elif kind == 'resnet':
        # ml-jec _apply_resnet: pairs (n1, n2), bias-free projection when the width changes, odd last dense
        for i in range(0, len(units) - 1, 2):
            p = f'{prefix}/res{i // 2 + 1}'
            main = relu(h @ W[f'{p}/dense1/w'] + W[f'{p}/dense1/b']) @ W[f'{p}/dense2/w'] + W[f'{p}/dense2/b']
            bypass = h if h.shape[1] == units[i + 1] else h @ W[f'{p}/projection/w']
            h = relu(main + bypass)
        if len(units) % 2 == 1:
            h = relu(h @ W[f'{prefix}/last/w'] + W[f'{prefix}/last/b'])
    else:
        for i, u in enumerate(units):
            if h.shape[1] != u: h = h @ W[f'{prefix}/r{i}/proj/w'] + W[f'{prefix}/r{i}/proj/b']
            a = relu(h @ W[f'{prefix}/r{i}/w1'] + W[f'{prefix}/r{i}/b1'])
            h = relu(h + a @ W[f'{prefix}/r{i}/w2'] + W[f'{prefix}/r{i}/b2'])
    return h


def embed(name, known, values, rows):
    """Row of each value; unknown values get index len(known): an extra row if the table has one, else zeros."""
    table = W[name]
    out = np.zeros((len(values), table.shape[1]))
    for r, v in enumerate(values):
        i = known.index(v) if v in known else len(known)
        if i < rows: out[r] = table[i]
    return out

jet = cfg['jet']
pt = np.array(data[jet['pt']], dtype=np.float64)
eta = np.array(data[jet['eta']], dtype=np.float64)
phi = np.array(data[jet['phi']], dtype=np.float64)
n = len(pt)
parts = [np.stack([steps(g, data[g]) for g in cfg['features']['global']], axis=1)] if cfg['features']['global'] else []
for k, c in enumerate(cfg['features'].get('globalCategorical', [])):
    parts.append(embed(f'global/emb{k}', tr['categorical'][c], data[c], cfg['arch']['globalCategories'][k]))
for t, arch in zip(cfg['features']['types'], cfg['arch']['types']):
    name = t['name']
    ref = data[t['numerical_branches'][0]]
    off = np.array(ref['offsets'])
    sums = []
    for j in range(n):
        cap = t.get('max_size') or 10**9  # absent/null: no cap
        a, b = off[j], min(off[j + 1], off[j] + cap)
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
            e = embed(f'{name}/emb{k}', tr['categorical'][c], data[c]['values'][a:b], arch['categories'][k])
            cols.extend(e.T)
        X = np.stack(cols, axis=1) if b > a else np.zeros((0, len(cols)))
        H = block(name, X, arch['block']) if b > a else np.zeros((0, arch['block']['num_units'][-1]))
        sums.append(H.sum(axis=0) if b > a else np.zeros(arch['block']['num_units'][-1]))
    parts.append(np.stack(sums))
h = block('head', np.concatenate(parts, axis=1), cfg['arch']['head'])
pred = (h @ W['out/w'] + W['out/b'])[:, 0]
print(json.dumps({'pred': pred.tolist(), 'pt_corr': (pt * np.exp(pred)).tolist()}))
