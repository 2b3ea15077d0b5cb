"""PyTorch reference for flow TRAINING throughput (bench/train-flow.ts runs it when torch is importable).

Times training steps (log_prob, backward, gradient clipping, AdamW) of the same NSF as ntcorr trains
(bench/nsf_torch.py: zuko 1.6's NSF, checked there against zuko's fixtures), on random inputs.
Prints one JSON line per thread count: {"threads": t, "events_per_s": ...}.

    python3 bench/train_flow_torch.py --features 16 --context 5 --transforms 6 --hidden 256 256 256 --batch 4096 --steps 5 --threads 1 2
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nsf_torch import NSF  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=16)
    ap.add_argument("--context", type=int, default=5)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--transforms", type=int, default=6)
    ap.add_argument("--hidden", type=int, nargs="+", default=[256, 256, 256])
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    a = ap.parse_args()
    torch.manual_seed(1)
    flow = NSF(a.features, a.context, bins=a.bins, transforms=a.transforms, hidden=a.hidden)
    opt = torch.optim.AdamW(flow.parameters(), lr=1e-3, weight_decay=1e-5)
    x = torch.randn(a.batch, a.features)
    c = torch.randn(a.batch, a.context)
    for t in a.threads:
        torch.set_num_threads(t)

        def step():
            opt.zero_grad()
            loss = -flow.log_prob(x, c).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(flow.parameters(), 1.0)
            opt.step()

        step()  # warm-up
        best = float("inf")
        for _ in range(a.steps):
            t0 = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - t0)
        print(json.dumps({"threads": t, "events_per_s": a.batch / best, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
