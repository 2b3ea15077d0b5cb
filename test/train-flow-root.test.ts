import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TreeWriter } from '../src/io/root/writer.js';
import { loadExamples } from '../src/train/flow/load.js';
import { flowYaml, generateSample, writeFlowSamples } from './helpers/flow-samples.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/fixtures.js';

// Flow training reads ROOT TTrees as well as parquet: the same events written both ways (our TTree writer)
// give identical training examples, and `train flow` with `tree:` trains, writes the bundle and runs closure.
async function writeRoot(path: string, cols: Record<string, Float32Array>): Promise<void> {
  const names = Object.keys(cols);
  const w = new TreeWriter(path, 'Events', names.map((name) => ({ name, dtype: 'float32' as const, layout: 'flat' as const })));
  const n = cols[names[0]].length;
  await w.append(new Map(names.map((k) => [k, cols[k]])), n);
  await w.finish();
}

test('train flow on ROOT files: same examples as the parquet copy; bundle and closure written', async (t) => {
  const dir = tempDir();
  const n = 1500;
  const pq = await writeFlowSamples(dir, n, 31);
  const root = { data: join(dir, 'data.root'), mc: join(dir, 'mc.root') };
  await writeRoot(root.data, generateSample(n, true, 31));
  await writeRoot(root.mc, generateSample(n, false, 1031));
  const spec = { selection: '80 < mass < 100 and probe_pt > 25', collections: ['probe_'], variables: ['r9', 'sieie', 'iso'], conditions: ['pt', 'ScEta', 'phi', 'fixedGridRhoAll'], label: 'simulation', weight: 'weight' };
  const a = await loadExamples({ ...spec, globs: [pq.mc] });
  const b = await loadExamples({ ...spec, globs: [root.mc], tree: 'Events' });
  t.true(a.n > 1000);
  t.is(b.n, a.n);
  t.deepEqual(Array.from(b.row), Array.from(a.row));
  for (let k = 0; k < 3; k++) t.deepEqual(Array.from(b.x[k]), Array.from(a.x[k]));
  for (let k = 0; k < 4; k++) t.deepEqual(Array.from(b.c[k]), Array.from(a.c[k]));

  const out = join(dir, 'bundle');
  writeFileSync(join(dir, 'root.yaml'), flowYaml({ ...root, output: out, epochs: 2, hidden: [16, 16] }).replace('    mc_weight: weight', '    tree: Events\n    mc_weight: weight'));
  const r = runCli(['train', 'flow', '--config', join(dir, 'root.yaml'), '--backend', 'wasm', '--quiet']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`examples after selection: data \\d+ \\(1 file\\(s\\)\\), simulation ${a.n} `));
  t.true(existsSync(join(out, 'model.json')));
  const closure = JSON.parse(readFileSync(join(out, 'closure', 'closure.json'), 'utf8'));
  t.is(closure.variables.length, 3);
  // the correction moves the shifted r9 towards data even after two epochs
  t.true(closure.variables[0].ks_after < closure.variables[0].ks_before, JSON.stringify(closure.variables[0]));
});
