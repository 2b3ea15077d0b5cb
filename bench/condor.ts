/**
 * Batch overhead: the same files corrected (a) by one `ntcorr apply` over all of them, (b) as HTCondor jobs
 * of a job folder, one file per job, each run on this machine the way a worker runs it (`condor run-local`:
 * wrapper, job.env, `apply --skip-done`, `condor verify`), and (c) by scripts/correct-samples.sh over
 * per-process folders. Prints events/s, MB/s, the per-job overhead (b - a) / jobs, and peak RSS (largest
 * process, GNU time's %M). Model: models/sigma-m-over-m on Zee simulation files.
 *   node --import tsx bench/condor.ts [--small]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTable } from '../src/io/formats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The built CLI when there is one (what a cluster installation runs: no TypeScript compile at start-up).
const CLI = existsSync(join(ROOT, 'dist', 'cli', 'main.js'))
  ? [process.execPath, join(ROOT, 'bin', 'ntcorr.js')]
  : [process.execPath, '--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts')];
const MODEL = join(ROOT, 'models', 'sigma-m-over-m');

/** Runs a command under GNU time: wall seconds and peak RSS (MB) of the largest process it waited for. */
function timed(cmd: string[], cwd = ROOT, env: Record<string, string> = {}): { seconds: number; rssMB: number; code: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', ...cmd], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, rssMB: kb / 1024, code: r.status ?? -1, out: r.stdout + r.stderr };
}

export async function run(opts: { small: boolean }): Promise<void> {
  const work = join(ROOT, 'bench', 'data', 'condor');
  rmSync(work, { recursive: true, force: true });
  const nFiles = opts.small ? 4 : 8;
  const rows = opts.small ? 0 : 500_000;
  let src = join(ROOT, 'samples', 'zee_mc.parquet');
  if (rows) {
    const gen = join(ROOT, 'bench', 'data', `condor-src-${rows}`);
    if (!existsSync(join(gen, 'zee_mc.parquet'))) {
      const g = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/make-samples.ts', '--rows', String(rows), '--out', gen], { cwd: ROOT, stdio: 'inherit' });
      if (g.status !== 0) throw new Error('make-samples failed');
    }
    src = join(gen, 'zee_mc.parquet');
  }
  const inRoot = join(work, 'in');
  const files: string[] = [];
  for (let i = 0; i < nFiles; i++) {
    const sample = i % 2 ? 'Zee' : 'Hgg'; // two "process" folders for the shell driver
    mkdirSync(join(inRoot, sample), { recursive: true });
    const f = join(inRoot, sample, `file_${i}.parquet`);
    copyFileSync(src, f);
    files.push(f);
  }
  const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
  const t = await openTable(src);
  const rowsPerFile = t.rows;
  await t.close();
  const events = rowsPerFile * nFiles;
  console.log(`${nFiles} files x ${rowsPerFile} rows (${(bytes / 1e6).toFixed(1)} MB), model sigma-m-over-m, ntcorr from ${CLI.length === 2 ? 'dist/' : 'src/ via tsx'}`);
  const line = (label: string, r: { seconds: number; rssMB: number; code: number }) =>
    console.log(`${label.padEnd(34)} ${r.seconds.toFixed(2).padStart(7)} s  ${(events / r.seconds).toFixed(0).padStart(9)} events/s  ${(bytes / 1e6 / r.seconds).toFixed(1).padStart(6)} MB/s  peak RSS ${r.rssMB.toFixed(0)} MB${r.code ? `  (exit ${r.code})` : ''}`);

  const direct = timed([...CLI, 'apply', '--quiet', '-m', MODEL, '-o', join(work, 'out-direct'), ...files]);
  line('one ntcorr apply, all files', direct);

  const jobs = join(work, 'jobs');
  const sub = spawnSync(CLI[0], [...CLI.slice(1), 'condor', 'submit', ...files, '-m', MODEL, '-o', join(work, 'out-condor'), '-d', jobs, '--dry-run'], { cwd: ROOT, encoding: 'utf8' });
  if (sub.status !== 0) throw new Error(sub.stderr);
  const condor = timed([...CLI, 'condor', 'run-local', jobs]);
  line(`condor jobs, 1 file/job, 1 slot`, condor);
  console.log(`per-job overhead (wrapper + ntcorr start + verify): ${((condor.seconds - direct.seconds) / nFiles).toFixed(2)} s/job`);

  const driver = timed(['bash', join(ROOT, 'scripts', 'correct-samples.sh'), '-m', MODEL, '-i', inRoot, '-o', join(work, 'out-driver')], ROOT, { NTCORR: CLI.join(' ') });
  line('scripts/correct-samples.sh (2 samples)', driver);
  console.log(`bench process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  rmSync(work, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  await run({ small: process.argv.includes('--small') });
}
