import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NtcorrError, errorMessage } from '../core/errors.js';
import { TOOL } from '../core/version.js';
import { comparisonFigure, profileFigure, renderFigure, renderHeatmap, savePlot, ROLE } from '../plot/index.js';
import {
  binnedQuantiles, bootstrapPValue, chi2Histograms, classifierTwoSampleTest, correlationDifference, correlationMatrix,
  histErrors, histogram, ksDistanceSorted, quantileEdges, quantilesSorted, scaleHist, histTotal, sortSample, uniformEdges,
  wasserstein1Sorted, type Hist, type Sample, type SortedSample,
} from '../stats/index.js';
import { fmt, renderPage, table, esc, type PageFigure, type PageSection } from './html.js';
import { columnsOf, expandGlobs, loadSample, type LoadedSample } from './load.js';
import { mvaidEvaluator } from './mvaid.js';
import type { ClassifierNumbers, ValidateOptions, ValidateSummary, VarMetrics } from './options.js';
import { makePlan } from './plan.js';
import { kinematicReweight } from '../train/flow/reweight.js';

/** The bundle shipped with ntcorr (package root/models), used when --mvaid-model is not given. */
export const DEFAULT_MVAID_MODEL = fileURLToPath(new URL('../../models/photon-mvaid-run3', import.meta.url));

interface Region { name: string; label: string; data: Uint32Array; mc: Uint32Array }

function indices(n: number, keep: (i: number) => boolean): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Uint32Array.from(out);
}

function pick(a: Float64Array, idx: Uint32Array): Float64Array {
  const o = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) o[k] = a[idx[k]];
  return o;
}

/** Plot range: central 99% of data ∪ simulation (isolations: from their minimum, usually the 0 peak). */
function rangeFor(sorted: SortedSample[], log: boolean): [number, number] {
  let lo = Infinity, hi = -Infinity;
  sorted.forEach((v) => {
    const q = quantilesSorted(v, log ? [0, 0.995] : [0.005, 0.995]);
    if (Number.isFinite(q[0])) lo = Math.min(lo, q[0]);
    if (Number.isFinite(q[1])) hi = Math.max(hi, q[1]);
  });
  if (!(hi > lo)) { hi = (Number.isFinite(lo) ? lo : 0) + 1; lo = hi - 2; }
  return [lo, hi];
}

const r4 = (v: number) => Number(v.toPrecision(4));

export async function runValidate(o: ValidateOptions, log: (s: string) => void = () => {}): Promise<ValidateSummary> {
  const inputs = await openInputs(o);
  const { plan, notes } = inputs;
  const mva = mvaidSource(o, inputs);
  for (const c of o.reweight ?? []) {
    if (!inputs.dataCols.has(c) || !inputs.mcCols.has(c)) throw new NtcorrError(`--reweight: column "${c}" must be in both data and simulation`, { column: c });
  }
  const { data, mc } = await loadSamples(o, inputs, mva, log);
  if (o.reweight && o.reweight.length) reweightSimulation(o, o.reweight, data, mc, notes);
  const mvaValues = evaluateMvaid(o, mva, data, mc, log);
  const regions = makeRegions(plan.regionVar, data, mc);

  const ctx = reportContext(o, data, mc, notes);
  const hists = await histogramSection(ctx, plan, regions, log);
  const allCorr = hists.metrics.filter((m) => m.region === 'all' && m.corrected && m.ks.before > 0);
  // Ratio of the mean KS distances (not the mean of per-variable ratios, which a variable that agreed
  // already before correction would dominate): the closure target of the flow-training issue.
  const meanKsRatio = allCorr.length ? allCorr.reduce((s, m) => s + m.ks.after!, 0) / allCorr.reduce((s, m) => s + m.ks.before, 0) : null;
  const mvaid = await mvaidSection(ctx, mva, mvaValues, regions);
  const profFigures = await profileSection(ctx, plan);
  const corr = await correlationSection(ctx, plan, regions);
  const classifier = classifierSection(o, plan, data, mc, log);

  const summary: ValidateSummary = {
    tool: TOOL, time: new Date().toISOString(), command: o.command ?? 'ntcorr validate', seed: o.seed,
    data: { files: inputs.dataFiles, rows: data.rows, sumWeights: data.weights ? r4(data.weights.reduce((a, b) => a + b, 0)) : data.rows },
    mc: { files: inputs.mcFiles, rows: mc.rows, sumWeights: mc.weights ? r4(mc.weights.reduce((a, b) => a + b, 0)) : mc.rows, weights: o.weights },
    variables: plan.vars.map((v) => v.name), regions: regions.map((r) => r.name),
    metrics: hists.metrics, meanKsRatio: meanKsRatio === null ? null : r4(meanKsRatio), classifier, correlations: corr.correlations, mvaid: mvaid.summary, plots: ctx.plots, notes,
  };
  writeReport(o, summary, pageSections(o, summary, { histograms: hists.figures, mvaid: mvaid.figures, profiles: profFigures, correlations: corr.figures }));
  return summary;
}

