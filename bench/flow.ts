/**
 * Flow correction speed, side by side in one run:
 * * ONNX Runtime engine (the default): nsf_a (16 features, 6 transforms, 3x256, zuko fixture imported from its
 *   .pth) and a CMS-like flow (16 features, 6 transforms x 2x128, 8 bins): forward and correction events/s
 *   in the main thread (1 intra-op thread, --batch rows per run) on both routes (the single graph, and the
 *   host spline: MADE sessions + the float64 WebAssembly spline kernel, host-flow.ts), forward in one session with 2 intra-op
 *   threads and on 2 worker threads x 1 intra-op thread (host spline, bench/_flow-forward-worker.ts), correction on
 *   2 workers x 1 intra-op thread (both routes) and in one session with 2 intra-op threads;
 * * tfjs (wasm): nsf_a naive (zuko-style) and incremental inverse, main thread and 1/2 workers;
 * * PyTorch 2 + zuko-style reference of the same flows (bench/nsf_torch.py) when python3 has torch;
 * * `apply` end to end on a zee simulation file (scripts/make-samples.ts, 1M rows; --small: 20k) with
 *   models/zee-flow: events/s and peak RSS of the apply process.
 *
 *   [NTCORR_PYTHON=/work/venv/bin/python] node --import tsx bench/flow.ts [--small] [--batch ROWS] [--backend wasm|cpu|auto] [--e2e-rows N] [--skip-tfjs] [--skip-e2e]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Session } from '../src/compute/engine.js';
import type { FlowArch } from '../src/models/flow/arch.js';
import { saveFlowBundle } from '../src/models/flow/bundle-io.js';
import { FlowEngine } from '../src/models/flow/engine.js';
import { importZuko } from '../src/models/flow/import.js';
import { flowOnnxModel } from '../src/models/flow/onnx-flow.js';
import { HostSplineFlow, hostFlowGraphs } from '../src/models/flow/host-flow.js';
import { openCorrections } from '../src/models/flow/pool.js';
import { WorkerPool } from '../src/compute/pool.js';
import { mulberry32 } from '../src/core/random.js';
import { initialWeights } from '../src/models/flow/tf-flow.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { flowFromBundle } from '../src/models/flow/bundle-io.js';
import type { FlowConfig } from '../src/models/flow/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Python with torch for the reference rows (NTCORR_PYTHON, e.g. /work/venv/bin/python; default python3). */
const PYTHON = process.env.NTCORR_PYTHON ?? 'python3';
const F = 16;
const C = 5;
const arg = (name: string, def?: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : def);

function gaussian(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return out;
}

function rate(n: number, f: () => void, repeats = 1): number {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return n / best;
}

async function rateAsync(n: number, f: () => Promise<unknown>, repeats = 2): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return n / best;
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(9);

/** nsf_a as a bundle (imported from zuko's .pth) and the CMS-like flow as a bundle with seeded weights. */
async function bundles(): Promise<{ name: string; dir: string; torchFlag: string[] }[]> {
  const a = join(ROOT, 'bench', 'data', 'nsf_a-bundle');
  mkdirSync(a, { recursive: true });
  await importZuko({
    checkpoint: join(ROOT, '..', 'shared', 'fixtures', 'zuko', 'nsf_a', 'state_dict.pth'),
    flags: { features: F, context: C, bins: 10, transforms: 6, hidden: [256, 256, 256] },
    zukoVersion: '1.6.0',
    out: a,
    command: 'bench/flow.ts',
  });
  const cms = join(ROOT, 'bench', 'data', 'cms-flow-bundle');
  const arch: FlowArch = { features: F, context: C, bins: 8, transforms: 6, hidden: [128, 128], slope: 1e-3, bound: 5 };
  const base = flowFromBundle(loadBundle(a)).config;
  const config: FlowConfig = { ...base, architecture: arch };
  await saveFlowBundle(cms, { name: 'cms-like', config, weights: initialWeights(arch, 7), provenance: { source: 'bench/flow.ts (seeded init)' } });
  return [
    { name: 'nsf_a (16 features, 5 context, 10 bins, 6 transforms x 3x256)', dir: a, torchFlag: [] },
    { name: 'CMS-like (16 features, 5 context, 8 bins, 6 transforms x 2x128)', dir: cms, torchFlag: ['--cms'] },
  ];
}

