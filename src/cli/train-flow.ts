import type { CommandModule } from 'yargs';
import { NtcorrError } from '../core/errors.js';

// Placeholder until flow training lands (issue 5): the command exists but says plainly that it is not built.
export const trainFlowCommand: CommandModule = {
  command: 'flow',
  describe: 'Train a normalizing-flow correction (not yet available)',
  handler: () => { throw new NtcorrError('ntcorr train flow is not implemented yet'); },
};
