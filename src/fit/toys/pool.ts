import { WorkerPool } from '../../compute/pool.js';
import { newToyState, runToys, type ToyResult } from './run-toy.js';
import { prepareToys, type ToySpec } from './setup.js';

/** A pool run: the ToySpec's settings (documented there; the model documents come separately) plus how to run it. */
export interface PoolOptions extends Omit<ToySpec, 'fitDoc' | 'fitSource' | 'gofBins'> {
  toys: number;
  jobs: number;
  /** Toys per work item handed to a worker (small: keeps workers balanced and memory flat). */
  chunk?: number;
  /** Toy indices run are first .. first + toys - 1 (default 0): a Condor job's share of a study. */
  first?: number;
  /** Bins per category of the binned chi2 GOF (0 or absent: none). */
  gofBins?: number;
}

/** What travels to a worker: the parsed YAML documents (PDF objects do not cross threads; the worker rebuilds them). */
export interface WorkerInit {
  spec: ToySpec;
}

/** The ToySpec of a pool run. */
export function poolSpec(doc: unknown, source: string, opts: PoolOptions): ToySpec {
  return {
    fitDoc: doc, fitSource: source, genDoc: opts.genDoc, genSource: opts.genSource, fromFit: opts.fromFit, fromFitSource: opts.fromFitSource,
    fromFitCov: opts.fromFitCov, sampleGen: opts.sampleGen,
    seed: opts.seed, vary: opts.vary, minimize: opts.minimize, randomizeStart: opts.randomizeStart, gofBins: opts.gofBins ?? 0,
  };
}

export function toyOptions(spec: ToySpec) {
  return { seed: spec.seed, vary: spec.vary, minimize: spec.minimize, randomizeStart: spec.randomizeStart, gofBins: spec.gofBins };
}

/** One work item: toys [from, to). */
export interface ToyRequest {
  from: number;
  to: number;
}

/** Results of toys [from, to) packed into transferable arrays. */
export interface PackedChunk {
  from: number;
  to: number;
  np: number;
  values: Float64Array;
  errors: Float64Array;
  /** per toy: nll, edm, GOF p-value and chi2 */
  nll: Float64Array;
  edm: Float64Array;
  gof: Float64Array;
  chi2: Float64Array;
  /** per toy: events, nfcn, flags (1 valid, 2 converged, 4 accurate covariance), GOF ndf */
  ints: Int32Array;
  errorsText: Array<string | null>;
  /** Per-toy generating values (--gen-values sampled), else null. */
  gen: Float64Array | null;
}

export function packChunk(from: number, to: number, np: number, results: ToyResult[]): PackedChunk {
  const n = to - from;
  const c: PackedChunk = {
    from, to, np,
    values: new Float64Array(n * np), errors: new Float64Array(n * np),
    nll: new Float64Array(n), edm: new Float64Array(n), gof: new Float64Array(n), chi2: new Float64Array(n), ints: new Int32Array(4 * n), errorsText: [],
    gen: results.some((r) => r.gen) ? new Float64Array(n * np).fill(NaN) : null,
  };
  results.forEach((r, k) => {
    c.values.set(r.values, k * np);
    c.errors.set(r.errors, k * np);
    c.nll[k] = r.nll;
    c.edm[k] = r.edm;
    c.gof[k] = r.gofPvalue;
    c.chi2[k] = r.gofChi2;
    c.ints[4 * k] = r.events;
    c.ints[4 * k + 1] = r.nfcn;
    c.ints[4 * k + 2] = (r.valid ? 1 : 0) | (r.converged ? 2 : 0) | (r.accurateCovar ? 4 : 0);
    c.ints[4 * k + 3] = r.gofNdf;
    c.errorsText.push(r.error ?? null);
    if (c.gen && r.gen) c.gen.set(r.gen, k * np);
  });
  return c;
}

export function unpackChunk(c: PackedChunk): ToyResult[] {
  const out: ToyResult[] = [];
  for (let k = 0; k < c.to - c.from; k++) {
    const flags = c.ints[4 * k + 2];
    const r: ToyResult = {
      toy: c.from + k,
      events: c.ints[4 * k],
      values: c.values.slice(k * c.np, (k + 1) * c.np),
      errors: c.errors.slice(k * c.np, (k + 1) * c.np),
      valid: (flags & 1) !== 0,
      converged: (flags & 2) !== 0,
      accurateCovar: (flags & 4) !== 0,
      nll: c.nll[k],
      edm: c.edm[k],
      nfcn: c.ints[4 * k + 1],
      gofPvalue: c.gof[k],
      gofChi2: c.chi2[k],
      gofNdf: c.ints[4 * k + 3],
    };
    if (c.errorsText[k]) r.error = c.errorsText[k]!;
    if (c.gen) r.gen = c.gen.slice(k * c.np, (k + 1) * c.np);
    out.push(r);
  }
  return out;
}

/**
 * Runs toys first..first+N-1 over `jobs` worker threads (in this thread when jobs = 1) and calls `onResult` in toy order.
 * Every toy's random stream depends only on (seed, toy), so the output is identical for any `jobs`.
 * Out-of-order chunks wait in a small buffer (at most jobs x 2 chunks), so memory does not grow with N.
 */
export async function runToyPool(doc: unknown, source: string, opts: PoolOptions, onResult: (r: ToyResult) => void): Promise<void> {
  const chunk = opts.chunk ?? 16;
  const spec = poolSpec(doc, source, opts);
  const first = opts.first ?? 0;
  const end = first + opts.toys;
  if (opts.jobs <= 1) {
    const prep = prepareToys(spec);
    const state = newToyState();
    for (let from = first; from < end; from += chunk) {
      runToys(prep, from, Math.min(end, from + chunk), toyOptions(spec), onResult, state);
      // Yield to the event loop between chunks so progress bars and signals get through.
      await new Promise((r) => setImmediate(r));
    }
    return;
  }
  const init: WorkerInit = { spec };
  const chunks = Math.ceil(opts.toys / chunk);
  const nw = Math.min(opts.jobs, chunks);
  if (nw === 0) return;
  const pool = await WorkerPool.start<ToyRequest, PackedChunk>({ callerUrl: import.meta.url, module: 'worker', size: nw, data: () => init, label: 'toy worker' });
  try {
    // Each worker keeps at most two chunks in flight; results are emitted in toy order.
    await pool.ordered(chunks, (k) => ({ req: { from: first + k * chunk, to: Math.min(end, first + (k + 1) * chunk) } }), (c) => {
      for (const r of unpackChunk(c)) onResult(r);
    });
  } finally {
    await pool.close();
  }
}
