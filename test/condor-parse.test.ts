import test from 'ava';
import { spawnSync } from 'node:child_process';
import { expandMacros, parseRemaps, parseSubmit, splitArguments, splitQueueItem } from '../src/condor/submitfile.js';
import { logState, parseUserLog } from '../src/condor/userlog.js';
import { wrapperExit } from '../src/condor/status.js';
import { shellQuote, shellSplit } from '../src/condor/quote.js';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBundle } from '../src/bundle/bundle.js';
import { createJobFolder } from '../src/condor/create.js';
import { readManifest } from '../src/condor/jobfolder.js';
import { planResubmit } from '../src/condor/resubmit.js';
import { folderStatus } from '../src/condor/status.js';
import { fixture, tempDir } from './helpers/fixtures.js';

// Expected values are the HTCondor manual's own examples (condor_submit man page, "Submitting a Job").

test('queue-from items split as the HTCondor manual describes (last variable takes the rest)', (t) => {
  // Manual: queue input,arguments from ( file1, -a -b 26 ) gives input = file1, arguments = -a -b 26
  t.deepEqual(splitQueueItem('file1, -a -b 26', 2), ['file1', '-a -b 26']);
  t.deepEqual(splitQueueItem('file2, -c -d 92', 2), ['file2', '-c -d 92']);
  t.deepEqual(splitQueueItem('0003 /a/x.parquet,/a/y.parquet', 2), ['0003', '/a/x.parquet,/a/y.parquet']);
  t.deepEqual(splitQueueItem('0003 x.parquet /a/x.parquet', 3), ['0003', 'x.parquet', '/a/x.parquet']);
});

test('arguments in the new syntax split as in the manual', (t) => {
  t.deepEqual(splitArguments('"3 simple arguments"'), ['3', 'simple', 'arguments']);
  t.deepEqual(splitArguments(`"one 'two with spaces' 3"`), ['one', 'two with spaces', '3']);
  t.deepEqual(splitArguments(`"one ""two"" 'spacey ''quoted'' argument'"`), ['one', '"two"', "spacey 'quoted' argument"]);
});

test('submit description: commands, +attributes, continuation lines, queue statement, macros', (t) => {
  const s = parseSubmit([
    '# comment',
    'Executable = run.sh',
    'arguments  = "$(job) $(inputs)"',
    '+JobFlavour = "espresso"',
    'transfer_input_files = a, \\',
    '   b',
    'queue job,inputs from jobs.txt',
  ].join('\n'));
  t.is(s.commands.get('executable'), 'run.sh');
  t.is(s.commands.get('+JobFlavour'), '"espresso"');
  t.is(s.commands.get('transfer_input_files'), 'a,     b');
  t.deepEqual(s.queue, { vars: ['job', 'inputs'], from: 'jobs.txt', count: 1 });
  t.is(expandMacros(s.commands.get('arguments')!, { job: '0001', inputs: '/x.parquet' }, s.commands), '"0001 /x.parquet"');
  t.deepEqual([...parseRemaps('"a.parquet = /out/a.parquet; b = /o/b"')], [['a.parquet', '/out/a.parquet'], ['b', '/o/b']]);
});

// A job event log as HTCondor writes it (format of the manual's examples).
const LOG = `000 (1234.000.000) 2026-11-23 10:00:00 Job submitted from host: <10.0.0.1:9618?addrs=10.0.0.1-9618>
...
001 (1234.000.000) 2026-11-23 10:01:00 Job executing on host: <10.0.0.2:9618?addrs=10.0.0.2-9618>
...
006 (1234.000.000) 2026-11-23 10:02:00 Image size of job updated: 120000
	117  -  MemoryUsage of job (MB)
	119772  -  ResidentSetSize of job (KB)
...
005 (1234.000.000) 2026-11-23 10:03:00 Job terminated.
	(1) Normal termination (return value 3)
		Usr 0 00:00:40, Sys 0 00:00:02  -  Run Remote Usage
		Usr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage
	3000  -  Run Bytes Sent By Job
...
`;

