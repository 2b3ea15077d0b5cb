import type { CommandModule } from 'yargs';
import { commandLine, treeOption } from '../options.js';
import type { WeightErrors } from '../../fit/fit-run.js';

interface Args {
  model: string;
  data: string[];
  column?: string;
  where?: string;
  weight?: string;
  weightErrors: string;
  tree?: string;
  binned?: number;
  minos: boolean;
  strategy: number;
  tol: number;
  hesse: string;
  out?: string;
  bins: number;
  plot: boolean;
  sweights: boolean;
  sweightsPrefix: string;
  waitLock: number;
}

/** `ntcorr fit`: one maximum-likelihood fit of a model YAML to a column of a parquet/ROOT file. */
export const command: CommandModule<object, Args> = {
  command: 'fit',
  describe: 'Fit a model (YAML) to a column of a parquet or ROOT file: table, JSON, plot',
  builder: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'Model YAML (see examples/fit/)' })
      .option('data', { type: 'string', array: true, demandOption: true, describe: 'Parquet or ROOT file; simultaneous models: CAT=FILE[:COLUMN] once per category' })
      .option('column', { type: 'string', describe: 'Column holding the observable (default for every category; required unless each --data names one)' })
      .option('where', { type: 'string', describe: 'Selection expression, e.g. "nJets >= 2 and abs(eta) < 2.5"' })
      .option('weight', { type: 'string', describe: 'Per-event weight column (weighted unbinned NLL)' })
      .option('weight-errors', { choices: ['asymptotic', 'sumw2', 'none'], default: 'asymptotic', describe: 'Weighted fits: asymptotically correct covariance H^-1 (sum w^2 g g^T) H^-1 (Langenbruch 2022), RooFit SumW2Error V H2 V, or the plain inverse Hessian' })
      .option('tree', treeOption())
      .option('binned', { type: 'number', describe: 'Binned Poisson fit with this many bins (default unbinned)' })
      .option('minos', { type: 'boolean', default: false, describe: 'Also compute MINOS asymmetric errors' })
      .option('strategy', { type: 'number', choices: [0, 1, 2], default: 1, describe: 'Minuit strategy' })
      .option('tol', { type: 'number', default: 0.1, describe: 'Minuit tolerance (EDM < 0.002 tol errordef)' })
      .option('hesse', { choices: ['auto', 'minuit', 'gradient', 'analytic'], default: 'auto', describe: 'HESSE method: gradient differences (auto with analytic gradients), Minuit\'s function-value algorithm, or exact second derivatives' })
      .option('out', { alias: 'o', type: 'string', describe: 'Output prefix: PREFIX.json and PREFIX.svg/.png (default: fit next to the model name)' })
      .option('bins', { type: 'number', default: 60, describe: 'Bins in the plot' })
      .option('sweights', { type: 'boolean', default: false, describe: 'Write sPlot sWeights (one float64 column per component, NaN for rows not fitted) into the data file in place' })
      .option('sweights-prefix', { type: 'string', default: 'sw_', describe: 'Name prefix of the sWeight columns (PREFIX + component name)' })
      .option('wait-lock', { type: 'number', default: 0, describe: 'With --sweights: seconds to wait for another ntcorr run\'s lock on the data file (default 0: fail at once)' })
      .option('plot', { type: 'boolean', default: true, describe: 'Write the plot (--no-plot to skip)' })
      .example('$0 fit --model examples/fit/gauss-exp.yaml --data b2jpsik.parquet --column mass', 'unbinned extended fit')
      .example('$0 fit --model m.yaml --data f.root --tree Events --column mass --where "pt > 20" --minos --out results/mass', 'with selection and MINOS')
      .example('$0 fit --model examples/fit/sim-2cat.yaml --data ee=ee.parquet:mass --data mm=mm.parquet:mass_mm', 'simultaneous fit of two categories') as never,
  handler: async (a) => {
    const { buildModel, readModelDoc } = await import('../../fit/model.js');
    const { readFitData } = await import('../../fit/data.js');
    const { fitModel, fitReportJson, fitProvenance, formatFitTable } = await import('../../fit/fit-run.js');
    const { fitFigureSvg } = await import('../../fit/fit-plot.js');
    const { savePlot } = await import('../../plot/index.js');
    const { writeFileAtomic } = await import('../../core/atomic.js');
    const { NtcorrError } = await import('../../core/errors.js');
    const { basename } = await import('node:path');
    const { modelCategories } = await import('../../fit/model.js');
    const { parseDataSpecs } = await import('../../fit/data.js');
    const { resolveModelFiles } = await import('../../fit/data.js');
    const model = buildModel(await resolveModelFiles(readModelDoc(a.model), a.model), a.model);
    const cats = modelCategories(model);
    const specs = parseDataSpecs(a.data, model, a.column);
    const sim = model.categories !== undefined;
    if (a.sweights && sim) throw new NtcorrError(`${a.model}: --sweights of a simultaneous model is not supported yet`, { file: a.model });
    if (!(a.waitLock >= 0)) throw new NtcorrError(`--wait-lock must be a number of seconds >= 0 (got ${a.waitLock})`);
    // --sweights rewrites the data file in place: locked like apply --in-place (src/core/lock.ts) from
    // before the rows are read until the rewrite is renamed over it, so a concurrent in-place run can
    // neither lose these columns nor change the rows between the fit and the write.
    // (a missing file has nothing to lock: reading it below says so)
    const lock = a.sweights && (await import('node:fs')).existsSync(specs[0].file) ? await (await import('../../core/lock.js')).lockFile(specs[0].file, { waitSeconds: a.waitLock, onWait: (m) => console.error(m) }) : undefined;
    try {
    const datasets: Array<Awaited<ReturnType<typeof readFitData>>> = [];
    for (let k = 0; k < cats.length; k++) {
      const { lo, hi } = cats[k].observable;
      const sp = specs[k];
      const d = await readFitData(sp.file, sp.column, [lo, hi], { where: a.where, weight: a.weight, tree: a.tree });
      if (d.xs.length === 0) throw new NtcorrError(`${sp.file}: no events of "${sp.column}" inside [${lo}, ${hi}]${a.where ? ` passing "${a.where}"` : ''}${cats[k].category ? ` (category ${cats[k].category})` : ''}`, { file: sp.file, column: sp.column });
      datasets.push(d);
    }
    const rep = fitModel(model, sim ? datasets.map((d) => d.xs) : datasets[0].xs, {
      strategy: a.strategy as 1, tol: a.tol, hesseMode: a.hesse as 'auto', binned: a.binned, weightErrors: a.weightErrors as WeightErrors,
      weights: sim ? datasets.map((d) => d.weights) : datasets[0].weights, minos: a.minos ? 'all' : undefined,
    });
    datasets.forEach((d, k) => console.log(`${cats[k].category ? `[${cats[k].category}] ` : ''}${specs[k].file}: ${d.rows} rows, ${d.selected} selected, ${d.outOfRange} outside the range, ${d.xs.length} fitted${a.binned ? ` (binned, ${a.binned} bins)` : ''}`));
    console.log(formatFitTable(model, rep));
    const prefix = a.out ?? `fit-${basename(a.model).replace(/\.ya?ml$/, '')}`;
    const command = commandLine();
    const events = (d: (typeof datasets)[number]) => ({ rows: d.rows, selected: d.selected, out_of_range: d.outOfRange, fitted: d.xs.length });
    const json = fitReportJson(model, rep, {
      model: a.model,
      ...(sim
        ? { categories: Object.fromEntries(cats.map((c, k) => [c.category, { data: specs[k].file, column: specs[k].column, events: events(datasets[k]) }])) }
        : { data: specs[0].file, column: specs[0].column, events: events(datasets[0]) }),
      where: a.where ?? null, weight: a.weight ?? null, binned: a.binned ?? null,
      provenance: fitProvenance(a.model, command),
    });
    await writeFileAtomic(`${prefix}.json`, JSON.stringify(json, null, 2));
    const written = [`${prefix}.json`];
    if (a.plot) {
      for (let k = 0; k < cats.length; k++) {
        const d = datasets[k];
        const name = sim ? `${prefix}_${cats[k].category}` : prefix;
        const title = `${specs[k].column} in ${basename(specs[k].file)}${sim ? ` (${cats[k].category})` : ''}`;
        const saved = await savePlot(name, fitFigureSvg(cats[k], rep.result.values, d.xs, a.bins, title, d.weights));
        written.push(saved.svg, ...(saved.png ? [saved.png] : []));
        if (saved.warning) console.error(`warning: ${saved.warning}`);
      }
    }
    if (a.sweights) {
      const { computeSWeights } = await import('../../fit/splot.js');
      const { writeColumnsInPlace } = await import('../../fit/data.js');
      const { TOOL } = await import('../../core/version.js');
      const sw = computeSWeights(model, rep.result.values, datasets[0].xs);
      const names = sw.names.map((n) => `${a.sweightsPrefix}${n}`);
      const prov = fitProvenance(a.model, command);
      await writeColumnsInPlace(specs[0].file, names, datasets[0].index, sw.weights, {
        ...prov, tool: TOOL, model: a.model, modelHash: String(prov.modelHash), kind: 'sweights', columnsAdded: names, time: new Date().toISOString(), command,
        counts: { rows: datasets[0].rows, fitted: datasets[0].xs.length },
      }, a.tree);
      written.push(`${specs[0].file} (columns ${names.join(', ')})`);
      json.sweights = { columns: names, sums: Object.fromEntries(sw.names.map((n, k) => [n, sw.weights[k].reduce((s, v) => s + v, 0)])), yield_covariance: sw.covariance.map((r) => Array.from(r)) };
      await writeFileAtomic(`${prefix}.json`, JSON.stringify(json, null, 2));
    }
    console.log(`wrote ${written.join(', ')}`);
    if (!rep.result.valid) process.exitCode = 3;
    } finally {
      lock?.release();
    }
  },
};
