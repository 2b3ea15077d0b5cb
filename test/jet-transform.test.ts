import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { toFloat64, type JaggedColumn, type NumericArray } from '../src/core/columns.js';
import { openTable } from '../src/io/formats.js';
import { parseJetConfig } from '../src/models/jet/config.js';
import { buildJetBlock, jetInputColumns, wrapPhi } from '../src/models/jet/features.js';
import { applySteps, readTransform } from '../src/models/jet/transform.js';
import { NtcorrError } from '../src/core/errors.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

const MLJEC = fixture('jets-mljec');

/** ml-jec's own test_config.yaml, pointed at the fixture folder, with build-transform steps added. */
function mljecConfig(dir: string, extra = ''): string {
  const text = readFileSync(join(MLJEC, 'test_config.yaml'), 'utf8').replace('location: data', `location: ${MLJEC}\n  transform: ${dir}/transform.yaml`);
  const path = join(dir, 'jet.yaml');
  writeFileSync(path, text + `\noutput: ${dir}/model\ntransform:\n  steps:\n    pt: [{arcsinh: 10}]\n    ch_dxy: [abs, {arcsinh: 0.001}]\n    sv_num_tracks: [log]\n` + extra);
  return path;
}

test('each transform step uses its own parameters (ml-jec transform.yaml, no late binding)', (t) => {
  const tr = readTransform(join(MLJEC, 'transform.yaml'));
  // ch_dxy: abs, arcsinh(x / 0.001), linear (x - 0) / 12.545397758483887 — by hand:
  const x = -0.0042;
  t.is(applySteps(tr.numerical.ch_dxy, x), Math.asinh(0.0042 / 0.001) / 12.545397758483887);
  // sv_num_tracks: log then linear with loc ln 2
  t.is(applySteps(tr.numerical.sv_num_tracks, 4), (Math.log(4) - 0.6931471824645996) / 2.602689743041992);
  // pt: arcsinh(x/10) then linear
  t.is(applySteps(tr.numerical.pt, 250), (Math.asinh(25) - 0.001962279202416539) / 7.2959527026396245);
});

test('build-transform on the ml-jec fixture: category lists equal ml-jec\'s, linear step = min/max after the non-linear steps', async (t) => {
  const dir = tempDir();
  const cfg = mljecConfig(dir);
  const r = runCli(['build-transform', MLJEC, '--config', cfg, '--output', join(dir, 'transform.yaml')]);
  t.is(r.code, 0, r.stderr);
  const fitted = YAML.parse(readFileSync(join(dir, 'transform.yaml'), 'utf8'));
  const mljec = YAML.parse(readFileSync(join(MLJEC, 'transform.yaml'), 'utf8'));
  t.deepEqual(fitted.categorical, mljec.categorical);
  t.deepEqual(Object.keys(fitted.numerical).sort(), Object.keys(mljec.numerical).sort(), 'same features get a transform as in ml-jec (derived ones do not)');
  // training split = first 3 shards; recompute the ch_dxy range from the raw branch by hand
  let lo = Infinity, hi = -Infinity;
  for (const s of ['1.root', '2.root', '3.root']) {
    const tab = await openTable(join(MLJEC, s), { tree: 'Jets' });
    for await (const ch of tab.chunks(['ch_dxy'], 1000)) {
      for (const v of toFloat64((ch.columns.get('ch_dxy') as JaggedColumn).values)) { const y = Math.asinh(Math.abs(v) / 0.001); lo = Math.min(lo, y); hi = Math.max(hi, y); }
    }
    await tab.close();
  }
  t.deepEqual(fitted.numerical.ch_dxy, [{ type: 'abs' }, { type: 'arcsinh', params: { scale: 0.001 } }, { type: 'linear', params: { loc: lo, scale: hi - lo } }]);
  t.is(fitted.numerical.eta.length, 1, 'features without configured steps get the linear step only');
});

