import test from 'ava';
import { join } from 'node:path';
import { toFloat64, type NumericArray } from '../src/core/columns.js';
import { openTable } from '../src/io/formats.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/**
 * The README's main job with the bundled stand-in flow: `ntcorr apply samples/zee_mc.parquet --model
 * models/zee-flow-small`. The reference is independent of our code: the "data" sample, which the
 * generator made with known differences (sieie +1.5-2.5%, etaWidth x1.06-1.10, fewer isolation zeros).
 */
async function read(path: string, names: string[]): Promise<Map<string, Float64Array>> {
  const src = await openTable(path);
  const parts = new Map<string, number[]>(names.map((n) => [n, []]));
  for await (const ch of src.chunks(names, 100_000)) {
    for (const n of names) parts.get(n)!.push(...toFloat64(ch.columns.get(n) as NumericArray));
  }
  await src.close();
  return new Map([...parts].map(([k, v]) => [k, Float64Array.from(v)]));
}

const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
const zeroFraction = (a: Float64Array) => a.filter((v) => v === 0).length / a.length;

test('apply models/zee-flow-small to the Zee MC sample: corrected MC moves to data; reruns with other chunking and threads are identical', async (t) => {
  const out = tempDir();
  const mc = join(ROOT, 'samples', 'zee_mc.parquet');
  const a = runCli(['apply', mc, '--model', join(ROOT, 'models', 'zee-flow-small'), '--out-dir', join(out, 'a'), '--quiet', '--backend', 'wasm', '--chunk-rows', '10000'], { env: { NTCORR_THREADS: '1' } });
  t.is(a.code, 0, a.stderr);
  const b = runCli(['apply', mc, '--model', join(ROOT, 'models', 'zee-flow-small'), '--out-dir', join(out, 'b'), '--quiet', '--backend', 'wasm', '--chunk-rows', '7000'], { env: { NTCORR_THREADS: '2' } });
  t.is(b.code, 0, b.stderr);
  const vars = ['sieie', 'etaWidth', 'pfChargedIso'];
  const cols = vars.flatMap((v) => [`probe_${v}`, `probe_${v}_corr`, `tag_${v}_corr`]);
  const ra = await read(join(out, 'a', 'zee_mc.parquet'), cols);
  const rb = await read(join(out, 'b', 'zee_mc.parquet'), cols);
  const data = await read(join(ROOT, 'samples', 'zee_data.parquet'), vars.map((v) => `probe_${v}`));
  t.is(ra.get('probe_sieie_corr')!.length, 25_000);
  for (const c of cols) t.deepEqual(ra.get(c), rb.get(c), c);
  for (const v of ['sieie', 'etaWidth']) {
    const before = Math.abs(mean(ra.get(`probe_${v}`)!) - mean(data.get(`probe_${v}`)!));
    const after = Math.abs(mean(ra.get(`probe_${v}_corr`)!) - mean(data.get(`probe_${v}`)!));
    t.log(`${v}: |mean(MC) - mean(data)| ${before.toExponential(2)} -> ${after.toExponential(2)}`);
    t.true(after < 0.3 * before, v);
  }
  const z = (c: string, m: Map<string, Float64Array>) => zeroFraction(m.get(c)!);
  t.log(`pfChargedIso zeros: MC ${z('probe_pfChargedIso', ra).toFixed(3)} corrected ${z('probe_pfChargedIso_corr', ra).toFixed(3)} data ${z('probe_pfChargedIso', data).toFixed(3)}`);
  t.true(Math.abs(z('probe_pfChargedIso_corr', ra) - z('probe_pfChargedIso', data)) < 0.02);
  t.true(Math.abs(z('probe_pfChargedIso', ra) - z('probe_pfChargedIso', data)) > 0.05);
  t.true(ra.get('tag_sieie_corr')!.every(Number.isFinite));
});
