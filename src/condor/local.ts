import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { NtcorrError } from '../core/errors.js';
import { expandMacros, parseRemaps, parseSubmit, splitArguments, splitFileList, splitQueueItem } from './submitfile.js';

function stamp(p: string): string {
  const st = statSync(p);
  return `${st.mtimeMs}:${st.size}`;
}

export interface LocalRun {
  job: string;
  exitCode: number;
  /** Set when HTCondor would have put the job on hold instead (a transfer_output_files entry was missing). */
  held?: string;
  sandbox?: string;
}

/**
 * Runs one queued job of a submit description on this machine the way HTCondor runs it on a worker:
 * the queue-list line's variables expanded into the commands; with should_transfer_files = YES a fresh
 * scratch folder gets the executable and transfer_input_files, the job's stdout/stderr go to its
 * output/error files, and transfer_output_files come back (through transfer_output_remaps); otherwise
 * the job runs in the submit folder. The environment is HTCondor's default (not the submitter's).
 * For trying a job folder before submitting, and for the tests.
 */
export function runLocal(dir: string, submitFile: string, jobId: string, opts: { env?: Record<string, string>; keepSandbox?: boolean } = {}): LocalRun {
  const sub = parseSubmit(readFileSync(join(dir, submitFile), 'utf8'));
  const q = sub.queue;
  if (!q) throw new NtcorrError(`${submitFile}: no queue statement`, { file: join(dir, submitFile) });
  let item: Record<string, string> = {};
  if (q.from) {
    const lines = readFileSync(resolve(dir, q.from), 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#'));
    const items = lines.map((l) => {
      const vals = splitQueueItem(l, q.vars.length);
      return Object.fromEntries(q.vars.map((v, i) => [v, vals[i]])) as Record<string, string>;
    });
    const found = items.find((it) => it.job === jobId);
    if (!found) throw new NtcorrError(`job ${jobId} is not in ${q.from} (jobs: ${items.map((i) => i.job).join(' ')})`, { file: join(dir, q.from) });
    item = found;
  }
  const get = (key: string): string | undefined => {
    const v = sub.commands.get(key);
    return v === undefined ? undefined : expandMacros(v, item, sub.commands);
  };
  const at = (p: string): string => (isAbsolute(p) ? p : join(dir, p));

  const executable = at(get('executable') ?? '');
  const args = splitArguments(get('arguments') ?? '');
  const transfer = (get('should_transfer_files') ?? 'IF_NEEDED').toUpperCase() === 'YES';
  let cwd = dir;
  let exe = executable;
  /** What the scratch folder held before the job ran (name -> mtime:size), to find what it created or changed. */
  const before = new Map<string, string>();
  if (transfer) {
    cwd = mkdtempSync(join(tmpdir(), 'ntcorr-condor-scratch-'));
    exe = join(cwd, 'condor_exec.exe'); // HTCondor's name for the transferred executable
    copyFileSync(executable, exe);
    for (const f of splitFileList(get('transfer_input_files'))) {
      const src = at(f);
      if (!existsSync(src)) {
        rmSync(cwd, { recursive: true, force: true });
        return { job: jobId, exitCode: -1, held: `transfer input file ${src} does not exist` };
      }
      // A folder without a trailing slash arrives as a folder of that name; with one, its contents.
      const dst = f.endsWith('/') ? cwd : join(cwd, basename(src));
      if (statSync(src).isDirectory()) cpSync(src, dst, { recursive: true });
      else copyFileSync(src, dst);
    }
    for (const name of readdirSync(cwd)) before.set(name, stamp(join(cwd, name)));
  }
  const outPath = get('output');
  const errPath = get('error');
  for (const p of [outPath, errPath]) if (p) mkdirSync(dirname(at(p)), { recursive: true });
  const out = outPath ? openSync(at(outPath), 'w') : 'ignore';
  const err = errPath ? openSync(at(errPath), 'w') : 'ignore';
  const r = spawnSync(exe, args, {
    cwd,
    stdio: ['ignore', out, err],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, _CONDOR_SCRATCH_DIR: cwd, ...opts.env },
  });
  if (typeof out === 'number') closeSync(out);
  if (typeof err === 'number') closeSync(err);
  const exitCode = r.status ?? 128 + 9;

  let held: string | undefined;
  if (transfer) {
    const remaps = parseRemaps(get('transfer_output_remaps'));
    const listed = get('transfer_output_files');
    // Without transfer_output_files HTCondor sends back every file the job created or modified at the top
    // of the scratch folder (sub-folders are not scanned).
    const outputs = listed !== undefined
      ? splitFileList(listed)
      : readdirSync(cwd).filter((n) => statSync(join(cwd, n)).isFile() && before.get(n) !== stamp(join(cwd, n)));
    for (const f of outputs) {
      const src = join(cwd, f);
      if (!existsSync(src)) { held = `transfer output file ${f} does not exist`; continue; }
      const dst = at(remaps.get(basename(f)) ?? basename(f));
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(src, dst);
    }
    if (!opts.keepSandbox) rmSync(cwd, { recursive: true, force: true });
  }
  return { job: jobId, exitCode, held, sandbox: transfer && opts.keepSandbox ? cwd : undefined };
}
