import type { CommandModule } from 'yargs';
import { availableParallelism } from 'node:os';
import { NtcorrError } from '../../core/errors.js';
import { checkThreads, commandLine, quietOption, seedOption, threadsOption } from '../options.js';

interface Args {
  model: string;
  N: number;
  seed: number;
  threads?: number;
  /** Deprecated spelling of --threads (it means files in apply). */
  jobs?: number;
  vary: string;
  out: string;
  strategy: number;
  tol: number;
  plots: boolean;
  quiet: boolean;
}

/** `ntcorr toys`: toy studies of a fit model (generate, fit, Hesse; pulls and their summary). */
export const command: CommandModule<object, Args> = {
  command: 'toys',
  describe: 'Generate and fit toy datasets of a model; pulls, summary.yaml and plots',
  builder: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'Model YAML (see examples/fit/)' })
      .option('N', { alias: 'n', type: 'number', default: 1000, describe: 'Number of toys' })
      .option('seed', seedOption({ default: 1, describe: 'Seed; toy i uses the stream (seed, i), so results do not depend on --threads' }))
      .option('threads', threadsOption({ describe: 'Compute threads (cores) running toys (default: all cores)' }))
      .option('jobs', { alias: 'j', type: 'number', hidden: true, describe: 'Deprecated: use --threads' })
      .option('vary', { choices: ['all', 'signal', 'background', 'none'], default: 'all', describe: 'Which yields are Poisson-fluctuated per toy (roles from the model)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Output folder: toys.parquet, summary.yaml, plots/' })
      .option('strategy', { type: 'number', choices: [0, 1, 2], default: 1, describe: 'Minuit strategy' })
      .option('tol', { type: 'number', default: 0.1, describe: 'Minuit tolerance (EDM < 0.002 tol errordef)' })
      .option('plots', { type: 'boolean', default: true, describe: 'Write pull/value/error plots (--no-plots to skip)' })
      .option('quiet', quietOption('No progress bar'))
      .example('$0 toys --model examples/fit/gauss-exp.yaml -N 1000 --seed 7 --out toys/', '1000 toys on all cores')
      .example('$0 toys --model m.yaml -N 100000 --threads 2 --vary signal --out big/ --no-plots', 'only the signal yield fluctuates')
      .check((a) => {
        if (!Number.isInteger(a.N) || a.N < 1) throw new Error('-N must be a positive integer');
        checkThreads(a.jobs, '--jobs');
        if (a.jobs !== undefined && a.threads !== undefined) throw new Error('--jobs is the deprecated spelling of --threads: give only --threads');
        if (!Number.isInteger(a.seed) || a.seed < 0) throw new Error('--seed must be a non-negative integer');
        return true;
      }) as never,
  handler: async (a) => {
    const { runToyStudy } = await import('../../fit/toys/study.js');
    const { createProgress } = await import('../../core/progress.js');
    const progress = createProgress({ quiet: a.quiet });
    const bar = progress.bar('toys', a.N, 'toys');
    if (a.jobs !== undefined) console.error('warning: ntcorr toys --jobs is deprecated (in apply it means files at a time): use --threads');
    const jobs = a.threads ?? a.jobs ?? availableParallelism();
    let res;
    try {
      res = await runToyStudy({
        model: a.model, toys: a.N, seed: a.seed, jobs, vary: a.vary as 'all', out: a.out, plots: a.plots,
        minimize: { strategy: a.strategy as 1, tol: a.tol },
        command: commandLine(),
        onProgress: (done, valid) => bar.update(done, { info: `valid ${valid}` }),
      });
    } finally {
      bar.stop();
      progress.stop();
    }
    const s = res.summary as { toys: number; valid: number; failed: number; parameters: Record<string, { pull_mean: number; pull_mean_error: number; pull_width: number; pull_width_error: number; fraction_valid: number }> };
    console.log(`${s.toys} toys in ${res.seconds.toFixed(1)} s (${(s.toys / res.seconds).toFixed(1)} toys/s, ${jobs} threads); valid ${s.valid}, failed ${s.failed}`);
    console.log(`${'parameter'.padEnd(14)} ${'pull mean'.padStart(16)} ${'pull width'.padStart(16)} ${'valid'.padStart(7)}`);
    for (const [name, p] of Object.entries(s.parameters)) {
      console.log(`${name.padEnd(14)} ${`${p.pull_mean.toFixed(3)} ± ${p.pull_mean_error.toFixed(3)}`.padStart(16)} ${`${p.pull_width.toFixed(3)} ± ${p.pull_width_error.toFixed(3)}`.padStart(16)} ${(100 * p.fraction_valid).toFixed(1).padStart(6)}%`);
    }
    for (const w of res.warnings) console.error(`warning: ${w}`);
    console.log(`wrote ${res.files.filter((f) => !f.includes('/plots/')).join(', ')} and ${res.files.filter((f) => f.includes('/plots/')).length} plots`);
    if (s.valid === 0) throw new NtcorrError(`${a.model}: no toy fit was valid; see ${a.out}/toys.parquet (status column)`, { file: a.model });
  },
};
