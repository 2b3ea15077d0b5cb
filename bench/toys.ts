/**
 * Toy throughput of the fixture model (extended Gauss + exponential, ~3000 events a toy): generation + MIGRAD +
 * HESSE per toy, on one core (in-process) and on all cores (worker threads), plus a streamed study (parquet +
 * summary) sampling RSS to show memory stays flat. Reference: iminuit 2.11 + numpy 113-155 toys/s on one core.
 * Then, each beside iminuit 2.11 + numpy timed in the same run (bench/toys_iminuit.py, /usr/bin/python3), one
 * core each: a simultaneous 2-category fit (examples/fit/sim-2cat.yaml) and a KDE signal + exponential.
 *   node --import tsx bench/toys.ts [--small] [--only-new]
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel, loadModel, readModelDoc, type Model } from '../src/fit/model.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { runToys } from '../src/fit/toys/run-toy.js';
import { runToyPool } from '../src/fit/toys/pool.js';
import { generateToy, toyRng } from '../src/fit/toys/generate.js';
import { runToyStudy } from '../src/fit/toys/study.js';

const MODEL = fileURLToPath(new URL('../examples/fit/gauss-exp.yaml', import.meta.url));
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

const SIM = fileURLToPath(new URL('../examples/fit/sim-2cat.yaml', import.meta.url));
const PY_TOYS = fileURLToPath(new URL('./toys_iminuit.py', import.meta.url));

/** ntcorr toys/s on one core (in-process, after a warm-up), with the mean calls and valid count. */
function timeToys(model: Model, n: number): { rate: number; cpuRate: number; valid: number; calls: number } {
  runToys(model, 1_000_000, 1_000_005, { seed: 1, vary: 'all' }, () => {});
  let valid = 0;
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  runToys(model, 0, n, { seed: 1, vary: 'all' }, (r) => {
    valid += r.valid ? 1 : 0;
    calls += r.nfcn;
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / wall, cpuRate: n / ((cpu.user + cpu.system) / 1e6), valid, calls: calls / n };
}

/** The iminuit side (bench/toys_iminuit.py) of the same model, or null when /usr/bin/python3 lacks iminuit. */
function iminuitToys(args: string[]): { toys_per_s: number; toys_per_cpu_s: number; valid: number; toys: number; nfcn_mean: number } | null {
  const r = spawnSync('/usr/bin/python3', [PY_TOYS, ...args], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`  iminuit side failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function row(label: string, n: number, ours: ReturnType<typeof timeToys>, im: ReturnType<typeof iminuitToys>): void {
  console.log(`${label}: ntcorr ${ours.rate.toFixed(1)} toys/s wall (${ours.cpuRate.toFixed(1)} per CPU-s), valid ${ours.valid}/${n}, ${ours.calls.toFixed(0)} calls/toy` +
    (im ? ` | iminuit ${im.toys_per_s.toFixed(1)} toys/s wall (${im.toys_per_cpu_s.toFixed(1)} per CPU-s), valid ${im.valid}/${im.toys}, ${im.nfcn_mean.toFixed(0)} calls/toy | ratio x${(ours.rate / im.toys_per_s).toFixed(2)} wall, x${(ours.cpuRate / im.toys_per_cpu_s).toFixed(2)} CPU` : ''));
}

/** Rows for a simultaneous 2-category fit and a KDE model, each beside iminuit in the same run. */
export function runNewRows(opts: { small: boolean }): void {
  const n = opts.small ? 30 : 300;
  row(`simultaneous 2 categories (sim-2cat.yaml, 9 parameters, ~4500 events), ${n} toys`, n, timeToys(loadModel(SIM), n), iminuitToys(['sim', '--toys', String(n)]));

  // KDE signal from 2000 simulated events (a Gaussian peak with a radiative-like low tail), fixed width 12.
  const rng = Xoshiro128ss.fromSeedAndStream(17, 0);
  const mc = Float64Array.from({ length: 2000 }, () => (rng.uniform() < 0.8 ? 5280 + 50 * rng.normal() : 5250 + 40 * Math.log(rng.uniformOpen())));
  const dir = mkdtempSync(join(tmpdir(), 'ntcorr-bench-kde-'));
  try {
    const file = join(dir, 'mc.f64');
    writeFileSync(file, Buffer.from(mc.buffer));
    const im = iminuitToys(['kde', '--toys', String(n), '--samples', file, '--bandwidth', '12']);
    for (const method of ['exact', 'fft'] as const) {
      const model = buildModel({
        observable: { name: 'm', range: [4600, 7000] },
        parameters: { nsig: { value: 1000, step: 30 }, nbkg: { value: 2000, step: 45 }, lam: { value: -0.001, step: 1e-4 } },
        components: [
          { name: 'signal', role: 'signal', pdf: 'kde', samples: Array.from(mc), bandwidth: 12, method, yield: 'nsig' },
          { name: 'background', role: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
        ],
      }, 'bench-kde');
      row(`KDE (2000 samples, ${method}) + exponential, 3 parameters, ~3000 events, ${n} toys`, n, timeToys(model, n), im);
    }
    console.log('  (both sides compute the parameter-free KDE density at the events once per toy; exact: kernel sums, fft: a grid)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(opts: { small: boolean; onlyNew?: boolean }): Promise<void> {
  if (opts.onlyNew) return runNewRows(opts);
  const model = loadModel(MODEL);
  const gen = Float64Array.from(model.params, (p) => p.value);
  const n1 = opts.small ? 60 : 3000;

  // Warm-up so the JIT has compiled the hot loops before timing.
  runToys(model, 1_000_000, 1_000_020, { seed: 1, vary: 'all' }, () => {});

  let t0 = performance.now();
  for (let i = 0; i < n1; i++) generateToy(model, gen, toyRng(1, i), 'all');
  const genRate = n1 / ((performance.now() - t0) / 1000);
  console.log(`generation only: ${genRate.toFixed(0)} toys/s (${(genRate * 3000 / 1e6).toFixed(2)} M events/s)`);

  let valid = 0;
  let calls = 0;
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  runToys(model, 0, n1, { seed: 1, vary: 'all' }, (r) => {
    valid += r.valid ? 1 : 0;
    calls += r.nfcn;
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`1 core: ${n1} toys in ${wall.toFixed(2)} s = ${(n1 / wall).toFixed(1)} toys/s wall, ${(n1 / cpuS).toFixed(1)} toys/s per CPU-second; ` +
    `valid ${valid}/${n1}, ${(calls / n1).toFixed(1)} NLL calls per toy (iminuit: ~140 incl. Hesse)`);
  console.log(`  vs iminuit + numpy 113-155 toys/s on one core: x${((n1 / wall) / 155).toFixed(2)} - x${((n1 / wall) / 113).toFixed(2)}`);

  const jobs = availableParallelism();
  const nK = opts.small ? 120 : 3000 * jobs;
  t0 = performance.now();
  let done = 0;
  let tFirst = 0;
  let nAtFirst = 0;
  await runToyPool(readModelDoc(MODEL), MODEL, { toys: nK, seed: 1, vary: 'all', jobs }, () => {
    done++;
    // Steady state: from the first chunk back (workers started, compiled, warmed up) to the end.
    if (!tFirst && done >= 16 * jobs) {
      tFirst = performance.now();
      nAtFirst = done;
    }
  });
  const tEnd = performance.now();
  const wallK = (tEnd - t0) / 1000;
  const steady = tFirst ? (done - nAtFirst) / ((tEnd - tFirst) / 1000) : NaN;
  console.log(`${jobs} cores (worker threads): ${done} toys in ${wallK.toFixed(2)} s = ${(done / wallK).toFixed(1)} toys/s incl. worker start-up, ` +
    `${steady.toFixed(1)} toys/s steady state`);

  // Streamed study: parquet + summary + no plots; RSS sampled as toys come in.
  const nS = opts.small ? 300 : 100_000;
  const out = mkdtempSync(join(tmpdir(), 'ntcorr-bench-toys-'));
  const rss: string[] = [];
  const marks = new Set([Math.floor(nS / 10), Math.floor(nS / 2), nS]);
  t0 = performance.now();
  try {
    await runToyStudy({
      model: MODEL, toys: nS, seed: 2, jobs, vary: 'all', out, plots: false,
      onProgress: (d) => { if (marks.has(d)) rss.push(`${d}: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`); },
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const wallS = (performance.now() - t0) / 1000;
  console.log(`study of ${nS} toys to parquet + summary.yaml: ${wallS.toFixed(1)} s = ${(nS / wallS).toFixed(1)} toys/s; RSS after toys ${rss.join(', ')}`);
  console.log(`peak RSS ${mb(process.resourceUsage().maxRSS)}`);
  runNewRows(opts);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run({ small: process.argv.includes('--small'), onlyNew: process.argv.includes('--only-new') });
}
