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
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/compute/backend.js';
import { TfFlow } from '../src/models/flow/tf-flow.js';
import { Adam, dense, Params, trainStep } from '../src/nn/index.js';
import { parseFlowConfigs } from '../src/train/flow/config.js';
import { trainFlow } from '../src/train/flow/trainer.js';
import { useFastSplineForTraining } from '../src/train/flow/fast-spline.js';

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
  const flow = TfFlow.init({ features: F, context: C, bins: 10, transforms: 6, hidden: [256, 256, 256], slope: 1e-3, bound: 5 }, 1);
  flow.dense = (x, w, b, mask) => dense(x, w, b, { mask });
  if (!process.argv.includes('--tfjs-spline')) useFastSplineForTraining(flow);
  const params = new Params();
  flow.layers.forEach((ls, t) => ls.forEach((L, l) => { params.adopt(`t${t}.l${l}.w`, L.w); params.adopt(`t${t}.l${l}.b`, L.b); }));
  const opt = new Adam(params, { lr: 1e-3, weightDecay: 1e-5 });
  const x = tf.randomNormal([B, F], 0, 1, 'float32', 1) as tf.Tensor2D;
  const c = tf.randomNormal([B, C], 0, 1, 'float32', 2) as tf.Tensor2D;
  const step = () => trainStep(params, opt, () => tf.tidy(() => tf.neg(tf.mean(flow.logProb(x, c))) as tf.Scalar), 1);
  step(); // warm-up (kernel set-up)
  let best = Infinity;
  let cpuBest = Infinity;
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    best = Math.min(best, (performance.now() - t0) / 1000);
    const cu = process.cpuUsage(c0);
    cpuBest = Math.min(cpuBest, (cu.user + cu.system) / 1e6);
  }
  console.log(`training step, NSF 16 features / 5 context / 10 bins / 6 transforms / 3x256, batch ${B}, backend ${tf.getBackend()} (one core):`);
  console.log(`  ntcorr:  ${fmt(B / best)} events/s wall, ${fmt(B / cpuBest)} events/s per CPU-second (best of ${steps})`);
  flow.dispose();
  opt.dispose();
  const py = spawnSync('python3', [join(ROOT, 'bench', 'train_flow_torch.py'), '--batch', String(B), '--steps', String(steps), '--threads', '1', '2'], { encoding: 'utf8', timeout: 600_000 });
  if (py.status !== 0) {
    console.log(`  PyTorch: not run (${(py.stderr || py.error?.message || 'python3/torch unavailable').trim().split('\n').pop()})`);
    return;
  }
  for (const line of py.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { threads: number; events_per_s: number; torch: string };
    console.log(`  PyTorch ${r.torch}, ${r.threads} thread(s): ${fmt(r.events_per_s)} events/s   ntcorr/PyTorch = ${(B / best / r.events_per_s).toFixed(2)}`);
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
    reweight: {variables: [pt, ScEta, fixedGridRhoAll], bins: ${small ? 4 : 10}}
    model: {transforms: ${small ? 2 : 6}, bins: 10, hidden: [${small ? '32, 32' : '128, 128'}]}
    training: {epochs: ${small ? 2 : 15}, batch_size: ${small ? 1024 : 2048}, learning_rate: 1.0e-3, patience: 4, lr_patience: 2, seed: 42}
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
