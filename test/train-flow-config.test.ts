import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFlowConfigs, parseFlowConfigs } from '../src/train/flow/config.js';
import { ROOT, tempDir } from './helpers/fixtures.js';

const BASE = `
defaults:
  data: samples/zee_data.parquet
  mc: [samples/zee_mc.parquet]
  selection: 80 < mass < 100 and tag_pt > 40
  collections: [probe_]
  variables: [r9, sieie, pfChargedIso]
  conditions: [pt, ScEta, phi, fixedGridRhoAll]
  preprocessing:
    isolation:
      pfChargedIso: auto
  training:
    epochs: 3
configurations:
  small:
    model: {transforms: 2, hidden: [16, 16]}
    output: out/small
  big:
    training: {epochs: 50, learning_rate: 2.0e-4}
    output: out/big
`;

test('named configurations inherit defaults and get documented defaults', (t) => {
  const [small, big] = parseFlowConfigs(BASE, 'flow.yaml');
  t.is(small.name, 'small');
  t.deepEqual(small.data, ['samples/zee_data.parquet']);
  t.deepEqual(small.model.hidden, [16, 16]);
  t.is(small.model.bins, 10);
  t.is(small.training.epochs, 3);
  t.is(small.training.batch_size, 1024);
  t.deepEqual(small.preprocessing.isolation, { pfChargedIso: { shift: 'auto' } });
  t.deepEqual(small.reweight.variables, ['pt', 'ScEta', 'phi']);
  t.is(big.training.epochs, 50);
  t.is(big.training.learning_rate, 2e-4);
  t.deepEqual(big.model.hidden, [256, 256, 256]);
});

test('errors name the file, configuration and key', (t) => {
  const bad = (yaml: string, re: RegExp) => {
    const e = t.throws(() => parseFlowConfigs(yaml, 'my.yaml'));
    t.regex(e!.message, re);
    t.regex(e!.message, /my\.yaml/);
  };
  bad(BASE.replace('epochs: 3', 'epochs: three'), /configuration "small": training\.epochs: expected an integer \(got "three"\)/);
  bad(BASE.replace('epochs: 3', 'learing_rate: 0.1'), /unknown key training\.learing_rate/);
  bad(BASE.replace('pfChargedIso: auto', 'hoe: auto'), /preprocessing\.isolation\.hoe: expected one of variables/);
  bad(BASE.replace('output: out/small', ''), /"small": output: expected a non-empty string \(missing\)/);
  bad(BASE.replace('conditions: [pt,', 'conditions: [r9, pt,'), /conditions: expected names that are not also in variables/);
  bad('configurations: [1, 2', /not valid YAML/);
  bad('foo: 1', /unknown top-level key "foo"/);
  bad(BASE.replace('training:\n    epochs: 3', 'training:\n    validation_fraction: 0.5\n    test_fraction: 0.5'), /sum below 0\.95/);
});

test('loadFlowConfigs picks configurations by name and reports unknown names', (t) => {
  const dir = tempDir();
  const f = join(dir, 'flow.yaml');
  writeFileSync(f, BASE);
  t.deepEqual(loadFlowConfigs(f, ['big']).map((c) => c.name), ['big']);
  t.regex(t.throws(() => loadFlowConfigs(f, ['nope']))!.message, /no configuration named "nope" \(have: small, big\)/);
  t.regex(t.throws(() => loadFlowConfigs(join(dir, 'missing.yaml')))!.message, /missing\.yaml: cannot read the config \(ENOENT\)/);
});

test('the example config in the repository is valid', (t) => {
  const configs = loadFlowConfigs(join(ROOT, 'examples/flow/flow.yaml'));
  t.true(configs.length >= 2);
  for (const c of configs) t.true(c.variables.length >= 2);
});