type Plan = ReturnType<typeof makePlan>;

interface Inputs {
  dataFiles: string[];
  mcFiles: string[];
  dataCols: Set<string>;
  mcCols: Set<string>;
  plan: Plan;
  /** Report notes, in the order they arise. */
  notes: string[];
}

/** Files, their columns and the plan of what to compare; the weight columns must exist. */
async function openInputs(o: ValidateOptions): Promise<Inputs> {
  const dataFiles = await expandGlobs(o.data, 'data');
  const mcFiles = await expandGlobs(o.mc, 'mc');
  const dataCols = await columnsOf(dataFiles[0], o.tree);
  const mcCols = await columnsOf(mcFiles[0], o.tree);
  const plan = makePlan(o, dataCols, mcCols);
  if (o.weights && !mcCols.has(o.weights)) throw new NtcorrError(`--weights: column "${o.weights}" not found in ${mcFiles[0]}`, { file: mcFiles[0], column: o.weights });
  if (o.dataWeights && !dataCols.has(o.dataWeights)) throw new NtcorrError(`--data-weights: column "${o.dataWeights}" not found in ${dataFiles[0]}`, { file: dataFiles[0], column: o.dataWeights });
  const notes: string[] = [];
  const uncorrected = plan.vars.filter((v) => !v.corr).map((v) => v.name);
  if (plan.skipped.length) notes.push(`other corrected collections not shown (name them with --vars for their own report): ${plan.skipped.join(', ')}`);
  if (uncorrected.length) notes.push(`no ${o.suffix} column in the simulation for: ${uncorrected.join(', ')} (shown before correction only)`);
  return { dataFiles, mcFiles, dataCols, mcCols, plan, notes };
}

interface MvaidSource {
  /** The mvaID column name. */
  column: string;
  source: 'columns' | 'bundle' | null;
  evaluator: ReturnType<typeof mvaidEvaluator> | null;
  /** Extra columns to read for it. */
  extraData: string[];
  extraMc: string[];
}

/** mvaID: the sample's own columns when the corrected one exists, else recomputed with the XGBoost bundle. */
function mvaidSource(o: ValidateOptions, { plan, dataCols, mcCols, notes }: Inputs): MvaidSource {
  const mv = `${plan.prefix}mvaID`;
  const out: MvaidSource = { column: mv, source: null, evaluator: null, extraData: [], extraMc: [] };
  if (mcCols.has(mv + o.suffix) && mcCols.has(mv) && dataCols.has(mv)) {
    out.source = 'columns';
    out.extraData.push(mv); out.extraMc.push(mv, mv + o.suffix);
    return out;
  }
  const model = o.mvaidModel ?? DEFAULT_MVAID_MODEL;
  try {
    if (!existsSync(model)) throw new Error(`bundle ${model} not found`);
    const evaluator = mvaidEvaluator(model, plan.prefix, o.suffix);
    out.evaluator = evaluator;
    out.extraData.push(...evaluator.columnsFor(dataCols, 'raw'));
    out.extraMc.push(...evaluator.columnsFor(mcCols, 'raw'), ...evaluator.columnsFor(mcCols, 'corrected'));
    out.source = 'bundle';
  } catch (e) {
    notes.push(`mvaID not compared: no ${mv}${o.suffix} column and the mvaID model cannot be evaluated (${errorMessage(e)})`);
  }
  return out;
}

