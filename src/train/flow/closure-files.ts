import { loadBundle } from '../../bundle/bundle.js';
import { NtcorrError } from '../../core/errors.js';
import { flowFromBundle } from '../../models/flow/bundle-io.js';
import { dropNonFinite, loadExamples } from './load.js';
import { kinematicReweight } from './reweight.js';
import { correctExamples, type ClosureReport } from './closure-run.js';
import { closureMetrics, writeClosure } from './closure.js';

export interface ClosureFilesOptions {
  model: string;
  data: string[];
  mc: string[];
  /** Selection applied to both samples (src/expr syntax). */
  where?: string;
  /** Simulation event-weight column. */
  mcWeight?: string;
  /** Restrict to these collection prefixes of the bundle (default: all it corrects). */
  collections?: string[];
  tree?: string;
  /** Kinematic reweighting of simulation to data in these conditions before comparing (empty: none). */
  reweight: string[];
  reweightBins: number;
  seed: number;
  classifierRows: number;
  plots: boolean;
  out: string;
  backend?: string;
  /** Worker threads for the correction (values do not depend on it). */
  threads?: number;
  log: (s: string) => void;
}

/**
 * `ntcorr closure` on any files: reads data and simulation with the bundle's variables, conditions and
 * collections, corrects the simulation with the bundle (same values as `apply --seed`), reweights
 * simulation to data in the conditions, and writes the closure report.
 */
export async function closureOnFiles(o: ClosureFilesOptions): Promise<ClosureReport> {
  const bundle = loadBundle(o.model);
  if (bundle.manifest.kind !== 'flow') throw new NtcorrError(`${o.model}: closure needs a flow bundle (this one is kind "${bundle.manifest.kind}")`, { file: o.model });
  const { config } = flowFromBundle(bundle);
  const cols = o.collections?.length ? config.collections.filter((c) => o.collections!.includes(c.prefix)) : config.collections;
  if (cols.length === 0) throw new NtcorrError(`${o.model}: none of --collections ${o.collections!.join(', ')} is a collection of the bundle (${config.collections.map((c) => c.prefix).join(', ')})`, { file: o.model });
  const spec = {
    tree: o.tree,
    selection: o.where,
    collections: cols.map((c) => c.prefix),
    columnMaps: Object.fromEntries(cols.map((c) => [c.prefix, c.columns ?? {}])),
    variables: config.variables,
    conditions: config.conditions,
  };
  const data = dropNonFinite(await loadExamples({ ...spec, globs: o.data, label: 'data' })).examples;
  const mc = dropNonFinite(await loadExamples({ ...spec, globs: o.mc, label: 'simulation', weight: o.mcWeight })).examples;
  o.log(`data ${data.n} objects, simulation ${mc.n} objects (collections ${spec.collections.join(', ')})`);
  let mcW = mc.w;
  const dataTotal = data.w.reduce((s, v) => s + v, 0);
  if (o.reweight.length) {
    const idx = o.reweight.map((v) => {
      const k = config.conditions.indexOf(v);
      if (k < 0) throw new NtcorrError(`--reweight ${v}: not a condition of the bundle (${config.conditions.join(', ')})`, { file: o.model });
      return k;
    });
    const rw = kinematicReweight(idx.map((k) => data.c[k]), data.w, idx.map((k) => mc.c[k]), mc.w, { bins: o.reweightBins, maxWeight: 10 });
    mcW = rw.weights;
    o.log(`simulation reweighted to data in ${o.reweight.join(', ')} (${rw.cells} cells)`);
  } else {
    const s = mc.w.reduce((a, v) => a + v, 0);
    mcW = Float64Array.from(mc.w, (v) => (v * dataTotal) / s);
  }
  const all = Int32Array.from({ length: mc.n }, (_, i) => i);
  const { corrected } = await correctExamples(o.model, mc, all, o.seed, { backend: o.backend, threads: o.threads });
  const input = { variables: config.variables, data: { x: data.x, w: data.w }, mc: { x: mc.x, w: mcW }, corrected };
  const summary = closureMetrics(input, { seed: o.seed, classifierRows: o.classifierRows });
  const files = await writeClosure(o.out, summary, input, {
    title: bundle.manifest.name,
    plots: o.plots,
    extra: { model: o.model, modelHash: bundle.hash, data: o.data, mc: o.mc, where: o.where ?? null, applySeed: o.seed, reweight: o.reweight },
  });
  return { summary, dir: o.out, files };
}
