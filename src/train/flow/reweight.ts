/**
 * Kinematic reweighting of simulation to data in the conditions, as the CMS flow training did it: the
 * flow must learn the *shape* differences of the corrected variables, not differences in the pt/eta/rho
 * spectra, so simulation is reweighted so that its condition distribution matches data first.
 *
 * Bins are equal-population in data, per variable (quantiles of data), crossed into a grid; the outer
 * bins are open so every simulated event lands in a cell. weight = (data in cell) / (simulation in cell),
 * clipped to maxWeight, then all simulation weights are scaled so that their sum = sum of data weights
 * (the number of data events), so data and simulation carry the same total weight in the NLL.
 */
import { quantileEdges } from '../../stats/histogram.js';

export interface ReweightOptions {
  bins: number;
  maxWeight: number;
}

export interface ReweightResult {
  /** New simulation weights (input weights x kinematic factor, normalised). */
  weights: Float64Array;
  /** Interior bin edges per variable (bins - 1 cut points, fewer when data has ties). */
  edges: number[][];
  cells: number;
  /** Cells with simulation but no data: their simulated events get weight 0. */
  cellsWithoutData: number;
  /** Cells with data but no simulation: nothing to reweight, that data is unmatched. */
  cellsWithoutSimulation: number;
  /** Simulated events whose factor hit maxWeight. */
  clipped: number;
  /** Kish effective sample size of the simulation weights, (sum w)^2 / sum w^2. */
  effectiveEvents: number;
  /**
   * Weights for other simulated events (validation/test splits) with the factors fitted here, on the same
   * scale (multiply by sum-normalisation of that set if needed): input weight x factor(cell) x norm.
   */
  reweight(mc: Float64Array[], mcWeights: Float64Array): Float64Array;
}

/** Unweighted quantile cut points of `x` making `bins` equal-population bins; ties merge bins. */
export function equalPopulationEdges(x: Float64Array, bins: number): number[] {
  return Array.from(quantileEdges(x, bins, null, 'rank'));
}

/** Index of the bin of v given sorted interior edges: number of edges <= v (binary search). */
function binOf(edges: number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cellIndex(edges: number[][], cols: Float64Array[], i: number): number {
  let cell = 0;
  for (let v = 0; v < cols.length; v++) cell = cell * (edges[v].length + 1) + binOf(edges[v], cols[v][i]);
  return cell;
}

/**
 * Reweights simulation (columns `mc`, weights `mcWeights`) to data (columns `data`, weights `dataWeights`)
 * in the grid of the given variables (same order in both).
 */
export function kinematicReweight(
  data: Float64Array[],
  dataWeights: Float64Array,
  mc: Float64Array[],
  mcWeights: Float64Array,
  opts: ReweightOptions,
): ReweightResult {
  if (data.length !== mc.length || data.length === 0) throw new Error('kinematicReweight: data and simulation need the same (non-zero) number of variables');
  const edges = data.map((col) => equalPopulationEdges(col, opts.bins));
  const cells = edges.reduce((n, e) => n * (e.length + 1), 1);
  const dataSum = new Float64Array(cells);
  const mcSum = new Float64Array(cells);
  const nd = dataWeights.length;
  const nm = mcWeights.length;
  for (let i = 0; i < nd; i++) dataSum[cellIndex(edges, data, i)] += dataWeights[i];
  const mcCell = new Int32Array(nm);
  for (let i = 0; i < nm; i++) {
    mcCell[i] = cellIndex(edges, mc, i);
    mcSum[mcCell[i]] += mcWeights[i];
  }
  let cellsWithoutData = 0;
  let cellsWithoutSimulation = 0;
  for (let c = 0; c < cells; c++) {
    if (mcSum[c] > 0 && dataSum[c] === 0) cellsWithoutData++;
    if (dataSum[c] > 0 && mcSum[c] <= 0) cellsWithoutSimulation++;
  }
  // The ratio is taken on unnormalised sums; the global normalisation below fixes the scale. Clip on the
  // ratio relative to the mean ratio, so max_weight means "x times the typical weight" for any sample sizes.
  let totalData = 0;
  let totalMc = 0;
  for (let i = 0; i < nd; i++) totalData += dataWeights[i];
  for (let i = 0; i < nm; i++) totalMc += mcWeights[i];
  const scale = totalMc > 0 ? totalData / totalMc : 1;
  const weights = new Float64Array(nm);
  let clipped = 0;
  for (let i = 0; i < nm; i++) {
    const c = mcCell[i];
    let f = mcSum[c] > 0 ? dataSum[c] / mcSum[c] / scale : 0;
    if (f > opts.maxWeight) {
      f = opts.maxWeight;
      clipped++;
    }
    weights[i] = mcWeights[i] * f;
  }
  let sw = 0;
  for (let i = 0; i < nm; i++) sw += weights[i];
  const norm = sw > 0 ? totalData / sw : 0;
  const factorOfCell = (c: number) => Math.min(mcSum[c] > 0 ? dataSum[c] / mcSum[c] / scale : 0, opts.maxWeight) * norm;
  let sw2 = 0;
  for (let i = 0; i < nm; i++) {
    weights[i] *= norm;
    sw2 += weights[i] * weights[i];
  }
  return {
    weights,
    edges,
    cells,
    cellsWithoutData,
    cellsWithoutSimulation,
    clipped,
    effectiveEvents: sw2 > 0 ? (totalData * totalData) / sw2 : 0,
    reweight(cols, w) {
      const out = new Float64Array(w.length);
      for (let i = 0; i < w.length; i++) out[i] = w[i] * factorOfCell(cellIndex(edges, cols, i));
      return out;
    },
  };
}