async function loadSamples(o: ValidateOptions, { dataFiles, mcFiles, plan }: Inputs, mva: MvaidSource, log: (s: string) => void): Promise<{ data: LoadedSample; mc: LoadedSample }> {
  const base = [...plan.vars.map((v) => v.name), ...(plan.regionVar ? [plan.regionVar] : []), ...plan.profileVars, ...(o.reweight ?? [])];
  log(`reading ${dataFiles.length} data file(s) and ${mcFiles.length} simulation file(s)`);
  const data = await loadSample(dataFiles, [...base, ...mva.extraData], { weight: o.dataWeights, where: o.where, maxEvents: o.maxEvents, tree: o.tree });
  const mc = await loadSample(mcFiles, [...base, ...plan.vars.flatMap((v) => (v.corr ? [v.corr] : [])), ...mva.extraMc], { weight: o.weights, where: o.where, maxEvents: o.maxEvents, tree: o.tree });
  if (data.rows === 0 || mc.rows === 0) throw new NtcorrError(`no events to compare (data ${data.rows}, simulation ${mc.rows})${o.where ? ` after --where "${o.where}"` : ''}`);
  log(`data ${data.rows} events, simulation ${mc.rows} events`);
  return { data, mc };
}

/** Compare shapes at equal kinematics: simulation weights x data/simulation ratio in the grid. */
function reweightSimulation(o: ValidateOptions, columns: string[], data: LoadedSample, mc: LoadedSample, notes: string[]): void {
  const ones = (n: number) => new Float64Array(n).fill(1);
  const r = kinematicReweight(columns.map((c) => data.columns.get(c)!), data.weights ?? ones(data.rows),
    columns.map((c) => mc.columns.get(c)!), mc.weights ?? ones(mc.rows), { bins: o.reweightBins, maxWeight: 20 });
  mc.weights = r.weights;
  notes.push(`simulation reweighted to data in ${columns.join(', ')} (${o.reweightBins} equal-population bins each; ${r.cellsWithoutData} cells without data, ${r.clipped} weights clipped at 20, effective events ${Math.round(r.effectiveEvents)})`);
}

interface MvaidValues { data: Float64Array; mc: Float64Array; corrected: Float64Array | null }

function evaluateMvaid(o: ValidateOptions, mva: MvaidSource, data: LoadedSample, mc: LoadedSample, log: (s: string) => void): MvaidValues | null {
  if (mva.source === 'columns') return { data: data.columns.get(mva.column)!, mc: mc.columns.get(mva.column)!, corrected: mc.columns.get(mva.column + o.suffix)! };
  if (!mva.evaluator) return null;
  log(`re-evaluating mvaID with ${mva.evaluator.name}`);
  return {
    data: mva.evaluator.evaluate(data.columns, data.rows, 'raw'),
    mc: mva.evaluator.evaluate(mc.columns, mc.rows, 'raw'),
    corrected: mva.evaluator.evaluate(mc.columns, mc.rows, 'corrected'),
  };
}

/** `all`, and barrel/endcap (|region variable| < 1.5) when there is a region variable. */
function makeRegions(regionVar: string | null | undefined, data: LoadedSample, mc: LoadedSample): Region[] {
  const regions: Region[] = [{ name: 'all', label: 'all', data: indices(data.rows, () => true), mc: indices(mc.rows, () => true) }];
  if (regionVar) {
    const de = data.columns.get(regionVar)!, me = mc.columns.get(regionVar)!;
    regions.push(
      { name: 'barrel', label: `barrel |${regionVar}| < 1.5`, data: indices(data.rows, (i) => Math.abs(de[i]) < 1.5), mc: indices(mc.rows, (i) => Math.abs(me[i]) < 1.5) },
      { name: 'endcap', label: `endcap |${regionVar}| ≥ 1.5`, data: indices(data.rows, (i) => Math.abs(de[i]) >= 1.5), mc: indices(mc.rows, (i) => Math.abs(me[i]) >= 1.5) },
    );
  }
  return regions;
}

/** What the report steps share: the samples, and where figures go (plots lists every file written). */
interface ReportContext {
  o: ValidateOptions;
  data: LoadedSample;
  mc: LoadedSample;
  notes: string[];
  plots: string[];
  save(name: string, svg: string, caption: string): Promise<PageFigure>;
}

