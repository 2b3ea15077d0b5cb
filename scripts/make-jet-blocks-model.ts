// Trains test/data/jet-mljec-blocks-model: a tiny bundle on the ml-jec fixture that uses every block
// option (ml-jec resnet with projection and odd last layer, identity-bypass resnet, mlp with batch norm and
// dropout, a global categorical embedding, unknown categories as zero vectors and as an extra row), for the
// independent numpy forward pass (scripts/ref/jet-numpy-ref.py -> test/data/jet-mljec-blocks-expected-5.json).
// Run: node --import tsx scripts/make-jet-blocks-model.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadJetConfig } from '../src/models/jet/config.js';
import { trainJet } from '../src/train/jet/train.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MLJEC = join(ROOT, '..', 'shared', 'fixtures', 'jets-mljec');
const out = join(ROOT, 'test/data/jet-mljec-blocks-model');
const tmp = mkdtempSync(join(tmpdir(), 'ntcorr-blocks-'));
const tr = YAML.parse(readFileSync(join(MLJEC, 'transform.yaml'), 'utf8'));
tr.categorical.ch_pv_ass = [0, 1, 4, 5, 6]; // 7 becomes unknown: zero vectors (unknown_category: zero, the default)
tr.categorical.ne_id = [1, 2, 22]; // 130 becomes unknown: the extra row
tr.categorical.hadron_flavor = [0, 4, 5];
writeFileSync(join(tmp, 'transform.yaml'), YAML.stringify(tr));
const doc = YAML.parse(readFileSync(join(MLJEC, 'test_config.yaml'), 'utf8'));
doc.data.location = MLJEC;
doc.data.transform = join(tmp, 'transform.yaml');
doc.features.global.categorical = ['hadron_flavor'];
doc.model.ch = { ...doc.model.ch, type: 'resnet', num_units: [10, 12, 8] };
doc.model.ne = { ...doc.model.ne, type: 'mlp', num_units: [10, 10], batch_norm: true, dropout: 0.1, unknown_category: 'row' };
doc.model.sv = { embeddings: {}, type: 'resnet', num_units: [6, 6] };
doc.model.head = { type: 'resnet', num_units: [16, 16, 8], embeddings: { hadron_flavor: 2 } };
doc.train = { max_epochs: 3, steps_per_epoch: 6, learning_rate: 5e-3, seed: 4 };
doc.output = out;
writeFileSync(join(tmp, 'jet.yaml'), YAML.stringify(doc));
await trainJet(loadJetConfig(join(tmp, 'jet.yaml')), { backend: 'wasm', log: (s) => console.log(s) });
rmSync(join(out, 'checkpoint'), { recursive: true, force: true });
rmSync(tmp, { recursive: true, force: true });
