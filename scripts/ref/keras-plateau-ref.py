"""Learning rates of Keras' ReduceLROnPlateau callback for a metric sequence (ml-jec's schedule), for
test/nn-optim.test.ts. Run (venv with keras 3 + tensorflow_cpu):
  python scripts/ref/keras-plateau-ref.py > test/data/keras-plateau-ref.json
"""
import json
import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import keras  # noqa: E402

metrics = [1.0, 0.9, 0.95, 0.9, 0.89995, 0.91, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
out = {'keras': keras.__version__, 'metrics': metrics, 'cases': []}
for factor, patience, min_delta, min_lr, cooldown in [(0.5, 2, 1e-4, 0.2, 0), (0.2, 1, 0.02, 0.0, 1), (0.1, 0, 0.0, 1e-3, 0)]:
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss='mae')
    cb = keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=factor, patience=patience, min_delta=min_delta, min_lr=min_lr, cooldown=cooldown)
    cb.set_model(model)
    cb.on_train_begin()
    lrs = []
    for e, m in enumerate(metrics):
        cb.on_epoch_end(e, {'val_loss': m})
        lrs.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    out['cases'].append({'factor': factor, 'patience': patience, 'min_delta': min_delta, 'min_lr': min_lr, 'cooldown': cooldown, 'lrs': lrs})
print(json.dumps(out))