function reportContext(o: ValidateOptions, data: LoadedSample, mc: LoadedSample, notes: string[]): ReportContext {
  const plotDir = join(o.out, 'plots');
  mkdirSync(plotDir, { recursive: true });
  const plots: string[] = [];
  const save = async (name: string, svg: string, caption: string): Promise<PageFigure> => {
    const s = await savePlot(join(plotDir, name), svg, { png: o.png });
    if (s.warning && !notes.some((n) => n.startsWith('PNG'))) notes.push(`PNG copies not written: ${s.warning}`);
    plots.push(relative(o.out, s.svg), ...(s.png ? [relative(o.out, s.png)] : []));
    return { svg: relative(o.out, s.svg), png: s.png ? relative(o.out, s.png) : undefined, caption };
  };
  return { o, data, mc, notes, plots, save };
}

interface Comparison {
  figure: PageFigure;
  ks: { before: number; after: number | null };
  w1: { before: number; after: number | null };
  chi2ndf: { before: number; after: number | null };
}

/** Histograms of data, simulation and corrected simulation in one region (simulation scaled to data). */
async function compare(ctx: ReportContext, name: string, title: string, region: Region, d: Float64Array, s: Float64Array, c: Float64Array | null, logy: boolean, xrange?: [number, number]): Promise<Comparison> {
  const { data, mc, o } = ctx;
  const dw = data.weights ? pick(data.weights, region.data) : null;
  const mw = mc.weights ? pick(mc.weights, region.mc) : null;
  // One sort per sample serves the range, KS and Wasserstein.
  const sd = sortSample(d, dw), ss = sortSample(s, mw), sc = c ? sortSample(c, mw) : null;
  const [lo, hi] = xrange ?? rangeFor(sc ? [sd, ss, sc] : [sd, ss], logy);
  const edges = uniformEdges(lo, hi, o.bins);
  const hd = histogram(d, edges, dw, { clamp: true });
  const norm = (h: Hist) => { const t = histTotal(h); return t > 0 ? scaleHist(h, histTotal(hd) / t) : h; };
  const hs = norm(histogram(s, edges, mw, { clamp: true }));
  const hc = c ? norm(histogram(c, edges, mw, { clamp: true })) : null;
  const ks = { before: ksDistanceSorted(sd, ss), after: sc ? ksDistanceSorted(sd, sc) : null };
  const w1 = { before: wasserstein1Sorted(sd, ss), after: sc ? wasserstein1Sorted(sd, sc) : null };
  const chi = { before: chi2Histograms(hd, hs), after: hc ? chi2Histograms(hd, hc) : null };
  const fig = comparisonFigure({
    edges, title: `${title}`, xlabel: title, logy,
    data: { values: hd.sumw, errors: histErrors(hd) },
    sim: { values: hs.sumw, errors: histErrors(hs) },
    corrected: hc ? { values: hc.sumw, errors: histErrors(hc) } : undefined,
    notes: [region.label, `KS ${fmt(ks.before, 3)}${ks.after !== null ? ` → ${fmt(ks.after, 3)}` : ''}`],
  });
  const figure = await ctx.save(`${name}_${region.name}`, renderFigure(fig), `${title}, ${region.label}`);
  return {
    figure,
    ks, w1,
    chi2ndf: { before: chi.before.chi2 / Math.max(1, chi.before.ndf), after: chi.after ? chi.after.chi2 / Math.max(1, chi.after.ndf) : null },
  };
}

/** Per variable and region: the histogram figure and KS, W1, chi2/ndf before and after. */
async function histogramSection(ctx: ReportContext, plan: Plan, regions: Region[], log: (s: string) => void): Promise<{ metrics: VarMetrics[]; figures: PageFigure[] }> {
  const { data, mc } = ctx;
  const metrics: VarMetrics[] = [];
  const figures: PageFigure[] = [];
  for (const v of plan.vars) {
    log(`histograms: ${v.name}`);
    for (const region of regions) {
      const d = pick(data.columns.get(v.name)!, region.data);
      const s = pick(mc.columns.get(v.name)!, region.mc);
      const c = v.corr ? pick(mc.columns.get(v.corr)!, region.mc) : null;
      if (d.length === 0 || s.length === 0) continue;
      const r = await compare(ctx, v.name, v.name, region, d, s, c, v.log);
      figures.push(r.figure);
      metrics.push({
        variable: v.name, region: region.name, corrected: !!c,
        ks: { before: r4(r.ks.before), after: r.ks.after === null ? null : r4(r.ks.after) },
        wasserstein: { before: r4(r.w1.before), after: r.w1.after === null ? null : r4(r.w1.after) },
        chi2ndf: { before: r4(r.chi2ndf.before), after: r.chi2ndf.after === null ? null : r4(r.chi2ndf.after) },
      });
    }
  }
  return { metrics, figures };
}

