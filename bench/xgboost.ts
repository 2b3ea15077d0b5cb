/**
 * XGBoost evaluation speed: the CMS Run-3 photon mvaID models (2000 trees each) on 1M photons
 * (--small: 50k), rows resampled (seeded) from the fixture inputs so that tree paths are realistic.
 * Prints photons/s for both loop orders and a few row-block sizes, and peak RSS.
 *   node --import tsx bench/xgboost.ts [--small]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXgboostJson, type Forest } from '../src/models/xgboost/forest.js';
import { predictMargin, predictMarginRowMajor } from '../src/models/xgboost/evaluate.js';
import { Mulberry32 } from '../src/core/random.js';

const FIX = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'shared', 'fixtures', 'xgboost');

function resample(name: string, nf: number, rows: number): Float32Array {
  const b = readFileSync(join(FIX, `${name}.inputs.f32.bin`));
  const src = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const n = src.length / nf;
  const rng = Mulberry32.fromSeed(42);
  const x = new Float32Array(rows * nf);
  for (let r = 0; r < rows; r++) { const k = rng.int(n); x.set(src.subarray(k * nf, (k + 1) * nf), r * nf); }
  return x;
}

/** Wall-clock and CPU-time rates: on a shared machine the CPU-time one is the stable figure. */
function time(label: string, rows: number, fn: () => Float32Array): Float32Array {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = fn();
  const cpu = process.cpuUsage(c0).user / 1e6;
  const s = (performance.now() - t0) / 1000;
  console.log(`  ${label.padEnd(34)} ${(rows / s).toFixed(0).padStart(9)} photons/s wall (${s.toFixed(2)} s), ${(rows / cpu).toFixed(0).padStart(9)} photons/s of CPU time`);
  return out;
}

export async function run(opts: { small: boolean }): Promise<void> {
  const rows = opts.small ? 50_000 : 1_000_000;
  for (const [name, nf] of [['model_barrel', 15], ['model_endcap', 18]] as const) {
    const t0 = performance.now();
    const forest: Forest = parseXgboostJson(readFileSync(join(FIX, `${name}.json`), 'utf8'), name);
    console.log(`${name}: ${forest.roots.length} trees, ${forest.feature.length} nodes, parsed in ${(performance.now() - t0).toFixed(0)} ms; ${rows} photons`);
    const x = resample(name, nf, rows);
    predictMargin(forest, x.subarray(0, 2000 * nf), 2000); // JIT warm-up
    const a = time('trees inside row blocks (1024)', rows, () => predictMargin(forest, x, rows, undefined, 1024));
    if (opts.small) {
      time('trees inside row blocks (128)', rows, () => predictMargin(forest, x, rows, undefined, 128));
      time('trees inside row blocks (4096)', rows, () => predictMargin(forest, x, rows, undefined, 4096));
    }
    const sub = Math.min(rows, 200_000);
    const b = time(`rows outside trees (${sub} photons)`, sub, () => predictMarginRowMajor(forest, x, sub));
    for (let i = 0; i < sub; i++) if (a[i] !== b[i]) throw new Error(`loop orders disagree at row ${i}`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (1 thread; reference: XGBoost 1.7 C++ predictor is the comparison to quote)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run({ small: process.argv.includes('--small') });
