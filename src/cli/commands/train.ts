import type { CommandModule } from 'yargs';
import { trainFlowCommand } from './train-flow.js';
import { trainJetCommand } from './train-jet.js';

/**
 * `ntcorr train flow|jet`. Each subcommand lives with its trainer's CLI module and imports the heavy
 * parts (tfjs, readers) only inside its handler, so `ntcorr --help` stays fast.
 */
export const command: CommandModule & { subcommands: CommandModule[] } = {
  subcommands: [trainFlowCommand as unknown as CommandModule, trainJetCommand as unknown as CommandModule],
  command: 'train <what>',
  describe: 'Train a correction model (flow or jet) from a YAML config',
  builder: (y) =>
    y
      .command(trainFlowCommand)
      .command(trainJetCommand)
      .demandCommand(1, 'Say what to train: ntcorr train flow --config flow.yaml, or ntcorr train jet --config jet.yaml'),
  handler: () => {},
};
