"""Trains the small stand-in flow models/zee-flow-small with PyTorch (outside the test suite), then
imports it with `ntcorr import-zuko`, exercising the same path as a real zuko checkpoint.

    python3 scripts/train-zee-flow-small.py [--epochs 40]

The network is bench/nsf_torch.py's NSF (zuko 1.6 NSF, checked against zuko's fixtures). Preprocessing
is computed here and written into the bundle; its forward direction is ntcorr's
(src/models/flow/preprocess.ts): isolation "make continuous" (x>0 -> x + shift, zeros -> triangular
draws on [0, 0.99 shift), then log(1e-3 + .)), then standardisation. A quick stand-in until
`ntcorr train flow` (issue 5) provides the real models/zee-flow.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pyarrow.parquet as pq
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from nsf_torch import NSF  # noqa: E402

VARIABLES = ["r9", "s4", "sieie", "sieip", "etaWidth", "phiWidth", "pfChargedIso"]
CONDITIONS = ["pt", "ScEta", "phi", "fixedGridRhoAll"]
CONTINUOUS = {"pfChargedIso": 0.1}
ARCH = dict(features=len(VARIABLES), context=len(CONDITIONS) + 1, bins=8, transforms=4, hidden=[64, 64])
SEED = 7
EPOCHS = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 40


def examples(path, is_data):
    cols = ["mass", "fixedGridRhoAll"] + [p + v for p in ("tag_", "probe_") for v in VARIABLES + CONDITIONS if v != "fixedGridRhoAll"]
    table = pq.read_table(path, columns=cols)
    t = {name: table.column(name).to_numpy() for name in cols}
    mass = np.asarray(t["mass"], dtype=np.float64)
    sel = (mass > 80) & (mass < 100)
    xs, cs = [], []
    for prefix in ("tag_", "probe_"):
        x = np.stack([np.asarray(t[prefix + v], dtype=np.float64)[sel] for v in VARIABLES], 1)
        c = np.stack([np.asarray(t[v if v == "fixedGridRhoAll" else prefix + v], dtype=np.float64)[sel] for v in CONDITIONS], 1)
        xs.append(x)
        cs.append(c)
    x, c = np.concatenate(xs), np.concatenate(cs)
    return x, np.concatenate([c, np.full((len(c), 1), float(is_data))], 1)


def make_continuous(x, rng):
    x = x.copy()
    for j, v in enumerate(VARIABLES):
        if v in CONTINUOUS:
            shift = CONTINUOUS[v]
            col = x[:, j]
            zero = col == 0
            u = rng.random(zero.sum())
            col[~zero] += shift
            col[zero] = 0.99 * shift * (1 - np.sqrt(1 - u))
            x[:, j] = np.log(1e-3 + col)
    return x


def main():
    rng = np.random.default_rng(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # a tiny network: more threads only add synchronisation
    xm, cm = examples(os.path.join(ROOT, "samples/zee_mc.parquet"), 0)
    xd, cd = examples(os.path.join(ROOT, "samples/zee_data.parquet"), 1)
    x = make_continuous(np.concatenate([xm, xd]), rng)
    c = np.concatenate([cm, cd])
    mean_x, std_x = x.mean(0), x.std(0)
    mean_c, std_c = c[:, :-1].mean(0), c[:, :-1].std(0)
    xs = torch.tensor((x - mean_x) / std_x, dtype=torch.float32)
    cs = torch.tensor(np.concatenate([(c[:, :-1] - mean_c) / std_c, c[:, -1:]], 1), dtype=torch.float32)
    perm = torch.randperm(len(xs))
    n_val = len(xs) // 5
    val, train = perm[:n_val], perm[n_val:]
    flow = NSF(ARCH["features"], ARCH["context"], ARCH["bins"], ARCH["transforms"], ARCH["hidden"])
    opt = torch.optim.AdamW(flow.parameters(), lr=2e-3, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    for epoch in range(EPOCHS):
        flow.train()
        order = train[torch.randperm(len(train))]
        for s in range(0, len(order), 1024):
            b = order[s:s + 1024]
            loss = -flow.log_prob(xs[b], cs[b]).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(flow.parameters(), 1.0)
            opt.step()
        sched.step()
        with torch.no_grad():
            vl = -flow.log_prob(xs[val], cs[val]).mean().item()
        print(f"epoch {epoch + 1}/{EPOCHS}: validation NLL {vl:.4f}", flush=True)
    work = tempfile.mkdtemp()
    ckpt = os.path.join(work, "zee-flow-small.pth")
    torch.save(flow.state_dict(), ckpt)
    desc = {
        "collections": [
            {"prefix": "probe_", "columns": {"fixedGridRhoAll": "fixedGridRhoAll"}},
            {"prefix": "tag_", "columns": {"fixedGridRhoAll": "fixedGridRhoAll"}},
        ],
        "validity": {"pt": [15, 500], "ScEta": [-2.6, 2.6], "fixedGridRhoAll": [0, 100]},
        "preprocessing": {
            "inputs": [
                dict(name=v, mean=float(mean_x[j]), std=float(std_x[j]), **({"continuous": {"shift": CONTINUOUS[v]}} if v in CONTINUOUS else {}))
                for j, v in enumerate(VARIABLES)
            ],
            "conditions": [dict(name=v, mean=float(mean_c[j]), std=float(std_c[j])) for j, v in enumerate(CONDITIONS)],
        },
    }
    with open(os.path.join(work, "desc.json"), "w") as f:
        json.dump(desc, f, indent=1)
    cmd = ["node", "--import", "tsx", "src/cli/main.ts", "import-zuko", ckpt, "--slope", "1e-3",
           "--features", str(ARCH["features"]), "--context", str(ARCH["context"]), "--bins", str(ARCH["bins"]),
           "--transforms", str(ARCH["transforms"]), "--hidden", ",".join(map(str, ARCH["hidden"])),
           "--variables", ",".join(VARIABLES), "--conditions", ",".join(CONDITIONS),
           "--describe", os.path.join(work, "desc.json"), "--name", "zee-flow-small", "-o", "models/zee-flow-small",
           "--note", f"Stand-in demo model, not physics quality: trained by scripts/train-zee-flow-small.py (PyTorch {torch.__version__}, "
                     f"bench/nsf_torch.py NSF, seed {SEED}, {EPOCHS} epochs, AdamW lr 2e-3 cosine, tag+probe photons of samples/zee_mc.parquet "
                     f"(is_data 0) and samples/zee_data.parquet (is_data 1) with 80 < mass < 100, unweighted; validation NLL {vl:.4f})"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    print(f"final validation NLL {vl:.4f}; torch {torch.__version__}; seed {SEED}; epochs {EPOCHS}")


if __name__ == "__main__":
    main()
