import { NtcorrError } from '../../core/errors.js';
import { Xoshiro128ss } from '../../core/random.js';
import type { FlowTrainConfig } from './config.js';
import { dropNonFinite, loadExamples, subset, type Examples } from './load.js';
import { capFraction, fitCapWidth, fitIsolationShift, fitOutputBits, weightedMeanStd, zeroFraction } from './preprocess-fit.js';
import { kinematicReweight } from './reweight.js';
import { splitExamples, type SplitIndices } from './split.js';
import { preprocessConditions, preprocessInputs } from './preprocess-apply.js';
import type { PreprocessParams } from '../../models/flow/preprocess.js';
import { buildDataset, type FlowDataset } from './dataset.js';

/**
 * Everything before the first gradient step: read both samples, split them by the seed, reweight
 * simulation to data in the conditions (fitted on the training split), fit the preprocessing on the
 * training split, and build the train/validation sets. The test split is only carried along (ids and
 * weights) for closure; nothing here looks at its values.
 */
export interface Prepared {
  data: Examples;
  mc: Examples;
  dataSplit: SplitIndices;
  mcSplit: SplitIndices;
  /** Simulation weights per split after kinematic reweighting (each split normalised to its data count). */
  mcWeights: { train: Float64Array; val: Float64Array; test: Float64Array };
  preprocessing: PreprocessParams;
  /** Column names per collection as resolved in the files (conditions may be event-level). */
  collections: { prefix: string; columns: Record<string, string> }[];
  train: FlowDataset;
  val: FlowDataset;
  /** Numbers for the log and the bundle provenance. */
  summary: Record<string, unknown>;
}

function cols(e: Examples, which: 'x' | 'c', idx: Int32Array): Float64Array[] {
  return e[which].map((a) => Float64Array.from(idx, (i) => a[i]));
}

function pick(a: Float64Array, idx: Int32Array): Float64Array {
  return Float64Array.from(idx, (i) => a[i]);
}

/** Seeded subsample of at most `max` examples (kept in file order). */
function capEvents(e: Examples, max: number, seed: number): Examples {
  if (!max || e.n <= max) return e;
  const perm = Xoshiro128ss.fromSeed(seed).permutation(e.n).subarray(0, max).sort();
  return subset(e, perm);
}

/** a then b in one array (spreading 10^6-element arrays into a literal is slow and can overflow the stack). */
function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function normaliseTo(w: Float64Array, total: number): Float64Array {
  let s = 0;
  for (const v of w) s += v;
  if (s > 0) for (let i = 0; i < w.length; i++) w[i] *= total / s;
  return w;
}

