import { spawnSync } from 'node:child_process';
import { NtcorrError } from '../core/errors.js';
import { settings } from '../core/settings.js';

/**
 * Runs condor_submit / condor_submit_dag in the job folder. HTCondor is not a dependency: where it is
 * missing the user gets the exact command to run on a submit node instead of a stack trace.
 */
export function runCondorTool(tool: 'condor_submit' | 'condor_submit_dag', args: string[], cwd: string): string {
  const bin = settings.condorBinDir ? `${settings.condorBinDir}/${tool}` : tool;
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ENOENT') {
    throw new NtcorrError(
      `${tool} is not installed here (not on PATH). The job folder ${cwd} is written; submit it from an HTCondor ` +
        `submit node (e.g. lxplus) with: cd ${cwd} && ${tool} ${args.join(' ')}   (or pass --dry-run to only write the folder)`,
      { file: cwd },
    );
  }
  if (err) throw new NtcorrError(`${tool} could not be started: ${err.message}`, { file: cwd });
  if (r.status !== 0) {
    throw new NtcorrError(`${tool} ${args.join(' ')} failed in ${cwd} (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`, { file: cwd });
  }
  return r.stdout;
}