/** mvaID before/after: the analysis' headline plot. */
async function mvaidSection(ctx: ReportContext, mva: MvaidSource, values: MvaidValues | null, regions: Region[]): Promise<{ summary: ValidateSummary['mvaid']; figures: PageFigure[] }> {
  let summary: ValidateSummary['mvaid'] = null;
  const figures: PageFigure[] = [];
  if (!values) return { summary, figures };
  const mv = mva.column;
  for (const region of regions) {
    const d = pick(values.data, region.data), s = pick(values.mc, region.mc), c = values.corrected ? pick(values.corrected, region.mc) : null;
    if (d.length === 0 || s.length === 0) continue;
    const r = await compare(ctx, 'mvaID', `${mv}${mva.source === 'bundle' ? ' (re-evaluated)' : ''}`, region, d, s, c, false, [-1, 1]);
    figures.push(r.figure);
    if (region.name === 'all') summary = { source: mva.source === 'bundle' ? `re-evaluated with ${mva.evaluator!.name}` : `columns ${mv}, ${mv}${ctx.o.suffix}`, ks: { before: r4(r.ks.before), after: r.ks.after === null ? null : r4(r.ks.after) } };
  }
  return { summary, figures };
}

/** Profiles: median and 25/75% quantiles of each variable versus pt, eta, phi, rho. */
async function profileSection(ctx: ReportContext, plan: Plan): Promise<PageFigure[]> {
  const { data, mc } = ctx;
  const figures: PageFigure[] = [];
  const dw = data.weights, mw = mc.weights;
  for (const pv of plan.profileVars) {
    const dx = data.columns.get(pv)!, mx = mc.columns.get(pv)!;
    const edges = quantileEdges(dx, 10, dw);
    if (edges.length < 3) continue;
    for (const v of plan.vars) {
      const qs = [0.25, 0.5, 0.75];
      const pd = binnedQuantiles(dx, data.columns.get(v.name)!, edges, qs, dw);
      const ps = binnedQuantiles(mx, mc.columns.get(v.name)!, edges, qs, mw);
      const pc = v.corr ? binnedQuantiles(mx, mc.columns.get(v.corr)!, edges, qs, mw) : null;
      const series = [
        { label: 'Simulation', color: ROLE.sim, median: ps.quantiles[1], q25: ps.quantiles[0], q75: ps.quantiles[2] },
        ...(pc ? [{ label: 'Corrected simulation', color: ROLE.corrected, median: pc.quantiles[1], q25: pc.quantiles[0], q75: pc.quantiles[2] }] : []),
        { label: 'Data', color: ROLE.data, median: pd.quantiles[1], q25: pd.quantiles[0], q75: pd.quantiles[2], dashed: true },
      ];
      const svg = renderFigure(profileFigure({ edges, series, xlabel: pv, ylabel: `${v.name}: median, 25–75%`, title: `${v.name} vs ${pv}` }));
      figures.push(await ctx.save(`profile_${v.name}_vs_${pv}`, svg, `${v.name} versus ${pv}`));
    }
  }
  return figures;
}