function torch(n: number, threads: number, extra: string[]): { torch: string; forward_eps: number; correct_eps: number } | string {
  const r = spawnSync(PYTHON, [join(ROOT, 'bench', 'nsf_torch.py'), '--bench', String(n), '--threads', String(threads), ...extra], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) return r.stderr.trim().split('\n').pop() ?? 'failed';
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function onnxRows(b: { name: string; dir: string; torchFlag: string[] }, n: number, torchOk: boolean, small: boolean): Promise<void> {
  const x = gaussian(n * F, 1);
  const c = gaussian(n * C, 2);
  const { weights } = flowFromBundle(loadBundle(b.dir));
  console.log(`onnx engine: ${b.name}, ${n.toLocaleString()} events, float64 spline`);
  const t0 = performance.now();
  const fwdS = await Session.create(flowOnnxModel(weights, ['forward']), { threads: 1 });
  const t1 = performance.now();
  const corrS = await Session.create(flowOnnxModel(weights, ['correction']), { threads: 1 });
  console.log(`  graph build + session: forward ${((t1 - t0) / 1000).toFixed(1)} s, correction ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const batch = Number(arg('--batch', '1024'));
  const sweep = (s: Session) => async () => {
    for (let o = 0; o < n; o += batch) {
      const m = Math.min(batch, n - o);
      await s.run({ x: { data: x.subarray(o * F, (o + m) * F), dims: [m, F] }, c: { data: c.subarray(o * C, (o + m) * C), dims: [m, C] } });
    }
  };
  await fwdS.run({ x: { data: x.subarray(0, 256 * F), dims: [256, F] }, c: { data: c.subarray(0, 256 * C), dims: [256, C] } });
  await corrS.run({ x: { data: x.subarray(0, 256 * F), dims: [256, F] }, c: { data: c.subarray(0, 256 * C), dims: [256, C] } });
  const fwd = await rateAsync(n, sweep(fwdS));
  const corr = await rateAsync(n, sweep(corrS));
  await fwdS.dispose();
  await corrS.dispose();
  console.log(`  main thread, 1 intra-op thread, batch ${batch}: forward ${fmt(fwd)} ev/s | correction ${fmt(corr)} ev/s  (single graph)`);
  // The host-spline route: ORT sessions for the MADE slices only, the float64 spline in the WebAssembly kernel.
  const t2 = performance.now();
  const host = await HostSplineFlow.create(weights, hostFlowGraphs(weights), { threads: 1 });
  console.log(`  host-spline route: graphs + sessions ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  const hostSweep = (f: (xs: Float32Array, cs: Float32Array, m: number) => Promise<unknown>) => async () => {
    for (let o = 0; o < n; o += batch) {
      const m = Math.min(batch, n - o);
      await f(x.subarray(o * F, (o + m) * F), c.subarray(o * C, (o + m) * C), m);
    }
  };
  await host.correct(x.subarray(0, 256 * F), c.subarray(0, 256 * C), 256);
  const hFwd = await rateAsync(n, hostSweep((xs, cs, m) => host.forward(xs, cs, m, true)));
  const hCorr = await rateAsync(n, hostSweep((xs, cs, m) => host.correct(xs, cs, m)));
  await host.dispose();
  console.log(`  main thread, 1 intra-op thread, batch ${batch}: forward ${fmt(hFwd)} ev/s | correction ${fmt(hCorr)} ev/s  (host spline: x${(hFwd / fwd).toFixed(2)}, x${(hCorr / corr).toFixed(2)} over the single graph)`);
  // Forward on both cores: one session with 2 intra-op threads (the forward has no worker pool).
  const fwd2S = await Session.create(flowOnnxModel(weights, ['forward']), { threads: 2 });
  await fwd2S.run({ x: { data: x.subarray(0, 256 * F), dims: [256, F] }, c: { data: c.subarray(0, 256 * C), dims: [256, C] } });
  const fwd2 = await rateAsync(n, sweep(fwd2S));
  await fwd2S.dispose();
  console.log(`  1 session x 2 threads:          forward ${fmt(fwd2)} ev/s`);
  // Forward on both cores the way corrections run: 2 workers x 1 intra-op thread, host spline.
  const graphs = hostFlowGraphs(weights);
  const fpool = await WorkerPool.start<{ x: Float32Array; c: Float32Array; n: number; batch: number }, unknown>({
    callerUrl: import.meta.url, module: '_flow-forward-worker', size: 2, label: 'bench forward worker', data: () => ({ weights, graphs }),
  });
  // At least 32k events (16 batches per worker): with --small's 4k, start-up per request dominates.
  const nW = Math.max(n, 32_768);
  const xW = gaussian(nW * F, 3), cW = gaussian(nW * C, 4);
  const halves = () => [0, 1].map((h) => {
    const s = Math.floor((h * nW) / 2), e = Math.floor(((h + 1) * nW) / 2);
    return { x: xW.slice(s * F, e * F), c: cW.slice(s * C, e * C), n: e - s, batch };
  });
  await fpool.map(halves().map((r) => ({ ...r, n: 256, x: r.x.subarray(0, 256 * F), c: r.c.subarray(0, 256 * C) })));
  const fwdW = await rateAsync(nW, async () => { await fpool.map(halves()); });
  await fpool.close();
  console.log(`  2 workers x 1 thread, host spline: forward ${fmt(fwdW)} ev/s (${nW.toLocaleString()} events)`);
  const lanes: Record<string, number> = {};
  const lanesOf = [
    ['2 workers x 1 thread, host spline ', 2, { route: 'host' }],
    ['2 workers x 1 thread, single graph', 2, { route: 'graph' }],
    ['1 session x 2 threads, single graph', 2, { intraOp: true, route: 'graph' }],
  ] as const;
  for (const [label, threads, opts] of lanesOf) {
    const pool = await openCorrections(b.dir, 'onnx', threads, opts);
    await pool.correct(x.slice(0, 512 * F), c.slice(0, 512 * C), 512, F, C);
    const chunk = 10_000;
    const eps = await rateAsync(n, async () => {
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s);
        await pool.correct(x.slice(s * F, (s + m) * F), c.slice(s * C, (s + m) * C), m, F, C);
      }
    });
    lanes[label] = eps;
    await pool.close();
    console.log(`  ${label}:   correction ${fmt(eps)} ev/s`);
  }
  if (!torchOk) return;
  const nt = small ? 2_000 : 20_000;
  for (const threads of [1, 2]) {
    const j = torch(nt, threads, b.torchFlag);
    if (typeof j === 'string') { console.log(`  PyTorch reference failed: ${j}`); return; }
    const best2 = Math.max(...Object.values(lanes));
    console.log(`  PyTorch ${j.torch}, ${threads} thread${threads > 1 ? 's' : ' '} (zuko-style inverse, ${nt.toLocaleString()} events): forward ${fmt(j.forward_eps)} ev/s | correction ${fmt(j.correct_eps)} ev/s`
      + (threads === 2 ? `  -> ntcorr onnx (2 cores) / PyTorch 2 threads: correction x${(best2 / j.correct_eps).toFixed(2)}, forward x${(Math.max(fwd, fwd2, hFwd, fwdW) / j.forward_eps).toFixed(2)}` : ''));
  }
}