export async function prepareTraining(cfg: FlowTrainConfig, seed: number, log: (s: string) => void): Promise<Prepared> {
  const common = { tree: cfg.tree, selection: cfg.selection, collections: cfg.collections, variables: cfg.variables, conditions: cfg.conditions };
  const rawData = await loadExamples({ ...common, globs: cfg.data, label: 'data' });
  const rawMc = await loadExamples({ ...common, globs: cfg.mc, label: 'simulation', weight: cfg.mc_weight });
  const d0 = dropNonFinite(rawData);
  const m0 = dropNonFinite(rawMc);
  if (d0.dropped || m0.dropped) log(`dropped examples with NaN/inf inputs: data ${d0.dropped}, simulation ${m0.dropped}`);
  const data = capEvents(d0.examples, cfg.training.max_events, seed ^ 0x5eed1);
  const mc = capEvents(m0.examples, cfg.training.max_events, seed ^ 0x5eed2);
  log(`examples after selection: data ${data.n} (${data.files.length} file(s)), simulation ${mc.n} (${mc.files.length} file(s))`);

  const fractions = { val: cfg.training.validation_fraction, test: cfg.training.test_fraction };
  const dataSplit = splitExamples(data, seed, fractions);
  const mcSplit = splitExamples(mc, seed, fractions);
  for (const [label, s] of [['data', dataSplit], ['simulation', mcSplit]] as const) {
    if (s.train.length < 2 || s.val.length < 1) throw new NtcorrError(`${label}: too few examples to split (train ${s.train.length}, validation ${s.val.length}); loosen the selection or lower validation_fraction/test_fraction`);
  }

  // Kinematic reweighting: factors fitted on the training split, applied to the other splits.
  const rwIdx = cfg.reweight.variables.map((v) => cfg.conditions.indexOf(v));
  const rwCols = (e: Examples, idx: Int32Array) => rwIdx.map((k) => pick(e.c[k], idx));
  const dataW = { train: pick(data.w, dataSplit.train), val: pick(data.w, dataSplit.val), test: pick(data.w, dataSplit.test) };
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  let mcWeights: Prepared['mcWeights'];
  const summary: Record<string, unknown> = {
    examples: { data: data.n, simulation: mc.n },
    split: {
      data: { train: dataSplit.train.length, val: dataSplit.val.length, test: dataSplit.test.length },
      simulation: { train: mcSplit.train.length, val: mcSplit.val.length, test: mcSplit.test.length },
    },
  };
  if (cfg.reweight.enabled) {
    const rw = kinematicReweight(rwCols(data, dataSplit.train), dataW.train, rwCols(mc, mcSplit.train), pick(mc.w, mcSplit.train), { bins: cfg.reweight.bins, maxWeight: cfg.reweight.max_weight });
    mcWeights = {
      train: rw.weights,
      val: normaliseTo(rw.reweight(rwCols(mc, mcSplit.val), pick(mc.w, mcSplit.val)), sum(dataW.val)),
      test: normaliseTo(rw.reweight(rwCols(mc, mcSplit.test), pick(mc.w, mcSplit.test)), sum(dataW.test)),
    };
    summary.reweight = { variables: cfg.reweight.variables, edges: rw.edges, cells: rw.cells, cellsWithoutData: rw.cellsWithoutData, cellsWithoutSimulation: rw.cellsWithoutSimulation, clipped: rw.clipped, effectiveEvents: Math.round(rw.effectiveEvents) };
    log(`reweighting in ${cfg.reweight.variables.join(', ')}: ${rw.cells} cells, ${rw.cellsWithoutData} without data, ${rw.clipped} simulated examples clipped at ${cfg.reweight.max_weight}, effective simulation size ${Math.round(rw.effectiveEvents)} of ${mcSplit.train.length}`);
  } else {
    mcWeights = {
      train: normaliseTo(pick(mc.w, mcSplit.train), sum(dataW.train)),
      val: normaliseTo(pick(mc.w, mcSplit.val), sum(dataW.val)),
      test: normaliseTo(pick(mc.w, mcSplit.test), sum(dataW.test)),
    };
  }

  // Preprocessing fit on the training split (data and reweighted simulation together).
  const trainX = { data: cols(data, 'x', dataSplit.train), mc: cols(mc, 'x', mcSplit.train) };
  const trainC = { data: cols(data, 'c', dataSplit.train), mc: cols(mc, 'c', mcSplit.train) };
  const shifts = new Map<number, number>();
  for (const [v, spec] of Object.entries(cfg.preprocessing.isolation)) {
    const k = cfg.variables.indexOf(v);
    const both = concat(trainX.data[k], trainX.mc[k]);
    const all = Int32Array.from({ length: both.length }, (_, i) => i);
    const shift = spec.shift === 'auto' ? fitIsolationShift(both, all, v) : spec.shift;
    shifts.set(k, shift);
    const zf = (a: Float64Array) => (100 * zeroFraction(a, Int32Array.from(a.keys()))).toFixed(1);
    log(`isolation ${v}: shift ${shift.toPrecision(4)}${spec.shift === 'auto' ? ' (fitted)' : ''}, exact zeros: data ${zf(trainX.data[k])}%, simulation ${zf(trainX.mc[k])}%`);
  }
  const caps = new Map<number, { max: number; width: number }>();
  for (const [v, spec] of Object.entries(cfg.preprocessing.capped)) {
    const k = cfg.variables.indexOf(v);
    const both = concat(trainX.data[k], trainX.mc[k]);
    const width = spec.width === 'auto' ? fitCapWidth(both, spec.max, v) : spec.width;
    caps.set(k, { max: spec.max, width });
    const cf = (a: Float64Array) => (100 * capFraction(a, spec.max)).toFixed(1);
    log(`capped ${v}: at ${spec.max}: data ${cf(trainX.data[k])}%, simulation ${cf(trainX.mc[k])}%, spread over width ${width.toPrecision(4)}${spec.width === 'auto' ? ' (fitted)' : ''}`);
  }
  const bits = new Map<number, number>();
  const op = cfg.preprocessing.output_precision;
  cfg.variables.forEach((_, k) => {
    if (op === 'full') return;
    if (typeof op === 'number') {
      bits.set(k, op);
      return;
    }
    // auto: round only when both samples are stored with reduced precision
    const d = fitOutputBits(trainX.data[k]);
    const m = fitOutputBits(trainX.mc[k]);
    if (d !== undefined && m !== undefined) bits.set(k, Math.max(d, m));
  });
  if (bits.size) log(`output precision (as stored in the inputs): ${[...bits].map(([k, b]) => `${cfg.variables[k]} ${b} bits`).join(', ')}`);
  const preprocessing: PreprocessParams = {
    inputs: cfg.variables.map((name, k) => ({
      name,
      mean: 0,
      std: 1,
      ...(shifts.has(k) ? { continuous: { shift: shifts.get(k)! } } : {}),
      ...(caps.has(k) ? { capped: caps.get(k)! } : {}),
      ...(bits.has(k) ? { bits: bits.get(k)! } : {}),
    })),
    conditions: cfg.conditions.map((name) => ({ name, mean: 0, std: 1 })),
  };
  const ids = (e: Examples, idx: Int32Array) => ({ files: e.files, keys: e.keys, file: Int32Array.from(idx, (i) => e.file[i]), row: pick(e.row, idx), collection: Uint8Array.from(idx, (i) => e.collection[i]) });
  if (cfg.preprocessing.standardize) {
    // Statistics of the isolation-transformed inputs: run the (seeded) transform on the training split first.
    const tx = {
      data: preprocessInputs(preprocessing, trainX.data, ids(data, dataSplit.train), seed),
      mc: preprocessInputs(preprocessing, trainX.mc, ids(mc, mcSplit.train), seed),
    };
    const w = concat(dataW.train, mcWeights.train);
    const ms = (d: Float64Array, m: Float64Array) => weightedMeanStd(concat(d, m), w);
    preprocessing.inputs.forEach((v, k) => Object.assign(v, ms(tx.data[k], tx.mc[k])));
    preprocessing.conditions.forEach((v, k) => Object.assign(v, ms(trainC.data[k], trainC.mc[k])));
  }

  const sampleOf = (e: Examples, idx: Int32Array, w: Float64Array, isData: boolean) => {
    return { x: preprocessInputs(preprocessing, cols(e, 'x', idx), ids(e, idx), seed), c: preprocessConditions(preprocessing, cols(e, 'c', idx)), w, isData };
  };
  const train = buildDataset([sampleOf(data, dataSplit.train, dataW.train, true), sampleOf(mc, mcSplit.train, mcWeights.train, false)]);
  const val = buildDataset([sampleOf(data, dataSplit.val, dataW.val, true), sampleOf(mc, mcSplit.val, mcWeights.val, false)]);
  return { data, mc, dataSplit, mcSplit, mcWeights, preprocessing, collections: rawMc.resolved, train, val, summary };
}