/** Correlation matrices and their differences (x100), per region. */
async function correlationSection(ctx: ReportContext, plan: Plan, regions: Region[]): Promise<{ correlations: ValidateSummary['correlations']; figures: PageFigure[] }> {
  const { data, mc } = ctx;
  const dw = data.weights, mw = mc.weights;
  const correlations: ValidateSummary['correlations'] = {};
  const figures: PageFigure[] = [];
  const labels = plan.vars.map((v) => v.name.slice(plan.prefix.length));
  if (plan.vars.length < 2) return { correlations, figures };
  for (const region of regions) {
    if (region.data.length < 3 || region.mc.length < 3) continue;
    const cd = correlationMatrix(plan.vars.map((v) => pick(data.columns.get(v.name)!, region.data)), dw ? pick(dw, region.data) : null);
    const rw = mw ? pick(mw, region.mc) : null;
    const cs = correlationMatrix(plan.vars.map((v) => pick(mc.columns.get(v.name)!, region.mc)), rw);
    const cc = correlationMatrix(plan.vars.map((v) => pick(mc.columns.get(v.corr ?? v.name)!, region.mc)), rw);
    const db = correlationDifference(cd, cs), da = correlationDifference(cd, cc);
    correlations[region.name] = { meanAbsDiffBefore: r4(db.meanAbs * 100), meanAbsDiffAfter: r4(da.meanAbs * 100) };
    // Both difference maps share one colour scale so that before/after compare by eye.
    let dmax = 0;
    for (const m of [db.diff, da.diff]) for (const row of m) for (const v of row) if (Number.isFinite(v)) dmax = Math.max(dmax, Math.abs(v));
    const heat = (m: Float64Array[], title: string, name: string, diff: boolean) => ctx.save(`corr_${name}_${region.name}`,
      renderHeatmap({ matrix: m, rowLabels: labels, title: `${title} (${region.label})`, valueScale: 100, decimals: diff ? 1 : 0, zlim: diff ? [-(dmax || 1), dmax || 1] : [-1, 1] }), `${title}, ${region.label}`);
    figures.push(await heat(cd, 'Correlation ×100, data', 'data', false));
    figures.push(await heat(cs, 'Correlation ×100, simulation', 'sim', false));
    figures.push(await heat(cc, 'Correlation ×100, corrected simulation', 'corrected', false));
    figures.push(await heat(db.diff, `Data − simulation ×100 (mean |Δ| ${fmt(db.meanAbs * 100, 2)})`, 'diff_sim', true));
    figures.push(await heat(da.diff, `Data − corrected simulation ×100 (mean |Δ| ${fmt(da.meanAbs * 100, 2)})`, 'diff_corrected', true));
  }
  return { correlations, figures };
}

/** Classifier two-sample test on all variables, p-value from bootstrap toys (two halves of data). */
function classifierSection(o: ValidateOptions, plan: Plan, data: LoadedSample, mc: LoadedSample, log: (s: string) => void): ValidateSummary['classifier'] {
  if (o.toys < 0) return null;
  log(`classifier two-sample test (${o.toys} bootstrap toys)`);
  const sample = (s: LoadedSample, cols: string[]): Sample => ({ columns: cols.map((c) => s.columns.get(c)!), weights: s.weights });
  const dSample = sample(data, plan.vars.map((v) => v.name));
  const opts = { seed: o.seed, maxRows: o.classifierRows };
  const before = classifierTwoSampleTest(dSample, sample(mc, plan.vars.map((v) => v.name)), opts);
  const anyCorr = plan.vars.some((v) => v.corr);
  const after = anyCorr ? classifierTwoSampleTest(dSample, sample(mc, plan.vars.map((v) => v.corr ?? v.name)), opts) : null;
  // Toys depend on the data only, so one set serves both p-values.
  const boot = bootstrapPValue(before.auc, dSample, (x, y, seed) => classifierTwoSampleTest(x, y, { ...opts, seed }).auc, { toys: o.toys, seed: o.seed });
  const p = (auc: number) => (boot.toys.length ? (1 + boot.toys.filter((t) => t >= auc).length) / (1 + boot.toys.length) : NaN);
  const nums = (r: typeof before): ClassifierNumbers => ({ auc: r4(r.auc), pValue: r4(p(r.auc)), toys: boot.toys.map(r4), nTrain: r.nTrain, nTest: r.nTest });
  return { before: nums(before), after: after ? nums(after) : null };
}

