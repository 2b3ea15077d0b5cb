import test from 'ava';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildModel } from '../src/fit/model.js';
import { parseJetConfig } from '../src/models/jet/config.js';
import { parseFlowConfigs } from '../src/train/flow/config.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { correctionKind } from '../src/models/registry.js';
import { ROOT, tempDir } from './helpers/fixtures.js';

/** Every config file type ntcorr reads rejects a misspelt key, naming the file and the key path. */

const FIT = readFileSync(join(ROOT, 'examples/fit/gauss-exp-constrained.yaml'), 'utf8');

test('fit model YAML: unknown keys at every level name the file and the key path', (t) => {
  t.notThrows(() => buildModel(parse(FIT), 'model.yaml'));
  const cases: [string, RegExp][] = [
    [FIT.replace('mu: {value: 5280, step: 2}', 'mu: {value: 5280, stpe: 2}'), /^model\.yaml: parameters\.mu\.stpe: unknown key \(did you mean step\?\); allowed here: value, step, limits, fixed$/],
    [FIT.replace('lambda: lam, yield: nbkg', 'lambda: lam, yeild: nbkg'), /^model\.yaml: components(\[1\]|\.\w+)\.yeild: unknown key .*yield/],
    [FIT.replace('{type: gaussian, parameter: sigma, mean: 50, sigma: 5}', '{type: gaussian, parameter: sigma, mean: 50, sigma: 5, width: 3}'), /constraints\[0\]\.width: unknown key/],
    [FIT.replace('observable: {name: m, range: [4600, 7000]}', 'observable: {name: m, ragne: [4600, 7000], range: [4600, 7000]}'), /observable\.ragne: unknown key/],
    [FIT + 'constraint: []\n', /^model\.yaml: constraint: unknown key .*constraints/],
    [FIT + 'toys: {event: 10}\n', /toys\.event: unknown key/],
  ];
  for (const [text, re] of cases) t.throws(() => buildModel(parse(text), 'model.yaml'), { message: re });
});

test('jet YAML: unknown keys in every section', (t) => {
  const base = readFileSync(join(ROOT, '..', 'shared', 'fixtures', 'jets-mljec', 'test_config.yaml'), 'utf8');
  t.notThrows(() => parseJetConfig(base, '/c/jet.yaml'));
  const cases: [string, RegExp][] = [
    [base.replace('    type: mlp\n    num_units: [10, 10]\n  ne:', '    type: mlp\n    num_unit: [3]\n    num_units: [10, 10]\n  ne:'), /\/c\/jet\.yaml: model\.ch\.num_unit: unknown key/],
    [base.replace('    patience: 15', '    patiense: 15'), /train\.early_stopping\.patiense: unknown key/],
    [base.replace('  storage: test_results', '  storge: test_results'), /run\.storge: unknown key/],
    [base.replace('  head:\n', '  haed:\n    type: mlp\n    num_units: [4]\n  head:\n'), /model\.haed: (unknown key|no constituent type haed)/],
    [base.replace('  global:\n', '  global:\n    numerics: [pt]\n'), /features\.global\.numerics: unknown key/],
  ];
  for (const [text, re] of cases) t.throws(() => parseJetConfig(text, '/c/jet.yaml'), { message: re });
});

test('train flow YAML: unknown keys (already strict) name the configuration and key', (t) => {
  const y = 'configurations:\n  a:\n    data: d.parquet\n    mc: m.parquet\n    variables: [r9]\n    conditions: [pt]\n    output: o\n    model: {transfroms: 2}\n';
  t.throws(() => parseFlowConfigs(y, 'flow.yaml'), { message: /flow\.yaml: configuration "a": unknown key model\.transfroms/ });
});

test('model.json config of every kind: unknown keys are errors naming the key path', async (t) => {
  const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    ['sigma-m-over-m', (c) => { c.layots = c.layouts; }, /model\.json: config\.layots: unknown key \(expected one of layouts\)/],
    ['sigma-m-over-m', (c) => { ((c.layouts as Record<string, unknown>[])[0].colums = {}); }, /model\.json: config\.layouts\[0\]\.colums: unknown key \(expected one of columns, optional\)/],
    ['photon-mvaid-run3', (c) => { (c.inputs as Record<string, unknown>).prefered = 'raw'; }, /model\.json: config\.inputs\.prefered: unknown key/],
    ['zee-flow-small', (c) => { c.outputPatern = '{var}_x'; }, /config\.outputPatern: unknown key/],
    ['zee-flow-small', (c) => { ((c.architecture as Record<string, unknown>).hiden = [3]); }, /config\.architecture\.hiden: unknown key/],
  ];
  for (const [model, edit, re] of cases) {
    const dir = join(tempDir(), model);
    cpSync(join(ROOT, 'models', model), dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    edit(m.config);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
    const b = loadBundle(dir);
    const kind = await correctionKind(b.manifest.kind, b.dir);
    await t.throwsAsync(async () => kind.load(b, { backend: 'cpu', seed: 1 }), { message: re }, model);
  }
});
