import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { loadBundle } from '../src/bundle/bundle.js';
import { readManifest } from '../src/condor/jobfolder.js';
import { runLocal } from '../src/condor/local.js';
import { folderStatus } from '../src/condor/status.js';
import { openTable } from '../src/io/formats.js';
import { ROOT, tempDir } from './helpers/fixtures.js';

// The DAG's two nodes run here in DAGMan's order, each exactly as HTCondor would run it: the train node
// (real `ntcorr train flow`, the example file's few-second "smoke" configuration on the committed
// samples), then the apply job reading the bundle it wrote.

test('dag: the train node writes the bundle, then the apply job corrects the files with it', async (t) => {
  const tmp = tempDir();
  const example = YAML.parse(readFileSync(join(ROOT, 'examples', 'flow', 'flow.yaml'), 'utf8')) as { defaults: Record<string, unknown>; configurations: Record<string, Record<string, unknown>> };
  const cfg = join(tmp, 'flow.yaml');
  writeFileSync(cfg, YAML.stringify({
    defaults: { ...example.defaults, data: join(ROOT, 'samples', 'zee_data.parquet'), mc: join(ROOT, 'samples', 'zee_mc.parquet') },
    configurations: { smoke: { ...example.configurations.smoke, output: 'models/smoke' } }, // relative: resolved in the submit folder
  }));
  const mc = join(tmp, 'zee_mc.parquet');
  copyFileSync(join(ROOT, 'samples', 'zee_mc.parquet'), mc);
  const dir = join(tmp, 'dag');
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'),
    'condor', 'dag', '--train', cfg, '--apply', mc, '-o', join(tmp, 'out'), '-d', dir, '--dry-run'], { cwd: tmp, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const bundle = join(tmp, 'models', 'smoke');
  t.false(existsSync(bundle));

  const train = runLocal(dir, 'train.sub', 'train');
  t.is(train.exitCode, 0, readFileSync(join(dir, 'logs', 'train.err'), 'utf8') + readFileSync(join(dir, 'logs', 'train.out'), 'utf8'));
  t.regex(readFileSync(join(dir, 'logs', 'train.out'), 'utf8'), /ntcorr-train: exit=0\n$/);
  t.true(existsSync(join(bundle, 'model.json')));

  const apply = runLocal(dir, 'ntcorr.sub', '0000');
  t.is(apply.exitCode, 0, readFileSync(join(dir, 'logs', 'job-0000.err'), 'utf8'));
  const b = loadBundle(bundle);
  const out = await openTable(join(tmp, 'out', 'zee_mc.parquet'));
  try {
    const rec = out.provenance.at(-1);
    t.is(rec?.modelHash, b.hash);
    t.true((rec?.columnsAdded ?? []).length > 0);
    const names = new Set(out.columns.map((c) => c.name));
    for (const c of rec?.columnsAdded ?? []) t.true(names.has(c), c);
    const src = await openTable(mc);
    t.is(out.rows, src.rows);
    await src.close();
  } finally {
    await out.close();
  }
  t.deepEqual((await folderStatus(dir, readManifest(dir))).counts, { done: 1, failed: 0, held: 0, pending: 0 });
});
