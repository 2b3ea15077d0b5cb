"""Cross-check of scripts/ref/mljec-param-count.py with real Keras layers: builds each block of ml-jec's
network as ml-jec's mljec/model.py lays it out (Dense with he_uniform, bias-free projections, BatchNormalization
(scale=False), Dropout, Embedding(len(values), dim), head on global + summed block outputs, Dense(1)) and
sums Keras' count_params(). Per-constituent blocks are built on fixed-width inputs: the count does not
depend on ml-jec's ragged TimeDistributed wrapper.

Run (a venv with keras 3 + tensorflow_cpu + pyyaml): python scripts/ref/mljec-keras-count.py
Prints {variant: count} for the variants of mljec-param-count.py (same configs).
"""
import importlib.util
import json
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import keras  # noqa: E402
from keras import layers  # noqa: E402

spec = importlib.util.spec_from_file_location('pc', os.path.join(os.path.dirname(__file__), 'mljec-param-count.py'))
pc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pc)


def keras_block(width, cfg, name):
    x0 = keras.Input(shape=(width,))
    x = x0
    units = cfg['num_units']
    if cfg['type'] == 'mlp':
        bn = cfg.get('batch_norm', False)
        for i, u in enumerate(units):
            x = layers.Dense(u, kernel_initializer='he_uniform', use_bias=not bn)(x)
            if bn:
                x = layers.BatchNormalization(scale=False)(x)
            x = layers.Activation('relu')(x)
            if cfg.get('dropout', 0) > 0:
                x = layers.Dropout(cfg['dropout'])(x)
    else:
        for i in range(0, len(units) - 1, 2):
            main = layers.Dense(units[i + 1])(layers.Activation('relu')(layers.Dense(units[i])(x)))
            bypass = x if x.shape[-1] == units[i + 1] else layers.Dense(units[i + 1], use_bias=False)(x)
            x = layers.Activation('relu')(layers.Add()([main, bypass]))
        if len(units) % 2 == 1:
            x = layers.Activation('relu')(layers.Dense(units[-1])(x))
    return keras.Model(x0, x, name=name)


def keras_count(config, transform):
    card = {k: len(v) for k, v in transform['categorical'].items()}
    feats, model = config['features'], config['model']
    total, head_in = 0, len(feats['global'].get('numerical', []))
    for name in sorted(k for k in model if k not in ('head', 'load_weights')):
        f, m = feats[name], model[name]
        for c in f.get('categorical', []):
            e = layers.Embedding(card[c], m['embeddings'][c])
            e.build((None,))
            total += e.count_params()
        width = len(f.get('numerical', [])) + sum(m['embeddings'][c] for c in f.get('categorical', []))
        sub = keras_block(width, m, name)
        total += sub.count_params()
        head_in += sub.output.shape[-1]
    for c in feats['global'].get('categorical', []):
        e = layers.Embedding(card[c], model['head']['embeddings'][c])
        e.build((None,))
        total += e.count_params()
        head_in += model['head']['embeddings'][c]
    head = keras_block(head_in, model['head'], 'head')
    out = layers.Dense(1)
    out.build((None, head.output.shape[-1]))
    return total + head.count_params() + out.count_params()


if __name__ == '__main__':
    # the same variants as mljec-param-count.py --variants, counted by Keras
    real_count = pc.count
    pc.count = lambda cfg, tr: {'total': keras_count(cfg, tr)}
    out = pc.variants()
    pc.count = real_count
    out['keras'] = keras.__version__
    print(json.dumps(out, indent=1))
