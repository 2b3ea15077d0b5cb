/**
 * Flow training benchmark (issue 5), in two parts:
 *
 *  1. Training-step throughput of the 16-feature, 6-transform, 3x256 NSF (batch 4096): the trainer's own
 *     code path (TfFlow + dense layers with hand-written gradient + clipping + AdamW), events/s per CPU
 *     core, next to PyTorch 2.x training the same flow (bench/train_flow_torch.py, 1 and 2 threads) when
 *     python3 with torch is importable. Anchor: zuko + PyTorch 2.13 ~3,400-4,200 events/s on 1 thread,
 *     ~4,200-8,600 on 2 (measurements.md); goal: within 2x.
 *  2. End to end `train flow` on generated Zee samples (scripts/make-samples.ts: ~1M rows per sample,
 *     20k with --small): read + reweight + fit + train + closure on the held-out test split. Prints
 *     events/s per epoch, total time, peak RSS and the closure targets: mean KS after/before <= 0.2 and
 *     classifier AUC after <= 0.52.
 *
 *   node --import tsx bench/train-flow.ts [--small] [--part step|e2e] [--rows N] [--backend wasm|cpu|auto] [--tfjs-spline]
 *
 * --tfjs-spline times the step with the model's tfjs spline + autodiff instead of the trainer's host spline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend } from '../src/compute/backend.js';
import { mulberry32 } from '../src/core/random.js';
import { Adam, Params } from '../src/nn/index.js';
import { parseFlowConfigs } from '../src/train/flow/config.js';
import { trainFlow } from '../src/train/flow/trainer.js';
import { DataParallel } from '../src/train/flow/data-parallel.js';
import { TRAINING_STRATEGIES, trainingFlow } from '../src/train/flow/shard-loss.js';
import { tfSpline } from '../src/models/flow/tf-spline.js';
import { TfFlow } from '../src/models/flow/tf-flow.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, dflt: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
const rssMB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

async function stepThroughput(small: boolean, backend: string): Promise<void> {
  const B = small ? 1024 : 4096;
  const steps = small ? 2 : 5;
  const F = 16;
  const C = 5;
  await initBackend(backend);
  const arch = { features: F, context: C, bins: 10, transforms: 6, hidden: [256, 256, 256], slope: 1e-3, bound: 5 };
  const rnd = mulberry32(1);
  const batch = { size: B, x: Float32Array.from({ length: B * F }, () => 2 * rnd() - 1), c: Float32Array.from({ length: B * C }, () => 2 * rnd() - 1), w: new Float32Array(B).fill(1) };
  console.log(`training step, NSF 16 features / 5 context / 10 bins / 6 transforms / 3x256, batch ${B}, backend ${backend}:`);
  const rates: number[] = [];
  for (const threads of [1, 2]) {
    // --tfjs-spline: the model's tfjs spline + autodiff in place of the host spline
    const flow = process.argv.includes('--tfjs-spline') ? TfFlow.init(arch, 1, { ...TRAINING_STRATEGIES, spline: tfSpline }) : trainingFlow(arch, 1);
    const params = new Params();
    flow.layers.forEach((ls, t) => ls.forEach((L, l) => { params.adopt(`t${t}.l${l}.w`, L.w); params.adopt(`t${t}.l${l}.b`, L.b); }));
    const opt = new Adam(params, { lr: 1e-3, weightDecay: 1e-5 });
    const dp = await DataParallel.start(flow, threads, backend);
    const step = () => dp.step({ ...batch, x: batch.x.slice(), c: batch.c.slice(), w: batch.w.slice() }, params, opt, 1);
    await step(); // warm-up (kernel set-up)
    let best = Infinity;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await step();
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    await dp.close();
    flow.dispose();
    opt.dispose();
    rates.push(B / best);
    console.log(`  ntcorr, ${threads} thread(s): ${fmt(B / best)} events/s (best of ${steps} steps)`);
  }
  const py = spawnSync('python3', [join(ROOT, 'bench', 'train_flow_torch.py'), '--batch', String(B), '--steps', String(steps), '--threads', '1', '2'], { encoding: 'utf8', timeout: 600_000 });
  if (py.status !== 0) {
    console.log(`  PyTorch: not run (${(py.stderr || py.error?.message || 'python3/torch unavailable').trim().split('\n').pop()})`);
    return;
  }
  for (const line of py.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { threads: number; events_per_s: number; torch: string };
    const ours = rates[r.threads - 1];
    console.log(`  PyTorch ${r.torch}, ${r.threads} thread(s): ${fmt(r.events_per_s)} events/s   ntcorr/PyTorch = ${(ours / r.events_per_s).toFixed(2)}${r.threads === 2 ? ` (goal >= 0.5: ${ours / r.events_per_s >= 0.5 ? 'met' : 'NOT met'})` : ''}`);
  }
}

async function endToEnd(small: boolean, backend: string): Promise<void> {
  const rows = Number(arg('--rows', small ? '20000' : '1000000'));
  const dir = join(ROOT, 'bench', 'data', `zee-${rows}`);
  if (!existsSync(join(dir, 'zee_mc.parquet')) || !existsSync(join(dir, 'zee_data.parquet'))) {
    mkdirSync(dir, { recursive: true });
    console.log(`generating ${fmt(rows)}-row samples in ${dir} ...`);
    const g = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'make-samples.ts'), '--rows', String(rows), '--out', dir], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error('sample generation failed');
  }
  const out = join(dir, 'bundle');
  rmSync(out, { recursive: true, force: true });
  // The barrel configuration of examples/flow/flow.yaml with a model sized for a benchmark run.
  const yaml = `
configurations:
  bench:
    data: ${join(dir, 'zee_data.parquet')}
    mc: ${join(dir, 'zee_mc.parquet')}
    mc_weight: weight
    selection: 80 < mass < 100 and tag_pt > 40 and probe_pt > 22 and abs(probe_ScEta) < 1.4442
    collections: [probe_]
    variables: [r9, s4, sieie, sieip, etaWidth, phiWidth, hoe, pfChargedIso, pfChargedIsoWorstVtx, ecalPFClusterIso, trkSumPtHollowConeDR03, trkSumPtSolidConeDR04]
    conditions: [pt, ScEta, phi, fixedGridRhoAll]
    preprocessing:
      isolation: {hoe: auto, pfChargedIso: auto, pfChargedIsoWorstVtx: auto, ecalPFClusterIso: auto, trkSumPtHollowConeDR03: auto, trkSumPtSolidConeDR04: auto}
      capped: {r9: 1.0, s4: 1.0}
    reweight: {variables: [pt, ScEta, fixedGridRhoAll], bins: ${small ? 4 : 10}}
    model: {transforms: ${small ? 2 : 6}, bins: 10, hidden: [${small ? '32, 32' : '128, 128, 128'}]}
    training: {epochs: ${small ? 2 : 20}, batch_size: ${small ? 1024 : 2048}, learning_rate: 1.0e-3, patience: 5, lr_patience: 2, seed: 42}
    closure: {plots: ${small ? 'false' : 'true'}, classifier_events: ${small ? 5000 : 100000}}
    output: ${out}
`;
  const [cfg] = parseFlowConfigs(yaml, 'bench/train-flow.ts');
  const t0 = performance.now();
  const res = await trainFlow(cfg, { resume: false, backend, quiet: true, closure: true, command: 'bench/train-flow.ts', log: (l) => console.log(`  ${l}`) });
  const total = (performance.now() - t0) / 1000;
  console.log(`end to end on ${fmt(rows)}-row samples: ${res.epochs} epochs, total ${total.toFixed(0)} s, peak RSS ${rssMB()} MB`);
  for (const h of res.history) console.log(`  epoch ${h.epoch}: ${fmt(h.events_per_s)} training events/s, val NLL ${h.val_loss.toFixed(4)}`);
  const c = res.closure?.summary;
  if (c) {
    console.log(`  closure (test split): mean KS ${c.mean_ks_before.toFixed(4)} -> ${c.mean_ks_after.toFixed(4)}, after/before ${c.mean_ks_ratio.toFixed(3)} (target <= 0.2: ${c.mean_ks_ratio <= 0.2 ? 'met' : 'NOT met'})`);
    console.log(`  classifier AUC ${c.auc_before.toFixed(4)} -> ${c.auc_after.toFixed(4)} (target <= 0.52: ${c.auc_after <= 0.52 ? 'met' : 'NOT met'})`);
  }
}

export async function run(opts: { small: boolean }): Promise<void> {
  const part = arg('--part', 'all');
  const backend = arg('--backend', 'wasm');
  if (part === 'all' || part === 'step') await stepThroughput(opts.small, backend);
  if (part === 'all' || part === 'e2e') await endToEnd(opts.small, backend);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ small: process.argv.includes('--small') });
}