async function tfjsRows(dir: string, backend: string, small: boolean, torchOk: boolean): Promise<void> {
  const n = small ? 4_000 : 100_000;
  const nNaive = small ? 1_000 : 10_000;
  const x = gaussian(n * F, 1);
  const c = gaussian(n * C, 2);
  const engine = await FlowEngine.open(dir, backend === 'auto' ? 'wasm' : backend);
  console.log(`tfjs: nsf_a, ${n.toLocaleString()} events, tfjs backend ${engine.backend}, batch ${engine.batch}`);
  engine.correct(x.subarray(0, 256 * F), c.subarray(0, 256 * C), 256);
  engine.correct(x.subarray(0, 256 * F), c.subarray(0, 256 * C), 256, 'naive');
  const fwd = rate(n, () => {
    for (let s = 0; s < n; s += engine.batch) {
      const m = Math.min(engine.batch, n - s);
      tf.tidy(() => engine.flow.forward(tf.tensor2d(x.subarray(s * F, (s + m) * F), [m, F]), tf.tensor2d(c.subarray(s * C, (s + m) * C), [m, C])).y.dataSync());
    }
  });
  let naiveOut: Float32Array = new Float32Array(0);
  const naive = rate(nNaive, () => { naiveOut = engine.correct(x.subarray(0, nNaive * F), c.subarray(0, nNaive * C), nNaive, 'naive'); });
  let incOut: Float32Array = new Float32Array(0);
  const inc = rate(n, () => { incOut = engine.correct(x, c, n); });
  let diff = 0;
  for (let i = 0; i < nNaive * F; i++) diff = Math.max(diff, Math.abs(incOut[i] - naiveOut[i]));
  engine.dispose();
  console.log(`  main thread: forward ${fmt(fwd)} ev/s | correction naive ${fmt(naive)} ev/s (${nNaive.toLocaleString()} events) | incremental ${fmt(inc)} ev/s  (x${(inc / naive).toFixed(1)}; max |inc - naive| ${diff.toExponential(1)})`);
  const perWorker: number[] = [];
  for (const threads of [1, 2]) {
    const pool = await openCorrections(dir, backend === 'auto' ? 'wasm' : backend, threads, { workers: true });
    await pool.correct(x.slice(0, 512 * F), c.slice(0, 512 * C), 512, F, C);
    const t0 = performance.now();
    for (let s = 0; s < n; s += 10_000) {
      const m = Math.min(10_000, n - s);
      await pool.correct(x.slice(s * F, (s + m) * F), c.slice(s * C, (s + m) * C), m, F, C);
    }
    const eps = n / ((performance.now() - t0) / 1000);
    perWorker.push(eps);
    await pool.close();
    console.log(`  ${threads} worker${threads > 1 ? 's' : ' '}:   incremental correction ${fmt(eps)} ev/s${threads > 1 ? `  (speed-up x${(eps / perWorker[0]).toFixed(2)} over 1 worker)` : ''}`);
  }
  void torchOk;
}

