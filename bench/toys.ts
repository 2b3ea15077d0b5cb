/**
 * Toy throughput of the fixture model (extended Gauss + exponential, ~3000 events a toy): generation + MIGRAD +
 * HESSE per toy, on one core (in-process) and on all cores (worker threads), plus a streamed study (parquet +
 * summary) sampling RSS to show memory stays flat. Reference: iminuit 2.11 + numpy 113-155 toys/s on one core.
 *   node --import tsx bench/toys.ts [--small]
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, readModelDoc } from '../src/fit/model.js';
import { runToys } from '../src/fit/toys/run-toy.js';
import { runToyPool } from '../src/fit/toys/pool.js';
import { generateToy, toyRng } from '../src/fit/toys/generate.js';
import { runToyStudy } from '../src/fit/toys/study.js';

const MODEL = fileURLToPath(new URL('../examples/fit/gauss-exp.yaml', import.meta.url));
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

export async function run(opts: { small: boolean }): Promise<void> {
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
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run({ small: process.argv.includes('--small') });
}
