import { join } from 'node:path';
import { loadBundle } from '../../bundle/bundle.js';
import { flowFromBundle } from '../../models/flow/bundle-io.js';
import type { FlowConfig } from '../../models/flow/config.js';
import { inverseInputs } from '../../models/flow/preprocess.js';
import { openCorrections } from '../../models/flow/pool.js';
import type { FlowTrainConfig } from './config.js';
import type { Examples } from './load.js';
import type { Prepared } from './prepare.js';
import { preprocessConditions, preprocessInputs } from './preprocess-apply.js';
import { writeParquetTable } from '../../io/parquet/index.js';
import { closureMetrics, writeClosure, type ClosureSummary } from './closure.js';

/** `ntcorr apply`'s default --seed: closure uses it so its corrected values are the ones apply writes. */
export const APPLY_DEFAULT_SEED = 12345;

export interface ClosureReport {
  summary: ClosureSummary;
  dir: string;
  files: string[];
}

/**
 * Corrects simulated examples (physical values in, physical values out) with a flow bundle: the bundle's
 * preprocessing with per-(file, row) draws, z = T(x | c, 0), x_corr = T^-1(z | c, 1), inverse preprocessing.
 * Rows of scattered files are handled one example at a time in the preprocessing, so the values equal
 * what `apply --seed S` writes for those rows. The flow runs on `threads` worker threads (the same pool
 * `apply` uses); the result does not depend on the thread count.
 */
export async function correctExamples(bundleDir: string, e: Examples, idx: Int32Array, seed: number, opts: { backend?: string; threads?: number; chunk?: number } = {}): Promise<{ corrected: Float64Array[]; config: FlowConfig }> {
  const { config } = flowFromBundle(loadBundle(bundleDir));
  // The draw lane is the collection's index in the BUNDLE (its apply collections), not in the training list.
  const toBundle = e.resolved.map((r) => config.collections.findIndex((c) => c.prefix === r.prefix));
  if (toBundle.some((k) => k < 0)) throw new Error(`bundle ${bundleDir} does not correct collection(s) ${e.resolved.filter((_, k) => toBundle[k] < 0).map((r) => r.prefix).join(', ')}`);
  const ids = { files: e.files, keys: e.keys, file: Int32Array.from(idx, (i) => e.file[i]), row: Float64Array.from(idx, (i) => e.row[i]), collection: Uint8Array.from(idx, (i) => toBundle[e.collection[i]]) };
  const px = preprocessInputs(config.preprocessing, e.x.map((a) => Float64Array.from(idx, (i) => a[i])), ids, seed);
  const pc = preprocessConditions(config.preprocessing, e.c.map((a) => Float64Array.from(idx, (i) => a[i])));
  const F = px.length;
  const C = pc.length + 1;
  const n = idx.length;
  const z = new Float32Array(n * F);
  const pool = await openCorrections(bundleDir, opts.backend ?? 'auto', opts.threads ?? 1);
  try {
    const chunk = opts.chunk ?? 65536;
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      const xb = new Float32Array(m * F);
      const cb = new Float32Array(m * C);
      for (let i = 0; i < m; i++) {
        for (let f = 0; f < F; f++) xb[i * F + f] = px[f][s + i];
        for (let k = 0; k < C - 1; k++) cb[i * C + k] = pc[k][s + i];
      }
      z.set(await pool.correct(xb, cb, m, F, C), s * F);
    }
  } finally {
    await pool.close();
  }
  return { corrected: inverseInputs(config.preprocessing, z, n), config };
}

/** Closure of a freshly trained bundle on the held-out test split; writes `<output>/closure/`. */
export async function closureOnTestSplit(cfg: FlowTrainConfig, prep: Prepared, opts: { backend: string; threads: number; log: (s: string) => void; seed?: number }): Promise<ClosureReport> {
  const { data, mc, dataSplit, mcSplit } = prep;
  const seed = opts.seed ?? APPLY_DEFAULT_SEED;
  const { corrected } = await correctExamples(cfg.output, mc, mcSplit.test, seed, { backend: opts.backend, threads: opts.threads });
  const pick = (e: Examples, idx: Int32Array) => e.x.map((a) => Float64Array.from(idx, (i) => a[i]));
  const input = {
    variables: cfg.variables,
    data: { x: pick(data, dataSplit.test), w: Float64Array.from(dataSplit.test, (i) => data.w[i]) },
    mc: { x: pick(mc, mcSplit.test), w: prep.mcWeights.test },
    corrected,
  };
  const summary = closureMetrics(input, { seed: cfg.training.seed, classifierRows: cfg.closure.classifier_events });
  const dir = join(cfg.output, 'closure');
  const files = await writeClosure(dir, summary, input, { title: `${cfg.name} (test split)`, plots: cfg.closure.plots, extra: { split: 'test', applySeed: seed } });
  // The corrected test split itself, row-addressed, so anyone can check that `apply --seed S` writes
  // the same values for those rows (and study the correction beyond the summary numbers).
  const idx = mcSplit.test;
  const table = join(dir, 'test-corrected.parquet');
  await writeParquetTable(table, [
    { name: 'file', data: Int32Array.from(idx, (i) => mc.file[i]) },
    { name: 'row', data: BigInt64Array.from(idx, (i) => BigInt(mc.row[i])) },
    { name: 'collection', data: Uint8Array.from(idx, (i) => mc.collection[i]) },
    { name: 'weight', data: prep.mcWeights.test },
    ...cfg.variables.map((v, k) => ({ name: v, data: input.mc.x[k] })),
    ...cfg.variables.map((v, k) => ({ name: `${v}_corr`, data: Float32Array.from(corrected[k]) })),
  ], { 'ntcorr.files': JSON.stringify(mc.files), 'ntcorr.collections': JSON.stringify(mc.resolved.map((r) => r.prefix)), 'ntcorr.applySeed': String(seed) });
  files.push(table);
  opts.log(`closure on the test split: mean KS ${summary.mean_ks_before.toPrecision(3)} -> ${summary.mean_ks_after.toPrecision(3)} (ratio ${summary.mean_ks_ratio.toPrecision(3)}), classifier AUC ${summary.auc_before.toPrecision(3)} -> ${summary.auc_after.toPrecision(3)}; report in ${dir}`);
  return { summary, dir, files };
}
