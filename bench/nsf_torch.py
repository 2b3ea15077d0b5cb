"""A PyTorch NSF functionally identical to zuko 1.6's `NSF` (same masks, spline, state-dict names).

zuko itself is not installable here, so the benchmark and the small bundled model carry this
reference. `python3 bench/nsf_torch.py --check` verifies it against the zuko fixtures
(../shared/fixtures/zuko): float64 log_prob / x_corr to 1e-9. State dicts it saves are read by
`ntcorr import-zuko` exactly like zuko's.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as Fn


def made_masks(features, context, P, hidden, order):
    """zuko/nn.py MaskedMLP masks for adjacency order[i] > order[j] (+ all context), repeated P times."""
    F, C = features, context
    A = np.zeros((F, F + C), dtype=np.uint8)
    for i in range(F):
        for j in range(F):
            A[i, j] = order[i] > order[j]
        A[i, F:] = 1
    U, inverse = np.unique(A, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    size = U.sum(1)
    prec = (U.astype(np.int64) @ U.T.astype(np.int64)) == size[None, :]
    masks = []
    reach = np.nonzero(size > 0)[0]
    idx = reach[np.arange(hidden[0]) % len(reach)]
    masks.append(U[idx])
    for h in hidden[1:]:
        m = prec[:, idx]
        reach = np.nonzero(m.sum(1) > 0)[0]
        nidx = reach[np.arange(h) % len(reach)]
        masks.append(m[nidx])
        idx = nidx
    out = prec[:, idx][inverse]
    masks.append(np.repeat(out, P, axis=0))
    return [torch.tensor(m.astype(bool)) for m in masks]


class MaskedLinear(nn.Linear):
    def __init__(self, mask):
        super().__init__(mask.shape[1], mask.shape[0])
        self.register_buffer("mask", mask)

    def forward(self, x):
        return Fn.linear(x, self.mask * self.weight, self.bias)


def rqs(phi, x, K, slope, bound, inverse=False):
    """zuko MonotonicRQSTransform; phi (..., 3K-1). Returns y (and ladj when forward)."""
    L = math.log(slope)
    w, h, d = phi[..., :K], phi[..., K:2 * K], phi[..., 2 * K:]
    w = w / (1 + (2 * w / L).abs())
    h = h / (1 + (2 * h / L).abs())
    d = d / (1 + (d / L).abs())
    X = bound * (2 * torch.cumsum(Fn.pad(torch.softmax(w, -1), (1, 0)), -1) - 1)
    Y = bound * (2 * torch.cumsum(Fn.pad(torch.softmax(h, -1), (1, 0)), -1) - 1)
    D = torch.exp(Fn.pad(d, (1, 1)))
    knots = Y if inverse else X
    k = (knots < x[..., None]).sum(-1) - 1
    inside = (k >= 0) & (k < K)
    kc = k.clamp(0, K - 1)[..., None]
    g = lambda T, o: T.gather(-1, kc + o)[..., 0]
    x0, x1, y0, y1, d0, d1 = g(X, 0), g(X, 1), g(Y, 0), g(Y, 1), g(D, 0), g(D, 1)
    s = (y1 - y0) / (x1 - x0)
    if not inverse:
        z = (x - x0) / (x1 - x0)
        zz = z * (1 - z)
        den = s + (d0 + d1 - 2 * s) * zz
        y = y0 + (y1 - y0) * (s * z * z + d0 * zz) / den
        jac = s * s * (2 * s * zz + d0 * (1 - z) ** 2 + d1 * z * z) / den ** 2
        return torch.where(inside, y, x), torch.where(inside, torch.log(jac), torch.zeros_like(x))
    yy = x - y0
    e = d0 + d1 - 2 * s
    a = (y1 - y0) * (s - d0) + yy * e
    b = (y1 - y0) * d0 - yy * e
    c = -s * yy
    z = 2 * c / (-b - torch.sqrt(b * b - 4 * a * c))
    return torch.where(inside, x0 + z * (x1 - x0), x)


class MAT(nn.Module):
    def __init__(self, features, context, bins, hidden, order, passes):
        super().__init__()
        self.F, self.K, self.P = features, bins, 3 * bins - 1
        self.passes = passes
        self.register_buffer("order", torch.tensor(order, dtype=torch.long))
        masks = made_masks(features, context, self.P, hidden, order)
        layers = []
        for i, m in enumerate(masks):
            layers.append(MaskedLinear(m))
            if i < len(masks) - 1:
                layers.append(nn.ReLU())
        self.hyper = nn.Sequential(*layers)

    def phi(self, x, c):
        return self.hyper(torch.cat([x, c], -1)).unflatten(-1, (self.F, self.P))


class NSF(nn.Module):
    def __init__(self, features, context, bins=8, transforms=3, hidden=(64, 64), passes=None, slope=1e-3, bound=5.0):
        super().__init__()
        passes = min(max(passes or features, 1), features)
        div = math.ceil(features / passes)
        self.slope, self.bound, self.K, self.F = slope, bound, bins, features
        self.transform = nn.Module()
        ts = []
        for t in range(transforms):
            order = [(i if t % 2 == 0 else features - 1 - i) // div for i in range(features)]
            ts.append(MAT(features, context, bins, list(hidden), order, passes))
        self.transform.transforms = nn.ModuleList(ts)
        self.base = nn.Module()
        self.base.register_buffer("loc", torch.zeros(features))
        self.base.register_buffer("scale", torch.ones(features))

    def forward_ladj(self, x, c):
        ladj = torch.zeros(x.shape[:-1], dtype=x.dtype)
        for t in self.transform.transforms:
            x, l = rqs(t.phi(x, c), x, self.K, self.slope, self.bound)
            ladj = ladj + l.sum(-1)
        return x, ladj

    def log_prob(self, x, c):
        z, ladj = self.forward_ladj(x, c)
        return -0.5 * (z ** 2).sum(-1) - self.F * 0.5 * math.log(2 * math.pi) + ladj

    def inverse(self, z, c):
        """zuko's inversion: per transform, `passes` full MADE evaluations."""
        for t in reversed(self.transform.transforms):
            y, x = z, torch.zeros_like(z)
            for _ in range(t.passes):
                x = rqs(t.phi(x, c), y, self.K, self.slope, self.bound, inverse=True)
            z = x
        return z

    def correct(self, x, c):
        c0, c1 = c.clone(), c.clone()
        c0[..., -1] = 0
        c1[..., -1] = 1
        return self.inverse(self.forward_ladj(x, c0)[0], c1)


