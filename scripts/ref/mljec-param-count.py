"""Parameter count of ml-jec's network for a config, from ml-jec's layer rules (mljec/model.py at
andrey-popov/ml-jec a53759d), written independently of ntcorr's code. No TensorFlow needed.

Rules (Keras count_params, which includes batch-norm moving statistics):
* Embedding(cardinality, dim): cardinality * dim, cardinality = len(transform.yaml's value list).
* _apply_mlp: per entry u, Dense(u, use_bias=not batch_norm); BatchNormalization(scale=False) adds beta,
  moving_mean, moving_variance (3u); Dropout nothing.
* _apply_resnet: num_units in pairs (n1, n2): Dense(n1) + Dense(n2), plus a bias-free Dense(n2) projection
  when the block input width is not n2; an odd last entry adds one Dense.
* Deep Sets block per constituent type on [numerical + embeddings]; the head sees global numerical
  (+ global embeddings) + the sum of every type's block output; one Dense(1) output.

Global categorical features: ml-jec's build_model means an Embedding per feature concatenated to the head
input (its code indexes the embeddings by the input tensor instead of the name and cannot run them);
counted as intended.

Run: /usr/bin/python3 scripts/ref/mljec-param-count.py CONFIG.yaml TRANSFORM.yaml  -> JSON on stdout
 or: /usr/bin/python3 scripts/ref/mljec-param-count.py --variants > test/data/mljec/param-counts.json
     (ml-jec's example and test configs and the variants below, which test/jet-mljec.test.ts rebuilds)
Self-check against ml-jec's tests/test_model.py: mlp [10]*3 with batch_norm on 10 inputs = 390,
resnet [10, 10, 10, 5] on 10 inputs = 435.
"""
import json
import sys

import yaml


def dense(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)


def mlp(n_in, units, batch_norm=False):
    n, d = 0, n_in
    for u in units:
        n += dense(d, u, bias=not batch_norm)
        if batch_norm:
            n += 3 * u
        d = u
    return n, d


def resnet(n_in, units):
    n, d = 0, n_in
    for i in range(0, len(units) - 1, 2):
        n1, n2 = units[i], units[i + 1]
        n += dense(d, n1) + dense(n1, n2)
        if d != n2:
            n += dense(d, n2, bias=False)
        d = n2
    if len(units) % 2 == 1:
        n += dense(d, units[-1])
        d = units[-1]
    return n, d


def block(n_in, cfg):
    if cfg['type'] == 'mlp':
        return mlp(n_in, cfg['num_units'], cfg.get('batch_norm', False))
    if cfg['type'] == 'resnet':
        return resnet(n_in, cfg['num_units'])
    raise SystemExit(f"unknown block type {cfg['type']}")


def count(config, transform):
    card = {k: len(v) for k, v in transform['categorical'].items()}
    feats, model = config['features'], config['model']
    total, head_in, parts = 0, len(feats['global'].get('numerical', [])), {}
    for name in sorted(k for k in model if k not in ('head', 'load_weights')):
        f, m = feats[name], model[name]
        emb = sum(card[c] * m['embeddings'][c] for c in f.get('categorical', []))
        width = len(f.get('numerical', [])) + sum(m['embeddings'][c] for c in f.get('categorical', []))
        n, out = block(width, m)
        parts[name] = emb + n
        total += emb + n
        head_in += out
    for c in feats['global'].get('categorical', []):
        total += card[c] * model['head']['embeddings'][c]
        head_in += model['head']['embeddings'][c]
    n, out = block(head_in, model['head'])
    parts['head'] = n + dense(out, 1)
    total += n + dense(out, 1)
    return {'total': total, 'blocks': parts}


def variants():
    import copy
    import os
    root = os.path.join(os.path.dirname(__file__), '..', '..')
    example = yaml.safe_load(open(os.path.join(root, 'test/data/mljec/example_config.yaml')))
    fixture = os.path.join(root, '..', 'shared', 'fixtures', 'jets-mljec')
    test_cfg = yaml.safe_load(open(os.path.join(fixture, 'test_config.yaml')))
    tr = yaml.safe_load(open(os.path.join(fixture, 'transform.yaml')))
    out = {'example_config': count(example, tr)['total'], 'test_config': count(test_cfg, tr)['total']}
    v = copy.deepcopy(example)  # every block an MLP with batch norm and dropout
    for b in v['model'].values():
        b.update(type='mlp', batch_norm=True, dropout=0.1)
    out['mlp_batch_norm'] = count(v, tr)['total']
    v = copy.deepcopy(example)  # odd resnets: a projected pair then a plain last layer
    v['model']['ch']['num_units'] = [100, 50, 30]
    v['model']['head']['num_units'] = [64, 157, 32]
    out['resnet_odd'] = count(v, tr)['total']
    v = copy.deepcopy(test_cfg)  # a global categorical feature with a head embedding
    v['features']['global']['categorical'] = ['hadron_flavor']
    v['model']['head']['embeddings'] = {'hadron_flavor': 2}
    tr2 = copy.deepcopy(tr)
    tr2['categorical']['hadron_flavor'] = [0, 4, 5]
    out['global_categorical'] = count(v, tr2)['total']
    return out


if __name__ == '__main__':
    assert mlp(10, [10] * 3, batch_norm=True)[0] == 390
    assert resnet(10, [10, 10, 10, 5])[0] == 435
    if sys.argv[1] == '--variants':
        print(json.dumps(variants(), indent=1))
        sys.exit(0)
    cfg = yaml.safe_load(open(sys.argv[1]))
    tr = yaml.safe_load(open(sys.argv[2]))
    print(json.dumps(count(cfg, tr)))
