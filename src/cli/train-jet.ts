import type { CommandModule } from 'yargs';
import { NtcorrError } from '../core/errors.js';

// Placeholder until jet training lands (issue 6): the command exists but says plainly that it is not built.
export const trainJetCommand: CommandModule = {
  command: 'jet',
  describe: 'Train a normalizing-jet correction (not yet available)',
  handler: () => { throw new NtcorrError('ntcorr train jet is not implemented yet'); },
};