def from_fixture(name, root):
    """The fixture flow from its raw dump (layout.json + params.f32.bin)."""
    d = os.path.join(root, name)
    layout = json.load(open(os.path.join(d, "layout.json")))
    k = layout["kwargs"]
    flow = NSF(k["features"], k["context"], k["bins"], k["transforms"], k["hidden_features"], k.get("passes"))
    params = np.fromfile(os.path.join(d, "params.f32.bin"), dtype="<f4")
    sd = flow.state_dict()
    for e in layout["tensors"]:
        if e["dtype"] == "float32":
            sd[e["name"]] = torch.tensor(params[e["offset_elems"]:e["offset_elems"] + e["numel"]].reshape(e["shape"]))
    flow.load_state_dict(sd)
    return flow, d


def check(root):
    ok = True
    for name in ("nsf_c", "nsf_a"):
        flow, d = from_fixture(name, root)
        flow = flow.double()
        ld = lambda a: torch.tensor(np.load(os.path.join(d, "io", a + ".npy")))
        n = 32 if name == "nsf_a" else 256
        x, c, c0, c1 = ld("x")[:n], ld("c")[:n], ld("c0")[:n], ld("c1")[:n]
        with torch.no_grad():
            lp = flow.log_prob(x, c)
            xc = flow.correct(x, c)
        dl = (lp - ld("log_prob")[:n]).abs().max().item()
        dx = (xc - ld("x_corr")[:n]).abs().max().item()
        print(f"{name}: max |log_prob - zuko| {dl:.2e}, max |x_corr - zuko| {dx:.2e}")
        ok = ok and dl < 1e-9 and dx < 1e-9
    return ok


if __name__ == "__main__":
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "fixtures", "zuko")
    if "--check" in sys.argv:
        sys.exit(0 if check(root) else 1)
    if "--bench" in sys.argv:
        # python3 bench/nsf_torch.py --bench N --threads T [--cms]: nsf_a (16 features, 6 transforms, 3x256) or the
        # CMS-like 6 x 2x128, 8-bin flow, float32,
        # batches of 4096; prints one JSON line with forward and correction events/s (best of 3).
        import time
        n = int(sys.argv[sys.argv.index("--bench") + 1])
        threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
        torch.set_num_threads(threads)
        if "--cms" in sys.argv:
            # CMS-like config: 16 features, 5 context, 6 transforms x 2x128, 8 bins (seeded default init).
            torch.manual_seed(7)
            flow = NSF(16, 5, bins=8, transforms=6, hidden=(128, 128))
        else:
            flow, _ = from_fixture("nsf_a", root)
        g = torch.Generator().manual_seed(1)
        x = torch.randn(n, 16, generator=g)
        c = torch.randn(n, 5, generator=g)
        def run(f):
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                with torch.no_grad():
                    for s in range(0, n, 4096):
                        f(x[s:s + 4096], c[s:s + 4096])
                best = min(best, time.perf_counter() - t0)
            return n / best
        fwd = run(flow.forward_ladj)
        cor = run(flow.correct)
        print(json.dumps({"torch": torch.__version__, "threads": threads, "events": n, "forward_eps": fwd, "correct_eps": cor}))
