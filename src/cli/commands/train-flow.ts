import type { CommandModule } from 'yargs';
import { backendOption, commandLine, quietOption, seedOption, threadsOption } from '../options.js';
import { errorMessage } from '../../core/errors.js';

interface TrainFlowArgs {
  config: string;
  name?: string[];
  resume: boolean;
  seed?: number;
  threads?: number;
  backend: string;
  quiet: boolean;
  'stop-after': number;
  closure: boolean;
}

/**
 * `ntcorr train flow --config flow.yaml`: trains each named configuration of the file in turn (or the
 * ones given with --name), writes each bundle, its loss curve and closure report. The trainer (tfjs,
 * readers) is imported inside the handler so `ntcorr --help` stays fast.
 */
export const trainFlowCommand: CommandModule<object, TrainFlowArgs> = {
  command: 'flow',
  describe: 'Train a normalizing-flow correction (simulation -> data) from a YAML config',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'YAML file with one or more named configurations (see examples/flow/flow.yaml)' })
      .option('name', { type: 'string', array: true, describe: 'Train only these configurations (default: all, in file order)' })
      .option('resume', { type: 'boolean', default: false, describe: 'Continue from the checkpoint in the output folder (after a crash or an eviction)' })
      .option('seed', seedOption({ describe: 'Override training.seed (split, shuffles, initial weights, isolation smearing)' }))
      .option('threads', threadsOption({ describe: 'Override training.threads: cores for data-parallel training (default 2; results depend on it, so --resume needs the same)' }))
      .option('backend', backendOption())
      .option('quiet', quietOption('No progress bars; one line per epoch'))
      .option('stop-after', { type: 'number', default: 0, describe: 'Stop after this many epochs in this run (checkpoint kept; continue with --resume), e.g. to fit a batch-slot time limit' })
      .option('closure', { type: 'boolean', default: true, describe: 'Compute closure metrics and plots on the test split at the end (--no-closure skips)' })
      .example('ntcorr train flow --config examples/flow/flow.yaml --name zee-flow', 'Train one configuration; the bundle goes to its `output` folder')
      .example('ntcorr train flow --config flow.yaml --resume', 'Continue every configuration from its last checkpoint')
      .example('ntcorr train flow --config flow.yaml --name smoke --seed 7 --quiet', 'Another seed, log lines instead of bars (batch jobs)'),
  handler: async (argv) => {
    const { loadFlowConfigs } = await import('../../train/flow/config.js');
    const { trainFlow } = await import('../../train/flow/trainer.js');
    const configs = loadFlowConfigs(argv.config, argv.name);
    let failed = 0;
    for (const cfg of configs) {
      // One failing configuration does not stop the others (as batch tools should); the exit code says it.
      let res;
      try {
        res = await trainFlow(cfg, {
        resume: argv.resume,
        seed: argv.seed,
        threads: argv.threads,
        backend: argv.backend,
        quiet: argv.quiet,
        stopAfter: argv['stop-after'] > 0 ? argv['stop-after'] : undefined,
        closure: argv.closure,
        command: commandLine(),
        log: (line) => console.log(`[${cfg.name}] ${line}`),
        });
      } catch (e) {
        if (configs.length === 1) throw e;
        console.error(`ntcorr: configuration ${cfg.name} failed: ${errorMessage(e)}`);
        failed++;
        continue;
      }
      if (!res.ok) failed++;
    }
    if (configs.length > 1) console.log(`${configs.length - failed} of ${configs.length} configuration(s) trained${failed ? `, ${failed} failed` : ''}`);
    process.exitCode = failed ? 1 : 0;
  },
};
