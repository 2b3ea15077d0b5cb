import type { CommandModule } from 'yargs';
import { backendOption, quietOption, seedOption } from '../options.js';

interface TrainJetArgs {
  config: string;
  resume: boolean;
  seed?: number;
  backend: string;
  quiet: boolean;
  output?: string;
}

/**
 * `ntcorr train jet --config jet.yaml`: Deep Sets jet pT regression (ml-jec style). Heavy modules are
 * imported in the handler so `ntcorr --help` stays fast.
 */
export const trainJetCommand: CommandModule<object, TrainJetArgs> = {
  command: 'jet',
  describe: 'Train a Deep Sets jet pT regression (predicts log(pt_gen/pt)) from an ml-jec-style YAML config',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'YAML with data, features, model, loss, train sections (see examples/jet/jet.yaml)' })
      .option('resume', { type: 'boolean', default: false, describe: 'Continue from <output>/checkpoint/state.bin (weights, Adam state, RNG, schedules, epoch)' })
      .option('seed', seedOption({ describe: 'Override train.seed (initial weights, shuffling)' }))
      .option('output', { type: 'string', describe: 'Bundle folder (default: the config\'s output)' })
      .option('backend', backendOption())
      .option('quiet', quietOption('No progress bars; one line per epoch'))
      .example('ntcorr build-transform data/jets --config jet.yaml && ntcorr train jet --config jet.yaml', 'Fit the preprocessing, then train')
      .example('ntcorr train jet --config jet.yaml --resume', 'Continue an interrupted training from its last epoch')
      .example('ntcorr train jet --config jet.yaml --seed 3 --output models/jet-seed3 --quiet', 'Another seed into another bundle, log lines only'),
  handler: async (argv) => {
    const { loadJetConfig } = await import('../../models/jet/config.js');
    const { trainJet } = await import('../../train/jet/train.js');
    const { createProgress } = await import('../../core/progress.js');
    const { resolve } = await import('node:path');
    const cfg = loadJetConfig(argv.config);
    if (argv.output) cfg.output = resolve(argv.output);
    const progress = createProgress({ quiet: argv.quiet });
    try {
      const res = await trainJet(cfg, { resume: argv.resume, seed: argv.seed, backend: argv.backend, progress, log: (s) => console.log(s) });
      const m = res.test ?? res.val;
      if (m) console.log(`response on ${res.test ? 'test' : 'validation'} jets (${m.jets}): resolution ${m.resolution.before.toPrecision(4)} -> ${m.resolution.after.toPrecision(4)}, median ${m.median.before.toPrecision(4)} -> ${m.median.after.toPrecision(4)}`);
      console.log(`bundle written to ${res.bundle}`);
    } finally {
      progress.stop();
    }
    process.exitCode = 0;
  },
};