async function e2e(rows: number): Promise<void> {
  const data = join(ROOT, 'bench', 'data', 'flow-e2e');
  const file = join(data, `zee_mc_${rows}.parquet`);
  mkdirSync(data, { recursive: true });
  if (!existsSync(file)) {
    const { writeSample } = await import('../scripts/make-samples.js');
    await writeSample(file, rows, false, 2022);
  }
  const out = join(data, 'out');
  rmSync(out, { recursive: true, force: true });
  for (const backend of ['auto']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', '_flow-apply-child.ts'), join(ROOT, 'models', 'zee-flow'), file, out, backend], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) { console.log(`  apply failed: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`); continue; }
    const r = JSON.parse(line) as { rows: number; seconds: number; eventsPerS: number; maxRssMB: number; failed: number };
    console.log(`apply models/zee-flow (tag_ + probe_, 12 variables) to ${r.rows.toLocaleString('en-US')} rows, --backend ${backend}: ${Math.round(r.eventsPerS).toLocaleString('en-US')} events/s end to end (${r.seconds.toFixed(1)} s: read, preprocess, 2 corrections per event, write), peak RSS ${r.maxRssMB.toFixed(0)} MB${r.failed ? ' (FAILED)' : ''}`);
  }
}

export async function run(opts: { small: boolean }): Promise<void> {
  const backend = arg('--backend', 'auto')!;
  const torchOk = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  const bs = await bundles();
  for (const b of bs) await onnxRows(b, opts.small ? 4_096 : 100_000, torchOk, opts.small);
  if (!torchOk) console.log(`  PyTorch reference: skipped (${PYTHON} with torch not importable; set NTCORR_PYTHON)`);
  if (!process.argv.includes('--skip-tfjs')) await tfjsRows(bs[0].dir, backend, opts.small, torchOk);
  if (!process.argv.includes('--skip-e2e')) await e2e(Number(arg('--e2e-rows', opts.small ? '20000' : '1000000')));
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (bench process; workers share it)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ small: process.argv.includes('--small') });
}
