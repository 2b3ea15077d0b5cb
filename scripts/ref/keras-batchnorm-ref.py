"""One training step of an ml-jec MLP block with batch norm (Dense(use_bias=False) -> BatchNormalization(
scale=False) -> ReLU, twice) in real Keras: training-mode output, gradients of a fixed linear loss, the moving
statistics after the step, and the inference output afterwards; and the inference output of an ml-jec
resnet block. For test/jet-layers.test.ts.

Run (venv with keras 3 + tensorflow_cpu): python scripts/ref/keras-batchnorm-ref.py > test/data/keras-batchnorm-ref.json
"""
import json
import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

rng = np.random.default_rng(5)
x = rng.normal(size=(7, 4)).astype(np.float32)
g = rng.normal(size=(7, 3)).astype(np.float32)  # loss = sum(out * g)
w1 = (rng.normal(size=(4, 5)) * 0.6).astype(np.float32)
w2 = (rng.normal(size=(5, 3)) * 0.6).astype(np.float32)
beta1 = (rng.normal(size=(5,)) * 0.1).astype(np.float32)
beta2 = (rng.normal(size=(3,)) * 0.1).astype(np.float32)

inp = keras.Input((4,))
d1 = keras.layers.Dense(5, use_bias=False)
b1 = keras.layers.BatchNormalization(scale=False)
d2 = keras.layers.Dense(3, use_bias=False)
b2 = keras.layers.BatchNormalization(scale=False)
out = keras.layers.Activation('relu')(b2(d2(keras.layers.Activation('relu')(b1(d1(inp))))))
model = keras.Model(inp, out)
d1.set_weights([w1]); d2.set_weights([w2])
b1.set_weights([beta1, np.zeros(5, np.float32), np.ones(5, np.float32)])
b2.set_weights([beta2, np.zeros(3, np.float32), np.ones(3, np.float32)])
with tf.GradientTape() as tape:
    y = model(x, training=True)
    loss = tf.reduce_sum(y * g)
grads = tape.gradient(loss, [d1.kernel, b1.beta, d2.kernel, b2.beta])
res = {
    'keras': keras.__version__, 'x': x.ravel().tolist(), 'g': g.ravel().tolist(),
    'w1': w1.ravel().tolist(), 'w2': w2.ravel().tolist(), 'beta1': beta1.tolist(), 'beta2': beta2.tolist(),
    'train_out': y.numpy().ravel().tolist(),
    'grad_w1': grads[0].numpy().ravel().tolist(), 'grad_beta1': grads[1].numpy().tolist(),
    'grad_w2': grads[2].numpy().ravel().tolist(), 'grad_beta2': grads[3].numpy().tolist(),
    'moving_mean1': b1.moving_mean.numpy().tolist(), 'moving_variance1': b1.moving_variance.numpy().tolist(),
    'moving_mean2': b2.moving_mean.numpy().tolist(), 'moving_variance2': b2.moving_variance.numpy().tolist(),
    'infer_out': model(x, training=False).numpy().ravel().tolist(),
}

# ml-jec's _apply_resnet layout with num_units [6, 4, 3] on 5 inputs: a pair with a bias-free projection
# (5 != 4), then the odd last Dense(3) + ReLU. Random weights; inference output.
xr = rng.normal(size=(6, 5)).astype(np.float32)
rw = {'d1w': rng.normal(size=(5, 6)), 'd1b': rng.normal(size=(6,)), 'd2w': rng.normal(size=(6, 4)), 'd2b': rng.normal(size=(4,)),
      'pw': rng.normal(size=(5, 4)), 'lw': rng.normal(size=(4, 3)), 'lb': rng.normal(size=(3,))}
rw = {k: (v * 0.5).astype(np.float32) for k, v in rw.items()}
ri = keras.Input((5,))
a1, a2, pr, la = keras.layers.Dense(6), keras.layers.Dense(4), keras.layers.Dense(4, use_bias=False), keras.layers.Dense(3)
main = a2(keras.layers.Activation('relu')(a1(ri)))
h = keras.layers.Activation('relu')(keras.layers.Add()([main, pr(ri)]))
rmodel = keras.Model(ri, keras.layers.Activation('relu')(la(h)))
a1.set_weights([rw['d1w'], rw['d1b']]); a2.set_weights([rw['d2w'], rw['d2b']]); pr.set_weights([rw['pw']]); la.set_weights([rw['lw'], rw['lb']])
res['resnet'] = {'x': xr.ravel().tolist(), **{k: v.ravel().tolist() for k, v in rw.items()}, 'out': rmodel(xr, training=False).numpy().ravel().tolist(), 'params': rmodel.count_params()}
print(json.dumps(res))