/** The report page: numbers first, then mvaID, histograms, profiles and correlation matrices. */
function pageSections(o: ValidateOptions, summary: ValidateSummary, figures: { histograms: PageFigure[]; mvaid: PageFigure[]; profiles: PageFigure[]; correlations: PageFigure[] }): PageSection[] {
  const { metrics, classifier, correlations, mvaid } = summary;
  const sections: PageSection[] = [];
  const cls = (before: number, after: number | null) => (after === null ? '' : after < before ? 'good' : 'bad');
  const metricRows = metrics.map((m) => [esc(m.variable), m.region,
    fmt(m.ks.before), `<span class="${cls(m.ks.before, m.ks.after)}">${fmt(m.ks.after)}</span>`, m.ks.after === null ? '–' : fmt(m.ks.after / m.ks.before, 3),
    fmt(m.wasserstein.before), fmt(m.wasserstein.after), fmt(m.chi2ndf.before, 2), fmt(m.chi2ndf.after, 2)]);
  const metricTable = table(['variable', 'region', 'KS before', 'KS after', 'after/before', 'W<sub>1</sub> before', 'W<sub>1</sub> after', 'χ²/ndf before', 'χ²/ndf after'], metricRows);
  const clsRows = classifier ? [['simulation vs data', fmt(classifier.before.auc), fmt(classifier.before.pValue, 3)], ...(classifier.after ? [['corrected simulation vs data', fmt(classifier.after.auc), fmt(classifier.after.pValue, 3)]] : [])] : [];
  const corrRows = Object.entries(correlations).map(([r, c]) => [r, fmt(c.meanAbsDiffBefore, 3), fmt(c.meanAbsDiffAfter, 3)]);
  sections.push({
    id: 'numbers', title: 'Numbers', figures: [],
    intro: `Distances between data and simulation before and after correction (smaller is better). Mean KS after / mean KS before over corrected variables: <b>${fmt(summary.meanKsRatio, 3)}</b>.`,
    html: metricTable
      + (classifier ? `<h3>Classifier two-sample test</h3><p>ROC AUC of boosted trees trained to separate data from simulation on all variables (held-out half; 0.5 = indistinguishable). p-value from ${o.toys} bootstrap toys: the AUC between two random halves of data.</p>${table(['comparison', 'AUC', 'p-value'], clsRows)}<p>Toy AUCs: ${classifier.before.toys.map((t) => fmt(t, 3)).join(', ')}</p>` : '')
      + (corrRows.length ? `<h3>Correlations</h3>${table(['region', 'mean |Δ corr| ×100 before', 'after'], corrRows)}` : ''),
  });
  if (figures.mvaid.length) sections.push({ id: 'mvaid', title: 'Photon mvaID', intro: `mvaID distributions (${esc(mvaid?.source ?? '')}); KS ${fmt(mvaid?.ks.before)} → ${fmt(mvaid?.ks.after ?? null)}.`, figures: figures.mvaid });
  sections.push({ id: 'histograms', title: 'Histograms', intro: 'Simulation (filled), corrected simulation (orange) and data (points), simulation normalised to data; ratio pad data/simulation.', figures: figures.histograms });
  if (figures.profiles.length) sections.push({ id: 'profiles', title: 'Profiles', intro: 'Median (line) and 25–75% quantile band in bins of equal data population.', figures: figures.profiles });
  if (figures.correlations.length) sections.push({ id: 'correlations', title: 'Correlation matrices', figures: figures.correlations });
  return sections;
}

function writeReport(o: ValidateOptions, summary: ValidateSummary, sections: PageSection[]): void {
  writeFileSync(join(o.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(join(o.out, 'summary.md'), markdownSummary(summary));
  writeFileSync(join(o.out, 'index.html'), renderPage(summary, sections));
}

export function markdownSummary(s: ValidateSummary): string {
  const lines = ['# ntcorr validation summary', '', `Data: ${s.data.rows} events; simulation: ${s.mc.rows} events.`, ''];
  lines.push('| variable | region | KS before | KS after | W1 before | W1 after | chi2/ndf before | chi2/ndf after |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const m of s.metrics) lines.push(`| ${m.variable} | ${m.region} | ${fmt(m.ks.before)} | ${fmt(m.ks.after)} | ${fmt(m.wasserstein.before)} | ${fmt(m.wasserstein.after)} | ${fmt(m.chi2ndf.before, 2)} | ${fmt(m.chi2ndf.after, 2)} |`);
  lines.push('', `Mean KS after / mean KS before: ${fmt(s.meanKsRatio, 3)}`);
  if (s.classifier) lines.push('', `Classifier AUC: before ${fmt(s.classifier.before.auc)} (p ${fmt(s.classifier.before.pValue, 3)}), after ${fmt(s.classifier.after?.auc ?? null)} (p ${fmt(s.classifier.after?.pValue ?? null, 3)})`);
  if (s.mvaid) lines.push('', `mvaID (${s.mvaid.source}): KS ${fmt(s.mvaid.ks.before)} → ${fmt(s.mvaid.ks.after)}`);
  for (const [r, c] of Object.entries(s.correlations)) lines.push(`Correlations (${r}): mean |Δ|×100 ${fmt(c.meanAbsDiffBefore, 3)} → ${fmt(c.meanAbsDiffAfter, 3)}`);
  if (s.notes.length) lines.push('', ...s.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
