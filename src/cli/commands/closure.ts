import type { CommandModule } from 'yargs';
import { backendOption, quietOption, seedOption, threadsOption, treeOption } from '../options.js';

interface ClosureArgs {
  model: string;
  data: string[];
  mc: string[];
  where?: string;
  'mc-weight'?: string;
  collections?: string[];
  tree?: string;
  reweight: string[];
  'reweight-bins': number;
  seed: number;
  'classifier-events': number;
  plots: boolean;
  out: string;
  backend: string;
  threads: number;
  json: boolean;
  quiet: boolean;
}

/**
 * `ntcorr closure`: how well does a flow bundle make simulation look like data, on any files? Per-variable
 * KS / Wasserstein before and after, classifier AUC before and after, histograms with ratio pads, and a
 * Markdown + JSON summary. Heavy modules load inside the handler.
 */
export const command: CommandModule<object, ClosureArgs> = {
  command: 'closure',
  describe: 'Closure of a flow correction: data vs simulation before/after (KS, Wasserstein, classifier AUC, plots)',
  builder: (y) =>
    y
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Flow bundle folder' })
      .option('data', { type: 'string', array: true, demandOption: true, describe: 'Data files or globs' })
      .option('mc', { type: 'string', array: true, demandOption: true, describe: 'Simulation files or globs (uncorrected; the bundle corrects them)' })
      .option('where', { type: 'string', describe: 'Selection for both samples, e.g. "80 < mass < 100 and abs(probe_ScEta) < 1.4442"' })
      .option('mc-weight', { type: 'string', describe: 'Simulation event-weight column (e.g. weight)' })
      .option('collections', { type: 'string', array: true, describe: 'Only these collection prefixes of the bundle (e.g. probe_)' })
      .option('tree', treeOption())
      .option('reweight', { type: 'string', array: true, default: [], describe: 'Reweight simulation to data in these conditions first (e.g. pt ScEta fixedGridRhoAll)' })
      .option('reweight-bins', { type: 'number', default: 10, describe: 'Equal-population bins per reweighting variable' })
      .option('seed', seedOption({ default: 12345, describe: 'Seed of the isolation smearing (12345 = apply\'s default, so values equal apply\'s)' }))
      .option('classifier-events', { type: 'number', default: 50000, describe: 'Rows per sample for the classifier two-sample test' })
      .option('plots', { type: 'boolean', default: true, describe: 'Write histograms (SVG + PNG); --no-plots skips them' })
      .option('out', { alias: 'o', type: 'string', default: 'closure-report', describe: 'Output folder (closure.md, closure.json, hist_*.svg/png)' })
      .option('backend', backendOption())
      .option('threads', threadsOption({ default: 2, describe: 'Compute threads (cores) for the correction (the values do not depend on it)' }))
      .option('json', { type: 'boolean', default: false, describe: 'Print the JSON summary instead of the Markdown table' })
      .option('quiet', quietOption('No progress lines on stderr'))
      .example('ntcorr closure -m models/zee-flow --data samples/zee_data.parquet --mc samples/zee_mc.parquet --mc-weight weight', 'Closure of the bundled flow on the samples')
      .example('ntcorr closure -m models/zee-flow --data "data/*.parquet" --mc "mc/*.parquet" --where "abs(probe_ScEta) < 1.4442" --collections probe_ --reweight pt ScEta fixedGridRhoAll -o closure-barrel', 'Barrel probes only, simulation reweighted to data in pt, eta, rho'),
  handler: async (argv) => {
    const { initBackend } = await import('../../compute/backend.js');
    const { closureOnFiles } = await import('../../train/flow/closure-files.js');
    const { closureMarkdown } = await import('../../train/flow/closure.js');
    await initBackend(argv.backend);
    const report = await closureOnFiles({
      model: argv.model,
      data: argv.data,
      mc: argv.mc,
      where: argv.where,
      mcWeight: argv['mc-weight'],
      collections: argv.collections,
      tree: argv.tree,
      reweight: argv.reweight,
      reweightBins: argv['reweight-bins'],
      seed: argv.seed,
      classifierRows: argv['classifier-events'],
      plots: argv.plots,
      out: argv.out,
      backend: argv.backend,
      threads: argv.threads,
      log: argv.quiet ? () => {} : (s) => console.error(s),
    });
    console.log(argv.json ? JSON.stringify(report.summary, null, 2) : closureMarkdown(report.summary, argv.model));
    console.error(`report written to ${report.dir}`);
    process.exitCode = 0;
  },
};