test('job event log: the last terminal event decides', (t) => {
  const ev = parseUserLog(LOG);
  t.deepEqual(ev.map((e) => e.code), [0, 1, 6, 5]);
  t.is(ev[3].jobId, '1234.000.000');
  t.deepEqual(logState(ev), { state: 'exited', exitCode: 3 });
  t.deepEqual(logState(parseUserLog(LOG.split('005 (')[0])), { state: 'running' });
  const held = LOG.split('005 (')[0] + `012 (1234.000.000) 2026-11-23 10:02:30 Job was held.
	Transfer output files failure at execution point slot1@wn: reading from file /scratch/x.parquet: (errno 2) No such file or directory
	Code 12 Subcode 2
...
`;
  const s = logState(parseUserLog(held));
  t.is(s.state, 'held');
  t.regex((s as { reason: string }).reason, /Transfer output files failure/);
  const aborted = held + `009 (1234.000.000) 2026-11-23 10:05:00 Job was aborted.
	via condor_rm (by user jdoe)
...
`;
  t.deepEqual(logState(parseUserLog(aborted)), { state: 'removed' });
  const killed = LOG.replace('(1) Normal termination (return value 3)', '(0) Abnormal termination (signal 9)');
  t.deepEqual(logState(parseUserLog(killed)), { state: 'signalled', signal: 9 });
});

test('wrapper exit line: the last attempt counts', (t) => {
  t.is(wrapperExit('x\nntcorr-job: job=0001 exit=1\n'), 1);
  t.is(wrapperExit('ntcorr-job: job=0001 exit=1\nretry\nntcorr-job: job=0001 exit=0\n'), 0);
  t.is(wrapperExit('started, then killed\n'), undefined);
});

test('shell quoting round-trips through the splitter', (t) => {
  const words = ['--where', "mass > 80 and tag_pt > 40", "it's", 'a"b', '$HOME', ''];
  t.deepEqual(shellSplit(words.map(shellQuote).join(' ')), words);
  // bash reads the quoted words back identically
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
  t.deepEqual(r.stdout.split('\0').slice(0, -1), words);
  t.deepEqual(shellSplit(`a 'b c' "d \\"e\\"" f\\ g`), ['a', 'b c', 'd "e"', 'f g']);
  t.throws(() => shellSplit(`'open`), { message: /unbalanced single quote/ });
});

test('status of a job folder from HTCondor logs alone: held, removed, running, exit codes; resubmit picks by state', async (t) => {
  const tmp = tempDir();
  await writeBundle(join(tmp, 'm'), {
    name: 'm', kind: 'derived', inputs: ['x'], outputs: [{ name: 'y' }], config: { columns: { y: 'x' } },
    provenance: { createdBy: 'test', created: '2026-01-01', source: 'hand-written' },
  });
  const src = fixture('parquet', 'higgsdna', 'Data_2016_job1.parquet');
  const inDir = join(tmp, 'in');
  mkdirSync(inDir);
  for (const n of ['a', 'b', 'c', 'd', 'e']) copyFileSync(src, join(inDir, `${n}.parquet`));
  const dir = join(tmp, 'jobs');
  await createJobFolder({ dir, globs: [join(inDir, '*.parquet')], model: join(tmp, 'm'), outDir: join(tmp, 'out'), transfer: false, filesPerJob: 1, applyArgs: [], resources: { maxRetries: 2, extra: [] } });
  const head = LOG.split('005 (')[0];
  writeFileSync(join(dir, 'logs', 'job-0000.log'), LOG); // exited 3
  writeFileSync(join(dir, 'logs', 'job-0001.log'), head + '012 (1234.001.000) 2026-11-23 10:02:30 Job was held.\n\tExcessive memory usage\n...\n');
  writeFileSync(join(dir, 'logs', 'job-0002.log'), head + '009 (1234.002.000) 2026-11-23 10:05:00 Job was aborted.\n\tvia condor_rm (by user jdoe)\n...\n');
  writeFileSync(join(dir, 'logs', 'job-0003.log'), head); // running
  writeFileSync(join(dir, 'logs', 'job-0004.log'), LOG.replace('return value 3', 'return value 0')); // exit 0, yet no output
  const st = await folderStatus(dir, readManifest(dir));
  t.deepEqual(st.jobs.map((j) => [j.id, j.state]), [['0000', 'failed'], ['0001', 'held'], ['0002', 'failed'], ['0003', 'pending'], ['0004', 'failed']]);
  t.regex(st.jobs[0].reason!, /exit code 3/);
  t.regex(st.jobs[1].reason!, /Excessive memory usage/);
  t.regex(st.jobs[2].reason!, /condor_rm/);
  t.regex(st.jobs[4].reason!, /exited 0 but output not done .*missing/);
  const plan = await planResubmit(dir, readManifest(dir));
  t.deepEqual(plan.round?.jobs, ['0000', '0002', '0004']);
  t.is(readFileSync(join(dir, 'jobs.resubmit-1.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]).join(' '), '0000 0002 0004');
  const plan2 = await planResubmit(dir, readManifest(dir), ['failed', 'held']);
  t.deepEqual(plan2.round?.jobs, ['0001']); // 0000/0002/0004 were resubmitted: pending until their new attempt reports
  t.is(plan2.round?.name, 'resubmit-2');
});
