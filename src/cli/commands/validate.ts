import type { CommandModule } from 'yargs';
import { commandLine, quietOption, seedOption, treeOption } from '../options.js';

interface ValidateArgs {
  data: string[];
  mc: string[];
  weights?: string;
  'data-weights'?: string;
  vars?: string[];
  suffix: string;
  out: string;
  where?: string;
  'region-var'?: string;
  'profile-vars'?: string[];
  'mvaid-model'?: string;
  reweight?: string[];
  'reweight-bins': number;
  bins: number;
  toys: number;
  'classifier-rows': number;
  'max-events': number;
  seed: number;
  png: boolean;
  quiet: boolean;
  tree?: string;
}

const list = (v: unknown) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * `ntcorr validate --data <globs> --mc <globs>`: closure report of simulation, corrected simulation (`*_corr`
 * columns) and data: histograms with ratio pads, profiles, correlation matrices, mvaID, numbers, index.html.
 */
export const command: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Compare data, simulation and corrected simulation: plots, KS/Wasserstein/chi2, classifier AUC, index.html report',
  builder: (y) =>
    y
      .option('data', { type: 'string', array: true, demandOption: true, describe: 'Data files or globs' })
      .option('mc', { type: 'string', array: true, demandOption: true, describe: 'Simulation files or globs, carrying the corrected columns (<var>_corr, from ntcorr apply)' })
      .option('weights', { alias: 'w', type: 'string', describe: 'Event-weight column of the simulation (normalised to the data yield in every plot)' })
      .option('data-weights', { type: 'string', describe: 'Event-weight column of data (default: unweighted)' })
      .option('vars', { type: 'string', array: true, describe: 'Variables to compare (raw names, comma- or space-separated); default: every column with a _corr partner' })
      .option('suffix', { type: 'string', default: '_corr', describe: 'Suffix of corrected columns' })
      .option('out', { alias: 'o', type: 'string', default: 'report', describe: 'Report folder (index.html, plots/, summary.json, summary.md)' })
      .option('where', { type: 'string', describe: 'Selection applied to both samples, e.g. "80 < mass < 100 and probe_pt > 25"' })
      .option('region-var', { type: 'string', describe: 'Barrel/endcap split |x| < 1.5 (default <prefix>ScEta)' })
      .option('profile-vars', { type: 'string', array: true, describe: 'x variables of profile plots (default <prefix>pt, <prefix>ScEta, <prefix>phi, fixedGridRhoAll)' })
      .option('mvaid-model', { type: 'string', describe: 'XGBoost bundle to re-evaluate mvaID when <prefix>mvaID_corr is absent (default models/photon-mvaid-run3)' })
      .option('reweight', { type: 'string', array: true, describe: 'Reweight simulation to data in these variables first, e.g. probe_pt,probe_ScEta,fixedGridRhoAll (as flow training does)' })
      .option('reweight-bins', { type: 'number', default: 8, describe: 'Equal-population bins per reweighting variable' })
      .option('bins', { type: 'number', default: 40, describe: 'Histogram bins' })
      .option('toys', { type: 'number', default: 10, describe: 'Bootstrap toys for the classifier-test p-value (-1: skip the classifier test)' })
      .option('classifier-rows', { type: 'number', default: 20_000, describe: 'Events per sample used by the classifier test (seeded subsample)' })
      .option('max-events', { type: 'number', default: 2_000_000, describe: 'Events read per sample at most (first events in file order)' })
      .option('seed', seedOption({ default: 12345, describe: 'Seed of the classifier test and its toys' }))
      .option('png', { type: 'boolean', default: true, describe: 'Also write PNG copies of the plots (--no-png: SVG only)' })
      .option('quiet', quietOption('No progress lines'))
      .option('tree', treeOption())
      .example('ntcorr validate --data samples/zee_data.parquet --mc corrected/zee_mc.parquet -w weight -o report/', 'Full report for every corrected variable')
      .example('ntcorr validate --data "data/*.parquet" --mc "mc/*.parquet" --vars probe_r9,probe_sieie --where "80 < mass < 100"', 'Two variables in the Z window')
      .example('ntcorr validate --data d.parquet --mc m.parquet --toys 50 --classifier-rows 100000', 'A more precise classifier-test p-value'),
  handler: async (argv) => {
    const { runValidate } = await import('../../validate/run.js');
    const quiet = argv.quiet;
    const summary = await runValidate({
      data: argv.data, mc: argv.mc, weights: argv.weights, dataWeights: argv['data-weights'], vars: list(argv.vars), suffix: argv.suffix,
      out: argv.out, where: argv.where, regionVar: argv['region-var'], profileVars: list(argv['profile-vars']), mvaidModel: argv['mvaid-model'],
      reweight: list(argv.reweight), reweightBins: argv['reweight-bins'],
      bins: argv.bins, toys: argv.toys, classifierRows: argv['classifier-rows'], maxEvents: argv['max-events'], seed: argv.seed,
      png: argv.png, quiet, tree: argv.tree, command: commandLine(),
    }, quiet ? undefined : (s) => console.error(s));
    const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));
    console.log(`report: ${argv.out}/index.html (${summary.plots.length} plot files)`);
    console.log(`mean KS after / mean KS before: ${fmt(summary.meanKsRatio)}`);
    if (summary.classifier) console.log(`classifier AUC: ${fmt(summary.classifier.before.auc)} (p ${fmt(summary.classifier.before.pValue)}) -> ${fmt(summary.classifier.after?.auc)} (p ${fmt(summary.classifier.after?.pValue)})`);
    if (summary.mvaid) console.log(`mvaID KS: ${fmt(summary.mvaid.ks.before)} -> ${fmt(summary.mvaid.ks.after)}`);
    for (const n of summary.notes) console.log(`note: ${n}`);
    process.exitCode = 0;
  },
};
