import type { Argv, CommandModule } from 'yargs';
import { availableParallelism } from 'node:os';
import { NtcorrError } from '../../core/errors.js';
import { checkThreads, commandLine, quietOption, seedOption, threadsOption } from '../options.js';

interface Args {
  model?: string;
  N: number;
  seed: number;
  threads?: number;
  /** Deprecated spelling of --threads (it means files in apply). */
  jobs?: number;
  vary: string;
  out?: string;
  strategy: number;
  tol: number;
  plots: boolean;
  quiet: boolean;
  fromFit?: string;
  genValues: string;
  genModel?: string;
  randomizeStart?: string;
  gofBins: number;
  columns: string;
  firstToy: number;
}

/** --randomize-start: a number of errors (> 0) or "limits". */
export function parseRandomizeStart(v: string | undefined): number | 'limits' | undefined {
  if (v === undefined) return undefined;
  if (v === 'limits') return 'limits';
  const n = Number(v);
  if (v.trim() === '' || !(n > 0) || !Number.isFinite(n)) throw new Error(`--randomize-start: expected a number of errors > 0 or "limits", got ${JSON.stringify(v)}`);
  return n;
}

const columnsOption = { choices: ['ntcorr', 'rx'], default: 'ntcorr', describe: 'toys.parquet columns: ntcorr\'s (toy, parameter, value, error, gen, pull, ... gof_pvalue) or the LHCb rx fitter\'s (Parameter, Value, Error, Gen, Toy, GOF, Valid)' } as const;

/** Options that shape a toy study (shared with `ntcorr condor toys`, which passes them to every job). */
export function studyOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('from-fit', { type: 'string', describe: 'Fit result JSON of ntcorr fit: its values generate the toys and start the fits (steps = its errors), matched by name' })
    .option('gen-values', { choices: ['fitted', 'sampled'], default: 'fitted', describe: 'With --from-fit: generate every toy at the fitted values, or at values drawn per toy from the fit covariance (clipped to limits)' })
    .option('gen-model', { type: 'string', describe: 'Generating model YAML when it differs from --model (same categories; parameters matched by name)' })
    .option('randomize-start', { type: 'string', describe: 'Per-toy random start values of the free parameters: N (uniform within ±N errors, clipped to limits) or "limits" (uniform within two-sided limits, else ±3 errors); drawn from the toy\'s own stream' })
    .option('gof-bins', { type: 'number', default: 40, describe: 'Binned chi2 GOF p-value per toy: equal-width bins per category, merged until each expects >= 5 events (0: no GOF)' })
    .option('vary', { choices: ['all', 'signal', 'background', 'none'], default: 'all', describe: 'Which yields are Poisson-fluctuated per toy (roles from the model)' })
    .option('strategy', { type: 'number', choices: [0, 1, 2], default: 1, describe: 'Minuit strategy' })
    .option('tol', { type: 'number', default: 0.1, describe: 'Minuit tolerance (EDM < 0.002 tol errordef)' });
}

/** yargs options are inherited by sub-commands unless marked so (its typings lack the flag argument). */
const notGlobal = <T>(y: T, keys: string[]): T => (y as unknown as { global(k: string[], g: boolean): T }).global(keys, false);

const merge: CommandModule<object, { dirs: string[]; out: string; columns: string; plots: boolean }> = {
  command: 'merge <dirs...>',
  describe: 'Merge the outputs of toy jobs (ntcorr condor toys) into one toys.parquet + summary.yaml, as one run of all their toys',
  builder: (y) =>
    y.positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'Job output folders (each with toys.parquet and summary.yaml)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output folder for the merged toys.parquet, summary.yaml, plots/' })
      .option('columns', columnsOption)
      .option('plots', { type: 'boolean', default: true, describe: 'Write pull/value/error plots (--no-plots to skip)' })
      .example('$0 toys merge toys-out/job-* --out toys-all', 'one table and summary from every job') as never,
  handler: async (a) => {
    const { mergeToys } = await import('../../fit/toys/merge.js');
    const r = await mergeToys({ dirs: a.dirs, out: a.out, columns: a.columns as 'ntcorr', plots: a.plots, command: commandLine() });
    const s = r.summary as { toys: number; valid: number; config_hash: string };
    console.log(`merged ${a.dirs.length} job(s): ${s.toys} toys, valid ${s.valid}, config ${s.config_hash.slice(0, 12)}`);
    for (const w of r.warnings) console.error(`warning: ${w}`);
    console.log(`wrote ${r.files.filter((f) => !f.includes('/plots/')).join(', ')} and ${r.files.filter((f) => f.includes('/plots/')).length} plots`);
  },
};

