import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { loadBundle } from '../bundle/bundle.js';
import { checkOutput } from './verify.js';
import { logState, parseUserLog, type LogState } from './userlog.js';
import type { JobFolderManifest, JobSpec } from './jobfolder.js';
import { checkToyOutput, isToysFolder, type ToysJobFolderManifest } from './toys.js';

/**
 * done: every output is there with this model's provenance.
 * failed: the job ended (wrapper's exit line or HTCondor's log) but not every output is done.
 * held: HTCondor holds it (needs condor_release or condor_rm).
 * pending: not ended yet (idle, running, or no trace of it).
 */
export type JobState = 'done' | 'failed' | 'held' | 'pending';

export interface FileStatus {
  input: string;
  output: string;
  done: boolean;
  reason?: string;
}

export interface JobStatus {
  id: string;
  state: JobState;
  /** Why failed/held/pending, in words. */
  reason?: string;
  exitCode?: number;
  files: FileStatus[];
}

export interface FolderStatus {
  jobs: JobStatus[];
  counts: Record<JobState, number>;
  /** false when the model bundle does not exist yet (a DAG before training). */
  modelReady: boolean;
}

export function logPaths(dir: string, id: string): { out: string; err: string; log: string } {
  return { out: join(dir, 'logs', `job-${id}.out`), err: join(dir, 'logs', `job-${id}.err`), log: join(dir, 'logs', `job-${id}.log`) };
}

/** The wrapper's last word: "ntcorr-job: job=<id> exit=<code>" (the last such line, retries overwrite .out). */
export function wrapperExit(outText: string): number | undefined {
  const all = [...outText.matchAll(/^ntcorr-job: job=\S+ exit=(-?\d+)\s*$/gm)];
  return all.length ? Number(all[all.length - 1][1]) : undefined;
}

function lastErrorLine(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1].slice(0, 300) : undefined;
}

export async function jobStatus(dir: string, job: JobSpec, modelHash: string | undefined): Promise<JobStatus> {
  const files: FileStatus[] = [];
  for (let i = 0; i < job.inputs.length; i++) {
    if (!modelHash) {
      files.push({ input: job.inputs[i], output: job.outputs[i], done: false, reason: 'model not trained yet' });
      continue;
    }
    const c = await checkOutput(job.outputs[i], modelHash);
    files.push({ input: job.inputs[i], output: job.outputs[i], done: c.ok, reason: c.reason });
  }
  if (files.every((f) => f.done)) return { id: job.id, state: 'done', files };
  return endedStatus(dir, job, files);
}

/** The state of a job whose outputs are not all done, from its wrapper's exit line and HTCondor's log. */
export function endedStatus(dir: string, job: JobSpec, files: FileStatus[]): JobStatus {
  const p = logPaths(dir, job.id);
  const exit = existsSync(p.out) ? wrapperExit(readFileSync(p.out, 'utf8')) : undefined;
  const log: LogState = existsSync(p.log) ? logState(parseUserLog(readFileSync(p.log, 'utf8'))) : { state: 'none' };
  const notDone = files.filter((f) => !f.done).map((f) => `${f.output}: ${f.reason}`).join('; ');

  if (log.state === 'held') return { id: job.id, state: 'held', reason: log.reason, files };
  if (log.state === 'idle' || log.state === 'running') return { id: job.id, state: 'pending', reason: log.state, files };
  if (log.state === 'removed') return { id: job.id, state: 'failed', reason: 'removed from the queue (condor_rm)', files };
  if (log.state === 'signalled') return { id: job.id, state: 'failed', reason: `killed by signal ${log.signal}`, files };
  const code = exit ?? (log.state === 'exited' ? log.exitCode : undefined);
  if (code === undefined) return { id: job.id, state: 'pending', reason: 'not run yet', files };
  if (code !== 0) {
    return { id: job.id, state: 'failed', exitCode: code, reason: `exit code ${code}${lastErrorLine(p.err) ? `: ${lastErrorLine(p.err)}` : ''}`, files };
  }
  return { id: job.id, state: 'failed', exitCode: 0, reason: `exited 0 but output not done (${notDone})`, files };
}

/**
 * A toys folder's jobs: done when the output checks (toys.ts), else as an apply job from its logs. A done
 * job whose configuration hash is not the one most done jobs share is the output of another study: failed.
 */
function toysFolderStatus(dir: string, m: ToysJobFolderManifest, onlyJobs?: Set<string>): FolderStatus {
  const picked = m.jobs.filter((j) => !onlyJobs || onlyJobs.has(j.id));
  const checks = picked.map((j) => checkToyOutput(m, j));
  const votes = new Map<string, number>();
  for (const c of checks) if (c.configHash) votes.set(c.configHash, (votes.get(c.configHash) ?? 0) + 1);
  const major = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const jobs = picked.map((j, k): JobStatus => {
    const c = checks[k];
    const [first, count] = j.inputs[0].split(':').map(Number);
    const f: FileStatus = { input: `toys ${first}..${first + count - 1}`, output: j.outputs[0], done: c.ok, reason: c.reason };
    if (c.ok && c.configHash !== major) {
      return { id: j.id, state: 'failed', reason: `config_hash ${c.configHash!.slice(0, 12)} is not the other jobs' ${major!.slice(0, 12)} (the output of another study)`, files: [{ ...f, done: false, reason: 'another study' }] };
    }
    return c.ok ? { id: j.id, state: 'done', files: [f] } : endedStatus(dir, j, [f]);
  });
  const counts: Record<JobState, number> = { done: 0, failed: 0, held: 0, pending: 0 };
  for (const j of jobs) counts[j.state]++;
  return { jobs, counts, modelReady: true };
}

export async function folderStatus(dir: string, m: JobFolderManifest, onlyJobs?: Set<string>): Promise<FolderStatus> {
  if (isToysFolder(m)) return toysFolderStatus(dir, m, onlyJobs);
  const modelReady = existsSync(join(m.model, 'model.json'));
  const modelHash = modelReady ? loadBundle(m.model).hash : undefined;
  // Opening thousands of outputs one by one is slow on network filesystems (EOS, AFS); a few at a time.
  const limit = pLimit(8);
  const picked = m.jobs.filter((j) => !onlyJobs || onlyJobs.has(j.id));
  const jobs: JobStatus[] = await Promise.all(picked.map((j) => limit(() => jobStatus(dir, j, modelHash))));
  const counts: Record<JobState, number> = { done: 0, failed: 0, held: 0, pending: 0 };
  for (const j of jobs) counts[j.state]++;
  return { jobs, counts, modelReady };
}
