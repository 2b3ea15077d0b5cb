import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeList, writeManifest, type JobFolderManifest, type SubmitRound } from './jobfolder.js';
import { folderStatus, logPaths, type FolderStatus, type JobState } from './status.js';
import { submitDescription } from './submitfile.js';
import { isToysFolder, toysSubmitDescription, writeToysList } from './toys.js';

export interface ResubmitPlan {
  status: FolderStatus;
  /** undefined when nothing needs resubmitting. */
  round?: SubmitRound;
}

/**
 * Picks the failed jobs (and held/pending ones on request), moves their old logs to logs/attempt-<n>/ so
 * status reads only the new attempt, and writes resubmit-<n>.sub queueing exactly those jobs from
 * jobs.resubmit-<n>.txt. Submitting is the caller's business.
 */
export async function planResubmit(dir: string, m: JobFolderManifest, include: JobState[] = ['failed']): Promise<ResubmitPlan> {
  const status = await folderStatus(dir, m);
  const pick = new Set(status.jobs.filter((j) => include.includes(j.state)).map((j) => j.id));
  if (pick.size === 0) return { status };
  const n = m.rounds.filter((r) => r.name.startsWith('resubmit-')).length + 1;
  const archive = join(dir, 'logs', `attempt-${n}`);
  mkdirSync(archive, { recursive: true });
  for (const id of pick) {
    for (const p of Object.values(logPaths(dir, id))) if (existsSync(p)) renameSync(p, join(archive, basename(p)));
  }
  const list = `jobs.resubmit-${n}.txt`;
  const submitFile = `resubmit-${n}.sub`;
  const jobs = m.jobs.filter((j) => pick.has(j.id));
  if (isToysFolder(m)) {
    writeToysList(dir, list, jobs);
    writeFileSync(join(dir, submitFile), toysSubmitDescription(m, list));
  } else {
    writeList(dir, list, jobs, m.transfer, m);
    writeFileSync(join(dir, submitFile), submitDescription(m, list));
  }
  const round: SubmitRound = { name: `resubmit-${n}`, submitFile, list, jobs: [...pick], time: new Date().toISOString(), submitted: false };
  m.rounds.push(round);
  writeManifest(dir, m);
  return { status, round };
}
