import type { CommandModule } from 'yargs';
import { commandLine, treeOption } from '../options.js';

interface Args {
  model: string;
  data: string;
  column: string;
  where?: string;
  weight?: string;
  tree?: string;
  binned?: number;
  minos: boolean;
  strategy: number;
  tol: number;
  hesse: string;
  out?: string;
  bins: number;
  plot: boolean;
}

/** `ntcorr fit`: one maximum-likelihood fit of a model YAML to a column of a parquet/ROOT file. */
export const command: CommandModule<object, Args> = {
  command: 'fit',
  describe: 'Fit a model (YAML) to a column of a parquet or ROOT file: table, JSON, plot',
  builder: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'Model YAML (see examples/fit/)' })
      .option('data', { type: 'string', demandOption: true, describe: 'Parquet or ROOT file' })
      .option('column', { type: 'string', demandOption: true, describe: 'Column holding the observable' })
      .option('where', { type: 'string', describe: 'Selection expression, e.g. "nJets >= 2 and abs(eta) < 2.5"' })
      .option('weight', { type: 'string', describe: 'Per-event weight column (weighted unbinned NLL)' })
      .option('tree', treeOption())
      .option('binned', { type: 'number', describe: 'Binned Poisson fit with this many bins (default unbinned)' })
      .option('minos', { type: 'boolean', default: false, describe: 'Also compute MINOS asymmetric errors' })
      .option('strategy', { type: 'number', choices: [0, 1, 2], default: 1, describe: 'Minuit strategy' })
      .option('tol', { type: 'number', default: 0.1, describe: 'Minuit tolerance (EDM < 0.002 tol errordef)' })
      .option('hesse', { choices: ['auto', 'minuit', 'gradient', 'analytic'], default: 'auto', describe: 'HESSE method: gradient differences (auto with analytic gradients), Minuit\'s function-value algorithm, or exact second derivatives' })
      .option('out', { alias: 'o', type: 'string', describe: 'Output prefix: PREFIX.json and PREFIX.svg/.png (default: fit next to the model name)' })
      .option('bins', { type: 'number', default: 60, describe: 'Bins in the plot' })
      .option('plot', { type: 'boolean', default: true, describe: 'Write the plot (--no-plot to skip)' })
      .example('$0 fit --model examples/fit/gauss-exp.yaml --data b2jpsik.parquet --column mass', 'unbinned extended fit')
      .example('$0 fit --model m.yaml --data f.root --tree Events --column mass --where "pt > 20" --minos --out results/mass', 'with selection and MINOS') as never,
  handler: async (a) => {
    const { loadModel } = await import('../../fit/model.js');
    const { readFitData } = await import('../../fit/data.js');
    const { fitModel, fitReportJson, fitProvenance, formatFitTable } = await import('../../fit/fit-run.js');
    const { fitFigureSvg } = await import('../../fit/fit-plot.js');
    const { savePlot } = await import('../../plot/index.js');
    const { writeFileAtomic } = await import('../../core/atomic.js');
    const { NtcorrError } = await import('../../core/errors.js');
    const { basename } = await import('node:path');
    const model = loadModel(a.model);
    const data = await readFitData(a.data, a.column, [model.observable.lo, model.observable.hi], { where: a.where, weight: a.weight, tree: a.tree });
    if (data.xs.length === 0) throw new NtcorrError(`${a.data}: no events of "${a.column}" inside [${model.observable.lo}, ${model.observable.hi}]${a.where ? ` passing "${a.where}"` : ''}`, { file: a.data, column: a.column });
    const rep = fitModel(model, data.xs, { strategy: a.strategy as 1, tol: a.tol, hesseMode: a.hesse as 'auto', binned: a.binned, weights: data.weights, minos: a.minos ? 'all' : undefined });
    console.log(`${a.data}: ${data.rows} rows, ${data.selected} selected, ${data.outOfRange} outside the range, ${data.xs.length} fitted${a.binned ? ` (binned, ${a.binned} bins)` : ''}`);
    console.log(formatFitTable(model, rep));
    const prefix = a.out ?? `fit-${basename(a.model).replace(/\.ya?ml$/, '')}`;
    const command = commandLine();
    const json = fitReportJson(model, rep, {
      model: a.model, data: a.data, column: a.column, where: a.where ?? null, weight: a.weight ?? null, binned: a.binned ?? null,
      events: { rows: data.rows, selected: data.selected, out_of_range: data.outOfRange, fitted: data.xs.length },
      provenance: fitProvenance(a.model, command),
    });
    await writeFileAtomic(`${prefix}.json`, JSON.stringify(json, null, 2));
    const written = [`${prefix}.json`];
    if (a.plot) {
      const saved = await savePlot(prefix, fitFigureSvg(model, rep.result.values, data.xs, a.bins, `${a.column} in ${basename(a.data)}`, data.weights));
      written.push(saved.svg, ...(saved.png ? [saved.png] : []));
      if (saved.warning) console.error(`warning: ${saved.warning}`);
    }
    console.log(`wrote ${written.join(', ')}`);
    if (!rep.result.valid) process.exitCode = 3;
  },
};
