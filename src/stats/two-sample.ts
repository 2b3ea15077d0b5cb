import { trainGbdt, predictGbdt, type GbdtOptions } from './gbdt.js';
import { Mulberry32 } from '../core/random.js';
import { rocAuc } from './roc.js';

/** A sample as columns (one array per feature, same length) with optional per-row weights. */
export interface Sample {
  columns: ArrayLike<number>[];
  weights?: ArrayLike<number> | null;
}

export interface ClassifierTestOptions {
  seed: number;
  /** Fraction of each sample held out for the AUC (default 0.5). */
  testFraction?: number;
  /** Rows used per sample at most (seeded subsample; keeps the test cheap on millions of events). */
  maxRows?: number;
  gbdt?: GbdtOptions;
}

export interface ClassifierTestResult {
  /** Held-out ROC AUC of a classifier trained to tell a (positive) from b; 0.5 = indistinguishable. */
  auc: number;
  nTrain: number;
  nTest: number;
}

function rowsOf(s: Sample): number {
  return s.columns.length ? s.columns[0].length : 0;
}

function take(s: Sample, idx: Int32Array): { cols: Float64Array[]; w: Float64Array } {
  const cols = s.columns.map((c) => Float64Array.from(idx, (i) => c[i]));
  const w = Float64Array.from(idx, (i) => (s.weights ? s.weights[i] : 1));
  return { cols, w };
}

/**
 * Classifier two-sample test: train gradient-boosted trees to separate a from b on one part of each
 * sample, report the weighted ROC AUC on the held-out part. Class weights are balanced in training so the
 * classifier cannot win by predicting the larger sample. Deterministic for a given seed.
 */
export function classifierTwoSampleTest(a: Sample, b: Sample, opts: ClassifierTestOptions): ClassifierTestResult {
  const rng = Mulberry32.fromSeed(opts.seed);
  const maxRows = opts.maxRows ?? 50_000;
  const tf = opts.testFraction ?? 0.5;
  const pa = rng.permutation(rowsOf(a)).subarray(0, Math.min(maxRows, rowsOf(a)));
  const pb = rng.permutation(rowsOf(b)).subarray(0, Math.min(maxRows, rowsOf(b)));
  const na = Math.floor(pa.length * (1 - tf)), nb = Math.floor(pb.length * (1 - tf));
  const trA = take(a, pa.subarray(0, na)), teA = take(a, pa.subarray(na));
  const trB = take(b, pb.subarray(0, nb)), teB = take(b, pb.subarray(nb));
  const join = (x: ReturnType<typeof take>, y: ReturnType<typeof take>) => {
    const cols = x.cols.map((c, f) => { const o = new Float64Array(c.length + y.cols[f].length); o.set(c); o.set(y.cols[f], c.length); return o; });
    const w = new Float64Array(x.w.length + y.w.length); w.set(x.w); w.set(y.w, x.w.length);
    const lab = new Uint8Array(w.length); lab.fill(1, 0, x.w.length);
    return { cols, w, lab };
  };
  const tr = join(trA, trB), te = join(teA, teB);
  // Balance classes: each class's training weights sum to half the rows.
  let sp = 0, sn = 0;
  for (let i = 0; i < tr.w.length; i++) if (tr.lab[i]) sp += tr.w[i]; else sn += tr.w[i];
  const half = tr.w.length / 2;
  for (let i = 0; i < tr.w.length; i++) tr.w[i] *= tr.lab[i] ? half / sp : half / sn;
  const model = trainGbdt(tr.cols, tr.lab, tr.w, opts.gbdt);
  const score = predictGbdt(model, te.cols);
  return { auc: rocAuc(score, te.lab, te.w), nTrain: tr.w.length, nTest: te.w.length };
}

export interface BootstrapResult {
  observed: number;
  /** Metric values between two random halves of the reference sample. */
  toys: number[];
  /** (1 + #toys >= observed) / (1 + #toys): the chance to see a metric this large from statistics alone (NaN without toys). */
  pValue: number;
}

/**
 * p-value of a two-sample metric by "bootstrap toys" as in the INNFER project: the null distribution is the
 * metric between two random halves of the reference sample (data), which differ only by statistics.
 * Halves carry half the statistics of the full comparison, so the test is conservative.
 */
export function bootstrapPValue(observed: number, reference: Sample, metric: (x: Sample, y: Sample, seed: number) => number, opts: { toys?: number; seed: number }): BootstrapResult {
  const toys: number[] = [];
  const n = rowsOf(reference);
  const T = opts.toys ?? 20;
  for (let t = 0; t < T; t++) {
    const rng = Mulberry32.fromSeed(opts.seed * 7919 + t + 1);
    const p = rng.permutation(n);
    const h = Math.floor(n / 2);
    const sub = (idx: Int32Array): Sample => {
      const { cols, w } = take(reference, idx);
      return { columns: cols, weights: reference.weights ? w : null };
    };
    toys.push(metric(sub(p.subarray(0, h)), sub(p.subarray(h, 2 * h)), opts.seed + 1000 + t));
  }
  const above = toys.filter((v) => v >= observed).length;
  return { observed, toys, pValue: T > 0 ? (1 + above) / (1 + T) : NaN };
}

/** The classifier test with its bootstrap p-value (b compared with a; toys split a). */
export function classifierTestWithPValue(a: Sample, b: Sample, opts: ClassifierTestOptions & { toys?: number }): ClassifierTestResult & BootstrapResult {
  const obs = classifierTwoSampleTest(a, b, opts);
  const boot = bootstrapPValue(obs.auc, a, (x, y, seed) => classifierTwoSampleTest(x, y, { ...opts, seed }).auc, { toys: opts.toys, seed: opts.seed });
  return { ...obs, ...boot };
}