/** `ntcorr toys`: toy studies of a fit model (generate, fit, Hesse; pulls, GOF and their summary); `toys merge`. */
export const command: CommandModule<object, Args> & { subcommands: CommandModule[] } = {
  subcommands: [merge as unknown as CommandModule],
  command: 'toys',
  describe: 'Generate and fit toy datasets of a model; pulls, GOF, summary.yaml and plots (toys merge: join job outputs)',
  builder: (y) =>
    notGlobal(studyOptions(y)
      .command(merge as unknown as CommandModule)
      .option('model', { type: 'string', describe: 'Model YAML (see examples/fit/); required' })
      .option('N', { alias: 'n', type: 'number', default: 1000, describe: 'Number of toys' })
      .option('first-toy', { type: 'number', default: 0, describe: 'Index of the first toy (toy i uses the stream (seed, i)): a job\'s share of a larger study' })
      .option('seed', seedOption({ default: 1, describe: 'Seed; toy i uses the stream (seed, i), so results do not depend on --threads' }))
      .option('threads', threadsOption({ describe: 'Compute threads (cores) running toys (default: all cores)' }))
      .option('jobs', { alias: 'j', type: 'number', hidden: true, describe: 'Deprecated: use --threads' })
      .option('out', { alias: 'o', type: 'string', describe: 'Output folder: toys.parquet, summary.yaml, plots/; required' })
      .option('columns', columnsOption)
      .option('plots', { type: 'boolean', default: true, describe: 'Write pull/value/error plots (--no-plots to skip)' })
      .option('quiet', quietOption('No progress bar'))
      .example('$0 toys --model examples/fit/gauss-exp.yaml -N 1000 --seed 7 --out toys/', '1000 toys on all cores')
      .example('$0 toys --model m.yaml -N 100000 --threads 2 --vary signal --out big/ --no-plots', 'only the signal yield fluctuates')
      .example('$0 toys --model fit.yaml --from-fit fit-result.json --gen-model gen.yaml --randomize-start 2 --columns rx --out rx/', 'as the rx fitter runs them')
      // Not inherited by `toys merge`: there they are unknown options (errors), not silently ignored ones.
      , ['from-fit', 'gen-values', 'gen-model', 'randomize-start', 'gof-bins', 'vary', 'strategy', 'tol', 'model', 'N', 'first-toy', 'seed', 'threads', 'jobs', 'out', 'columns', 'plots', 'quiet'])
      .check((raw) => {
        const a = raw as unknown as Args & { _: unknown[] };
        // `toys merge` has its own options; these checks are for a study.
        if ((a._ as unknown[])[1] === 'merge') return true;
        if (!a.model) throw new Error('Missing required argument: model');
        if (!a.out) throw new Error('Missing required argument: out');
        if (!Number.isInteger(a.N) || a.N < 1) throw new Error('-N must be a positive integer');
        if (!Number.isInteger(a.firstToy) || a.firstToy < 0) throw new Error('--first-toy must be a non-negative integer');
        if (!Number.isInteger(a.gofBins) || a.gofBins < 0) throw new Error('--gof-bins must be a whole number >= 0');
        parseRandomizeStart(a.randomizeStart);
        checkThreads(a.jobs, '--jobs');
        if (a.jobs !== undefined && a.threads !== undefined) throw new Error('--jobs is the deprecated spelling of --threads: give only --threads');
        if (!Number.isInteger(a.seed) || a.seed < 0) throw new Error('--seed must be a non-negative integer');
        return true;
      }) as never,
  handler: async (a) => {
    if ((a._ as unknown[])[1] === 'merge') return;
    const { runToyStudy } = await import('../../fit/toys/study.js');
    const { createProgress } = await import('../../core/progress.js');
    const progress = createProgress({ quiet: a.quiet });
    const bar = progress.bar('toys', a.N, 'toys');
    if (a.jobs !== undefined) console.error('warning: ntcorr toys --jobs is deprecated (in apply it means files at a time): use --threads');
    const jobs = a.threads ?? a.jobs ?? availableParallelism();
    const model = a.model as string;
    const out = a.out as string;
    let res;
    try {
      res = await runToyStudy({
        model, toys: a.N, seed: a.seed, jobs, vary: a.vary as 'all', out, plots: a.plots,
        minimize: { strategy: a.strategy as 1, tol: a.tol },
        first: a.firstToy, genModel: a.genModel, fromFit: a.fromFit, genValues: a.genValues as 'fitted', randomizeStart: parseRandomizeStart(a.randomizeStart),
        gofBins: a.gofBins, columns: a.columns as 'ntcorr',
        command: commandLine(),
        onProgress: (done, valid) => bar.update(done, { info: `valid ${valid}` }),
      });
    } finally {
      bar.stop();
      progress.stop();
    }
    const s = res.summary as { toys: number; valid: number; failed: number; config_hash: string; gof: { pvalue_mean: number | null }; parameters: Record<string, { pull_mean: number; pull_mean_error: number; pull_width: number; pull_width_error: number; fraction_valid: number }> };
    console.log(`${s.toys} toys in ${res.seconds.toFixed(1)} s (${(s.toys / res.seconds).toFixed(1)} toys/s, ${jobs} threads); valid ${s.valid}, failed ${s.failed}; config ${s.config_hash.slice(0, 12)}`);
    console.log(`${'parameter'.padEnd(14)} ${'pull mean'.padStart(16)} ${'pull width'.padStart(16)} ${'valid'.padStart(7)}`);
    for (const [name, p] of Object.entries(s.parameters)) {
      console.log(`${name.padEnd(14)} ${`${p.pull_mean.toFixed(3)} ± ${p.pull_mean_error.toFixed(3)}`.padStart(16)} ${`${p.pull_width.toFixed(3)} ± ${p.pull_width_error.toFixed(3)}`.padStart(16)} ${(100 * p.fraction_valid).toFixed(1).padStart(6)}%`);
    }
    if (s.gof.pvalue_mean !== null) console.log(`GOF (binned chi2): mean p-value ${s.gof.pvalue_mean.toFixed(3)}`);
    for (const w of res.warnings) console.error(`warning: ${w}`);
    console.log(`wrote ${res.files.filter((f) => !f.includes('/plots/')).join(', ')} and ${res.files.filter((f) => f.includes('/plots/')).length} plots`);
    if (s.valid === 0) throw new NtcorrError(`${model}: no toy fit was valid; see ${out}/toys.parquet (status column)`, { file: model });
  },
};