test('derived constituent features follow ml-jec definitions (rel_pt, deta*sign(eta), wrapped dphi, dr)', async (t) => {
  const dir = tempDir();
  const cfg = parseJetConfig(readFileSync(mljecConfig(dir), 'utf8'), join(dir, 'jet.yaml'));
  const tr = readTransform(join(MLJEC, 'transform.yaml'));
  const tab = await openTable(join(MLJEC, '2.root'), { tree: 'Jets' });
  const cols = jetInputColumns(cfg, true);
  let checked = 0;
  for await (const ch of tab.chunks(cols, 1000)) {
    const b = buildJetBlock(ch.columns, ch.rows, cfg, tr, '2.root', true);
    const chType = cfg.types.findIndex((x) => x.name === 'ch');
    const feats = cfg.types[chType].features.numerical;
    const N = feats.length;
    const pt = toFloat64(ch.columns.get('pt') as NumericArray), eta = toFloat64(ch.columns.get('eta') as NumericArray), phi = toFloat64(ch.columns.get('phi') as NumericArray);
    const cpt = ch.columns.get('ch_pt') as JaggedColumn, ceta = ch.columns.get('ch_eta') as JaggedColumn, cphi = ch.columns.get('ch_phi') as JaggedColumn;
    for (let i = 0; i < ch.rows; i++) {
      if (cpt.offsets[i + 1] - cpt.offsets[i] < 2) continue; // some jets have no charged constituents
      const k = cpt.offsets[i] + 1; // second constituent of each jet
      const row = b.types[chType].offsets[i] + 1;
      let dphi = Number(cphi.values[k]) - phi[i];
      while (dphi > Math.PI) dphi -= 2 * Math.PI;
      while (dphi <= -Math.PI) dphi += 2 * Math.PI;
      const deta = (Number(ceta.values[k]) - eta[i]) * Math.sign(eta[i]);
      const f = (name: string) => b.types[chType].num[row * N + feats.indexOf(name)];
      t.true(Math.abs(f('ch_rel_pt') - Number(cpt.values[k]) / pt[i]) < 1e-6, `${f('ch_rel_pt')} ${Number(cpt.values[k]) / pt[i]}`);
      t.true(Math.abs(f('ch_deta') - deta) < 1e-6);
      t.true(Math.abs(f('ch_dphi') - dphi) < 1e-6);
      t.true(Math.abs(f('ch_dr') - Math.hypot(deta, dphi)) < 1e-6);
      t.true(Math.abs(b.target![i] - Math.log(Number((ch.columns.get('pt_gen') as Float32Array)[i]) / pt[i])) < 1e-6);
      checked++;
    }
  }
  await tab.close();
  t.true(checked >= 5, `${checked} jets checked`);
  t.is(wrapPhi(3 * Math.PI / 2), -Math.PI / 2);
  t.is(wrapPhi(-Math.PI), Math.PI);
});

test('config errors name the file and the key', (t) => {
  const e = t.throws(() => parseJetConfig('data: {location: x}\nfeatures: {global: {numerical: [pt]}}\nmodel: {head: {type: mlp, num_units: [4]}}\ntrain: {learing_rate: 1}\n', '/cfg/jet.yaml'), { instanceOf: NtcorrError });
  t.regex(e!.message, /\/cfg\/jet\.yaml: train\.learing_rate: unknown key/);
  const e2 = t.throws(() => parseJetConfig('data: {location: x}\nfeatures: {ch: {numerical: [ch_pt], categorical: [ch_id]}}\nmodel: {ch: {type: mlp, num_units: [4]}, head: {type: mlp, num_units: [4]}}\ntrain: {}\n', '/cfg/jet.yaml'), { instanceOf: NtcorrError });
  t.regex(e2!.message, /model\.ch\.embeddings\.ch_id/);
  const e3 = t.throws(() => parseJetConfig('data: {location: x}\nfeatures: {global: {numerical: [pt]}}\nmodel: {head: {type: cnn, num_units: [4]}}\ntrain: {}\n', '/cfg/jet.yaml'), { instanceOf: NtcorrError });
  t.regex(e3!.message, /model\.head\.type: expected mlp or resnet/);
});
