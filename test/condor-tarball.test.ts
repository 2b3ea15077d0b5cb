import test from 'ava';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle, writeBundle } from '../src/bundle/bundle.js';
import { runLocal } from '../src/condor/local.js';
import { openTable } from '../src/io/formats.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { ntcorrTarball } from './helpers/condor-check.js';

// --transfer --tarball: the worker has node but no ntcorr; the job unpacks the shipped tarball
// (npm-pack layout: package/bin/ntcorr.js) in its scratch folder and runs that.

test('the wrapper unpacks an ntcorr tarball on the worker and runs it', async (t) => {
  const tmp = tempDir();
  const model = join(tmp, 'model');
  await writeBundle(model, {
    name: 'm', kind: 'derived', inputs: ['LeadPhoton_pt'], outputs: [{ name: 'pt2', type: 'float64' }],
    config: { columns: { pt2: 'LeadPhoton_pt * 2' } }, provenance: { createdBy: 'test', created: '2026-01-01', source: 'hand-written' },
  });
  const tarball = ntcorrTarball(tmp);

  const inDir = join(tmp, 'in');
  mkdirSync(inDir);
  copyFileSync(fixture('parquet', 'higgsdna', 'Data_2016_job1.parquet'), join(inDir, 'a.parquet'));
  const dir = join(tmp, 'jobs');
  const r = runCli(['condor', 'submit', join(inDir, 'a.parquet'), '-m', model, '-o', join(tmp, 'out'), '-d', dir,
    '--transfer', '--tarball', tarball, '--ntcorr', 'no-such-ntcorr', '--dry-run']);
  t.is(r.code, 0, r.stderr);
  t.regex(readFileSync(join(dir, 'ntcorr.sub'), 'utf8'), new RegExp(`transfer_input_files += job\\.env, \\$\\(inputs\\), ${model}, ${tarball}\\n`));
  const run = runLocal(dir, 'ntcorr.sub', '0000');
  t.is(run.exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8'));
  t.regex(readFileSync(join(dir, 'logs', 'job-0000.out'), 'utf8'), /ntcorr: node ntcorr-sw\/package\/bin\/ntcorr\.js/);
  const out = await openTable(join(tmp, 'out', 'a.parquet'));
  t.is(out.provenance.at(-1)?.modelHash, loadBundle(model).hash);
  t.true(out.columns.some((c) => c.name === 'pt2'));
  await out.close();
});
