import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { kind } from '../src/models/derived/kind.js';
import { NtcorrError } from '../src/core/errors.js';
import type { Column } from '../src/core/columns.js';
import { tempDir } from './helpers/fixtures.js';

function bundleDir(config: Record<string, unknown>, outputs: { name: string; type?: string }[]): string {
  const d = join(tempDir(), 'b');
  mkdirSync(d);
  writeFileSync(join(d, 'model.json'), JSON.stringify({ format: 'ntcorr-bundle', formatVersion: 1, name: 'd', kind: 'derived', inputs: [], outputs, config, provenance: { createdBy: 't', created: 't', source: 't' } }));
  return d;
}

const pt = new Float32Array([10, 20, NaN, 40]);
const eta = new Float64Array([0, 1, 2, Infinity]);
const chunk = { file: 'f.parquet', start: 0, rows: 4, columns: new Map<string, Column>([['pt', pt], ['eta', eta]]) };

test('outputs are evaluated in order (later ones use earlier ones), typed as declared, non-finite input rows counted', async (t) => {
  const b = loadBundle(bundleDir({ columns: { p: 'pt * cosh(eta)', big: 'p > 30', n: 'floor(p)', p2: 'p * 2' } },
    [{ name: 'p' }, { name: 'big', type: 'bool' }, { name: 'n', type: 'int32' }, { name: 'p2', type: 'float64' }]));
  const c = (await kind.load(b, { seed: 1 })).bind({ file: 'f.parquet', columns: ['pt', 'eta'], rows: 4 });
  t.deepEqual(c.inputs.sort(), ['eta', 'pt']);
  const { columns, stats } = await c.process(chunk, undefined);
  const p = Array.from(pt, (x, i) => x * Math.cosh(eta[i]));
  t.deepEqual(Array.from(columns.get('p') as Float32Array), p.map(Math.fround));
  t.true(columns.get('big') instanceof Uint8Array);
  t.deepEqual(Array.from(columns.get('big') as Uint8Array), p.map((x) => (x > 30 ? 1 : 0)));
  t.true(columns.get('n') instanceof Int32Array);
  t.is((columns.get('n') as Int32Array)[1], Math.floor(p[1]));
  t.true(columns.get('p2') instanceof Float64Array);
  t.is((columns.get('p2') as Float64Array)[1], p[1] * 2);
  t.is(stats.nonFinite, 2); // NaN pt, inf eta
});

test('selection: unselected rows get NaN, or with fill keep the file\'s existing value', async (t) => {
  const b = loadBundle(bundleDir({ columns: { pt: 'pt * 1.1' } }, [{ name: 'pt' }]));
  const sel = new Uint8Array([1, 0, 1, 0]);
  const nan = (await kind.load(b, { seed: 1, fill: 'nan' })).bind({ file: 'f', columns: ['pt', 'eta'], rows: 4 });
  const a = (await nan.process(chunk, sel)).columns.get('pt') as Float32Array;
  t.is(a[0], Math.fround(11));
  t.true(Number.isNaN(a[1]));
  const keep = (await kind.load(b, { seed: 1, fill: 'keep' })).bind({ file: 'f', columns: ['pt', 'eta'], rows: 4 });
  const k = (await keep.process(chunk, sel)).columns.get('pt') as Float32Array;
  t.is(k[1], 20);
  t.is(k[0], Math.fround(11));
});

test('optional outputs are dropped where their inputs are missing; required ones fail naming file and column', async (t) => {
  const b = loadBundle(bundleDir({ columns: { a: 'pt * 2', b: 'pt_corr * 2' }, optional: ['b'] }, [{ name: 'a' }, { name: 'b' }]));
  const loaded = await kind.load(b, { seed: 1 });
  t.deepEqual(loaded.bind({ file: 'f', columns: ['pt'], rows: 4 }).outputs.map((o) => o.name), ['a']);
  t.deepEqual(loaded.bind({ file: 'f', columns: ['pt', 'pt_corr'], rows: 4 }).outputs.map((o) => o.name), ['a', 'b']);
  const b2 = loadBundle(bundleDir({ columns: { a: 'pt * 2', b: 'pt_corr * 2' } }, [{ name: 'a' }, { name: 'b' }]));
  const l2 = await kind.load(b2, { seed: 1 });
  const e = t.throws(() => l2.bind({ file: 'x.parquet', columns: ['pt'], rows: 4 }), { instanceOf: NtcorrError });
  t.regex(e!.message, /x\.parquet: column "pt_corr" not found \(needed by b = pt_corr \* 2\)/);
  await t.throwsAsync(kind.load(loadBundle(bundleDir({ columns: { a: 'pt +' } }, [{ name: 'a' }])), { seed: 1 }), { message: /config\.columns\.a: expression error at position 5/ });
});
