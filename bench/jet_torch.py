"""PyTorch reference for bench/jet.ts: inference jets/s of a Deep Sets network of the same shape as the
bench's ntcorr arch (per-type embeddings + MLP on every constituent, masked sum, MLP head, one output),
random weights, on padded batches built from the bench jets' constituent counts.

  python3 bench/jet_torch.py ARCH_AND_LENGTHS.json --threads 2 [--fixed] [--batch 4096]

--fixed pads every jet to the arch's max sizes (ml-jec's padding); otherwise jets are sorted by
constituent count and each batch is padded to its longest jet (what ntcorr does). Prints one JSON line.
"""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument('spec')
p.add_argument('--threads', type=int, default=2)
p.add_argument('--batch', type=int, default=4096)
p.add_argument('--fixed', action='store_true')
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
spec = json.load(open(a.spec))
arch, lengths = spec['arch'], spec['lengths']
n = len(lengths[0])


def mlp(n_in, units):
    layers = []
    for u in units:
        layers += [torch.nn.Linear(n_in, u), torch.nn.ReLU()]
        n_in = u
    return torch.nn.Sequential(*layers), n_in


class DeepSets(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embs = torch.nn.ModuleList()
        self.blocks = torch.nn.ModuleList()
        head_in = arch['global']
        for t in arch['types']:
            self.embs.append(torch.nn.ModuleList(torch.nn.Embedding(v, e) for v, e in zip(t['categories'], t['embeddings'])))
            blk, out = mlp(t['numerical'] + sum(t['embeddings']), t['block']['num_units'])
            self.blocks.append(blk)
            head_in += out
        assert arch['head']['type'] == 'mlp'
        self.head, out = mlp(head_in, arch['head']['num_units'])
        self.out = torch.nn.Linear(out, 1)

    def forward(self, g, types):
        parts = [g]
        for (num, cats, mask), embs, blk in zip(types, self.embs, self.blocks):
            x = torch.cat([num] + [e(c) for e, c in zip(embs, cats)], dim=2)
            parts.append((blk(x) * mask.unsqueeze(2)).sum(1))
        return self.out(self.head(torch.cat(parts, 1)))


model = DeepSets().eval()
total = [sum(lengths[k][i] for k in range(len(lengths))) for i in range(n)]
order = sorted(range(n), key=lambda i: total[i])


def batch(idx):
    types = []
    for k, t in enumerate(arch['types']):
        ls = [lengths[k][i] for i in idx]
        L = t['maxSize'] if a.fixed else max(1, max(ls))
        mask = (torch.arange(L).unsqueeze(0) < torch.tensor(ls).unsqueeze(1)).float()
        types.append((torch.randn(len(idx), L, t['numerical']), [torch.randint(0, v, (len(idx), L)) for v in t['categories']], mask))
    return torch.randn(len(idx), arch['global']), types


batches = [batch(order[s:s + a.batch]) for s in range(0, n, a.batch)]
with torch.inference_mode():
    model(*batches[0])  # warm-up
    dt = float('inf')
    for _ in range(3):  # best of 3, as bench/jet.ts times ONNX Runtime
        t0 = time.perf_counter()
        for b in batches:
            model(*b)
        dt = min(dt, time.perf_counter() - t0)
print(json.dumps({'jets_per_s': n / dt, 'jets': n, 'threads': a.threads, 'fixed': a.fixed, 'torch': torch.__version__}))
