"""Checks `ntcorr export-onnx` of a jet bundle with Python onnxruntime (outside the test suite).

Exports the bundle, runs the file with onnxruntime on the feeds of synthetic jets (scripts/ref/jet-export-feeds.ts)
and compares with ntcorr's own predictions (apply's ONNX Runtime path).
Run: /work/venv/bin/python scripts/ref/check-jet-export.py [BUNDLE] [JETS] [synthetic|random]
(random: network inputs drawn for the arch, for bundles on ml-jec branches, e.g. test/data/jet-mljec-blocks-model)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
bundle = sys.argv[1] if len(sys.argv) > 1 else 'models/jet-deepsets-small'
jets = sys.argv[2] if len(sys.argv) > 2 else '2000'
source = sys.argv[3] if len(sys.argv) > 3 else 'synthetic'
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, 'jet.onnx')
    subprocess.run(['node', 'bin/ntcorr.js', 'export-onnx', bundle, '-o', path], cwd=ROOT, check=True)
    onnx.checker.check_model(onnx.load(path))
    data = json.loads(subprocess.run(['node', '--import', 'tsx', 'scripts/ref/jet-export-feeds.ts', bundle, jets, '11', source], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    s = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    feeds = {k: np.array(v['data'], dtype=v['dtype']).reshape(v['dims']) for k, v in data.items() if k != 'pred'}
    (pred,) = s.run(['pred'], feeds)
    ref = np.array(data['pred'], np.float32)
    diff = np.abs(pred[:, 0] - ref)
    print(f'onnxruntime {ort.__version__}, onnx.checker ok; {len(ref)} jets: max |python - ntcorr| = {diff.max():.3g}, '
          f'mean {diff.mean():.3g}; prediction range [{ref.min():.4f}, {ref.max():.4f}]')
