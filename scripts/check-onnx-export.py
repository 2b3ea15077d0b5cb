#!/usr/bin/env python3
"""Outside the test suite: checks an `ntcorr export-onnx` flow model with Python's onnx and onnxruntime
against zuko's own outputs (the fixtures in ../shared/fixtures/zuko/<name>/io, made by real zuko 1.6).

    node --import tsx src/cli/main.ts import-zuko ../shared/fixtures/zuko/nsf_a/state_dict.pth --features 16 \
        --context 5 --bins 10 --transforms 6 --hidden 256,256,256 -o /tmp/nsf_a
    node --import tsx src/cli/main.ts export-onnx /tmp/nsf_a -o /tmp/nsf_a.onnx      # .forward/.correction/.inverse.onnx
    /work/venv/bin/python scripts/check-onnx-export.py ../shared/fixtures/zuko/nsf_a /tmp/nsf_a.*.onnx

Prints max |onnx - zuko float64| per output next to zuko's own float32 error (manifest.json) and the
onnxruntime speed of the correction; exits 1 if an output is further from zuko float64 than zuko float32 is.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort


def main() -> int:
    fixture = Path(sys.argv[1])
    ok = True
    for model_path in sys.argv[2:]:
        ok &= check(model_path, fixture)
    print("OK" if ok else "FAILED: an output is further from zuko float64 than zuko float32 is")
    return 0 if ok else 1


def check(model_path: str, fixture: Path) -> bool:
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    print(f"{model_path}: opset {model.opset_import[0].version}, producer {model.producer_name} {model.producer_version}, "
          f"graph {meta.get('ntcorr.graph')}, onnx {onnx.__version__}, onnxruntime {ort.__version__}")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    io = {k: np.load(fixture / "io" / f"{k}.npy") for k in ["x", "c", "y", "ladj", "log_prob", "x_back", "x_corr"]}
    feeds = {"c": io["c"].astype(np.float32)}
    if "x" in names:
        feeds["x"] = io["x"].astype(np.float32)
    if "z" in names:
        feeds["z"] = io["y"].astype(np.float32)
    outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    stats = json.loads((fixture.parent / "manifest.json").read_text())["flows"][fixture.name]["stats"]
    pairs = [("y", "y", "max_abs_y_f32_minus_f64"), ("ladj", "ladj", "max_abs_ladj_f32_minus_f64"),
             ("log_prob", "log_prob", "max_abs_logprob_f32_minus_f64"), ("x_inv", "x_back", "max_abs_x_back_minus_x_f32"),
             ("x_corr", "x_corr", "max_abs_xcorr_f32_minus_f64")]
    ok = True
    for out, ref, key in pairs:
        if out not in outs:
            continue
        d = float(np.max(np.abs(outs[out].astype(np.float64) - io[ref])))
        z32 = stats[key]
        ok &= d <= z32
        print(f"  {out:9s} max |onnxruntime - zuko f64| {d:.2e}   zuko f32 {z32:.2e}   (x{d / z32:.2f})")
    n = 4096
    rng = np.random.default_rng(1)
    big = {i.name: rng.normal(size=(n, i.shape[1])).astype(np.float32) for i in sess.get_inputs()}
    sess.run(None, big)
    t0 = time.perf_counter()
    sess.run(None, big)
    dt = time.perf_counter() - t0
    print(f"  onnxruntime (Python, 1 intra-op thread, batch {n}): {n / dt:,.0f} events/s")
    return ok


if __name__ == "__main__":
    sys.exit(main())
