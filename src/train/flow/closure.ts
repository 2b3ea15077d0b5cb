import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic.js';
import { classifierTwoSampleTest, histErrors, histogram, ksDistance, uniformEdges, wasserstein1, weightedQuantiles } from '../../stats/index.js';
import { comparisonFigure, renderFigure, savePlot } from '../../plot/index.js';

/**
 * Closure: does the corrected simulation look like data? Per variable, KS and 1-D Wasserstein distances
 * between data and simulation before and after the correction (and their ratio after/before); a
 * classifier two-sample test (held-out ROC AUC of boosted trees separating data from simulation, 0.5 =
 * indistinguishable) on all variables jointly, before and after; histograms with ratio pads; a summary
 * table as Markdown and JSON. Works on plain columns so training (test split) and `ntcorr closure` (any
 * files) share it.
 */
export interface ClosureInput {
  variables: string[];
  data: { x: ArrayLike<number>[]; w: ArrayLike<number> };
  mc: { x: ArrayLike<number>[]; w: ArrayLike<number> };
  /** The same simulated events after correction (same order as mc.x). */
  corrected: ArrayLike<number>[];
}

export interface VariableClosure {
  variable: string;
  ks_before: number;
  ks_after: number;
  ks_ratio: number;
  wasserstein_before: number;
  wasserstein_after: number;
  wasserstein_ratio: number;
}

export interface ClosureSummary {
  variables: VariableClosure[];
  mean_ks_before: number;
  mean_ks_after: number;
  /** mean(KS after) / mean(KS before): the target is <= 0.2. */
  mean_ks_ratio: number;
  auc_before: number;
  auc_after: number;
  events: { data: number; simulation: number; classifier_rows_per_sample: number };
}

/** Non-finite values are ignored by the distances (src/stats); the classifier sees them as missing. */
export function closureMetrics(inp: ClosureInput, opts: { seed: number; classifierRows?: number }): ClosureSummary {
  const vars: VariableClosure[] = inp.variables.map((v, k) => {
    const ksB = ksDistance(inp.data.x[k], inp.mc.x[k], inp.data.w, inp.mc.w);
    const ksA = ksDistance(inp.data.x[k], inp.corrected[k], inp.data.w, inp.mc.w);
    const wB = wasserstein1(inp.data.x[k], inp.mc.x[k], inp.data.w, inp.mc.w);
    const wA = wasserstein1(inp.data.x[k], inp.corrected[k], inp.data.w, inp.mc.w);
    return { variable: v, ks_before: ksB, ks_after: ksA, ks_ratio: ksA / ksB, wasserstein_before: wB, wasserstein_after: wA, wasserstein_ratio: wA / wB };
  });
  const mean = (f: (v: VariableClosure) => number) => vars.reduce((s, v) => s + f(v), 0) / vars.length;
  const rows = opts.classifierRows && opts.classifierRows > 0 ? opts.classifierRows : 50_000;
  // The classifier sees every variable at once: it catches wrong correlations that 1-D distances miss.
  const before = classifierTwoSampleTest({ columns: inp.data.x, weights: inp.data.w }, { columns: inp.mc.x, weights: inp.mc.w }, { seed: opts.seed, maxRows: rows });
  const after = classifierTwoSampleTest({ columns: inp.data.x, weights: inp.data.w }, { columns: inp.corrected, weights: inp.mc.w }, { seed: opts.seed, maxRows: rows });
  const mB = mean((v) => v.ks_before);
  const mA = mean((v) => v.ks_after);
  return {
    variables: vars,
    mean_ks_before: mB,
    mean_ks_after: mA,
    mean_ks_ratio: mA / mB,
    auc_before: before.auc,
    auc_after: after.auc,
    events: { data: inp.data.w.length, simulation: inp.mc.w.length, classifier_rows_per_sample: rows },
  };
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));

/** The summary as a Markdown table (README/issue-ready). */
export function closureMarkdown(s: ClosureSummary, title: string): string {
  const lines = [
    `# Closure: ${title}`,
    '',
    `Data ${s.events.data} events, simulation ${s.events.simulation} events (weighted).`,
    '',
    '| variable | KS before | KS after | after/before | W1 before | W1 after | after/before |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...s.variables.map((v) => `| ${v.variable} | ${f4(v.ks_before)} | ${f4(v.ks_after)} | ${f4(v.ks_ratio)} | ${f4(v.wasserstein_before)} | ${f4(v.wasserstein_after)} | ${f4(v.wasserstein_ratio)} |`),
    `| **mean** | ${f4(s.mean_ks_before)} | ${f4(s.mean_ks_after)} | **${f4(s.mean_ks_ratio)}** | | | |`,
    '',
    `Classifier two-sample test (boosted trees, held-out ROC AUC; 0.5 = indistinguishable): before ${f4(s.auc_before)}, after ${f4(s.auc_after)}.`,
    '',
  ];
  return lines.join('\n');
}

/** Writes closure.json, closure.md and (optionally) one histogram with ratio pad per variable into `dir`. */
export async function writeClosure(dir: string, s: ClosureSummary, inp: ClosureInput, opts: { title: string; plots: boolean; extra?: Record<string, unknown> }): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  await writeFileAtomic(join(dir, 'closure.json'), JSON.stringify({ ...opts.extra, ...s }, null, 2) + '\n');
  await writeFileAtomic(join(dir, 'closure.md'), closureMarkdown(s, opts.title));
  written.push(join(dir, 'closure.json'), join(dir, 'closure.md'));
  if (!opts.plots) return written;
  for (let k = 0; k < inp.variables.length; k++) {
    // Range from the 0.5%-99.5% quantiles of data, so a few outliers do not squash the plot.
    const q = weightedQuantiles(inp.data.x[k], [0.005, 0.995], inp.data.w);
    let [lo, hi] = [q[0], q[1]];
    if (!(hi > lo)) [lo, hi] = [lo - 0.5, lo + 0.5];
    const edges = uniformEdges(lo, hi, 40);
    // Simulation weights are normalised to the data count upstream, so the histograms compare directly.
    const hd = histogram(inp.data.x[k], edges, inp.data.w, { clamp: true });
    const hs = histogram(inp.mc.x[k], edges, inp.mc.w, { clamp: true });
    const hc = histogram(inp.corrected[k], edges, inp.mc.w, { clamp: true });
    const v = s.variables[k];
    const fig = comparisonFigure({
      edges,
      data: { values: hd.sumw, errors: histErrors(hd) },
      sim: { values: hs.sumw, errors: histErrors(hs) },
      corrected: { values: hc.sumw, errors: histErrors(hc) },
      title: `${opts.title}: ${v.variable}`,
      xlabel: v.variable,
      notes: [`KS ${f4(v.ks_before)} → ${f4(v.ks_after)}`, `W1 ${f4(v.wasserstein_before)} → ${f4(v.wasserstein_after)}`],
    });
    const saved = await savePlot(join(dir, `hist_${v.variable}`), renderFigure(fig));
    written.push(saved.svg, ...(saved.png ? [saved.png] : []));
  }
  return written;
}
