/**
 * Flow correction speed: the 16-feature, 6-transform, 3x256 NSF (zuko fixture nsf_a, imported from its
 * .pth), corrected events/s for the naive (zuko-style) and the incremental inverse, on the backend in use,
 * in the main thread and with 1 and 2 worker threads; next to the PyTorch reference of the same flow
 * (bench/nsf_torch.py, checked against zuko's fixtures) when python3 with torch is available.
 *
 *   node --import tsx bench/flow.ts [--small] [--backend wasm|cpu|auto]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { FlowEngine } from '../src/models/flow/engine.js';
import { importZuko } from '../src/models/flow/import.js';
import { openCorrections } from '../src/models/flow/pool.js';
import { mulberry32 } from '../src/models/flow/random.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const F = 16;
const C = 5;

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

const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(9);

export async function run(opts: { small: boolean }): Promise<void> {
  const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'auto';
  const n = opts.small ? 4_000 : 100_000;
  const nNaive = opts.small ? 1_000 : 10_000;
  const dir = join(ROOT, 'bench', 'data', 'nsf_a-bundle');
  mkdirSync(dir, { recursive: true });
  await importZuko({
    checkpoint: join(ROOT, '..', 'shared', 'fixtures', 'zuko', 'nsf_a', 'state_dict.pth'),
    flags: { features: F, context: C, bins: 10, transforms: 6, hidden: [256, 256, 256] },
    zukoVersion: '1.6.0',
    out: dir,
    command: 'bench/flow.ts',
  });
  const x = gaussian(n * F, 1);
  const c = gaussian(n * C, 2);

  const engine = await FlowEngine.open(dir, backend);
  console.log(`flow: nsf_a (16 features, 5 context, 10 bins, 6 transforms, 3x256), ${n.toLocaleString()} events, tfjs backend ${engine.backend}, batch ${engine.batch}`);
  // Warm-up (kernel compilation, plan building).
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
    const pool = await openCorrections(dir, backend, threads, { workers: true });
    await pool.correct(x.slice(0, 512 * F), c.slice(0, 512 * C), 512, F, C); // warm-up
    const t0 = performance.now();
    // The kind sends one chunk at a time; 10k-row chunks like a typical apply --chunk-rows.
    for (let s = 0; s < n; s += 10_000) {
      const m = Math.min(10_000, n - s);
      await pool.correct(x.slice(s * F, (s + m) * F), c.slice(s * C, (s + m) * C), m, F, C);
    }
    const eps = n / ((performance.now() - t0) / 1000);
    perWorker.push(eps);
    await pool.close();
    console.log(`  ${threads} worker${threads > 1 ? 's' : ' '}:   incremental correction ${fmt(eps)} ev/s${threads > 1 ? `  (speed-up x${(eps / perWorker[0]).toFixed(2)} over 1 worker)` : ''}`);
  }

  const torchOk = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (!torchOk) {
    console.log('  PyTorch reference: skipped (python3 with torch not importable)');
  } else {
    const nt = opts.small ? 2_000 : 20_000;
    for (const threads of [1, 2]) {
      const r = spawnSync('python3', [join(ROOT, 'bench', 'nsf_torch.py'), '--bench', String(nt), '--threads', String(threads)], { encoding: 'utf8', timeout: 900_000 });
      if (r.status !== 0) { console.log(`  PyTorch reference failed: ${r.stderr.trim().split('\n').pop()}`); break; }
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
      console.log(`  PyTorch ${j.torch}, ${threads} thread${threads > 1 ? 's' : ' '} (zuko-style inverse, ${nt.toLocaleString()} events): forward ${fmt(j.forward_eps)} ev/s | correction ${fmt(j.correct_eps)} ev/s`
        + (threads === 2 ? `  -> ntcorr 2 workers / PyTorch 2 threads = x${(perWorker[1] / j.correct_eps).toFixed(1)}` : ''));
    }
  }
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main process; workers share it)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ small: process.argv.includes('--small') });
}
