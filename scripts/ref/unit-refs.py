"""Reference values for the small unit tests named after their sources (test/stats-*.test.ts,
test/fit-minuit-linalg.test.ts, test/io-root-checksums.test.ts): numpy, scipy and zlib on fixed inputs.

    /work/venv/bin/python scripts/ref/unit-refs.py > test/data/unit-refs.json
"""
import json
import zlib

import numpy as np
from scipy import special, stats

x = [3.5, -1.25, 7.0, 0.0, 2.0, 2.0, 11.5, -4.0, 5.25, 1.0, 9.75, 2.0, -0.5, 6.0, 8.125, 4.0, 3.0]
qs = [0.0, 0.05, 0.16, 0.25, 0.5, 0.75, 0.84, 0.9, 1.0]
out = {"x": x, "qs": qs}
out["quantile"] = {m: [float(np.quantile(x, q, method=m)) for q in qs] for m in ["linear", "lower", "hazen"]}

w = [0.5, 1.0, 2.0, 1.5, 0.25, 1.0, 3.0, 0.75, 1.0, 2.0, 0.5, 1.0, 1.25, 1.0, 0.5, 2.5, 1.0]
out["w"] = w
for name, edges in [("uniform", np.linspace(-4.0, 12.0, 9)), ("variable", [-4.0, -1.0, 0.0, 2.0, 2.5, 6.0, 12.0])]:
    h, e = np.histogram(x, bins=edges, weights=w)
    h2, _ = np.histogram(x, bins=edges, weights=np.square(w))
    out["hist_" + name] = {"edges": [float(v) for v in e], "sumw": h.tolist(), "sumw2": h2.tolist()}

out["chi2_sf"] = [[xv, k, float(stats.chi2.sf(xv, k))] for xv, k in [(0.5, 1), (3.84, 1), (10.0, 5), (25.0, 10), (120.0, 100), (1.0, 30)]]
out["gammaincc"] = [[a, xv, float(special.gammaincc(a, xv))] for a, xv in [(0.5, 0.1), (2.5, 1.0), (10.0, 12.0), (50.0, 40.0)]]

A = np.array([[4.0, 1.2, -0.6, 0.3], [1.2, 3.0, 0.4, -0.2], [-0.6, 0.4, 2.5, 0.7], [0.3, -0.2, 0.7, 1.8]])
out["spd"] = {"a": A.tolist(), "cholesky": np.linalg.cholesky(A).tolist(), "inverse": np.linalg.inv(A).tolist(), "eigenvalues": np.linalg.eigvalsh(A).tolist()}

blobs = {"empty": b"", "a": b"a", "text": b"The quick brown fox jumps over the lazy dog", "bytes": bytes(range(256)) * 23}
out["adler32"] = {k: zlib.adler32(v) for k, v in blobs.items()}

be = {}
for dt, vals in [(">f4", [1.5, -2.25, 3.0e38, 1e-40]), (">f8", [np.pi, -0.0, 1e308]), (">i4", [1, -2, 2147483647]), (">i2", [-32768, 7]), (">u2", [65535, 1]), (">i8", [-(2 ** 62), 5])]:
    a = np.array(vals, dtype=dt)
    be[dt] = {"hex": a.tobytes().hex(), "values": [float(v) for v in a.astype(np.float64)]}
out["big_endian"] = be
print(json.dumps(out, indent=1))
