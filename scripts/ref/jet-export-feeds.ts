// Feeds and ntcorr's predictions (apply's ONNX path) for synthetic jets through a jet bundle, as JSON, for
// scripts/ref/check-jet-export.py. Usage: node --import tsx scripts/ref/jet-export-feeds.ts BUNDLE JETS SEED [synthetic|random] > feeds.json
// synthetic (default): generateJets through the bundle's features; random: randomJetBlock (network inputs drawn
// for the arch, every category index included), for bundles on branches the synthetic sample lacks (ml-jec's).
import { loadBundle } from '../../src/bundle/bundle.js';
import { buildJetBlock } from '../../src/models/jet/features.js';
import { configFromBundle, type JetBundleConfig } from '../../src/models/jet/kind.js';
import { JetOnnxRunner } from '../../src/models/jet/onnx-infer.js';
import { normalizeArch } from '../../src/models/jet/network.js';
import { generateJets, randomJetBlock } from '../../src/train/jet/synthetic.js';

const [dir, n, seed, source = 'synthetic'] = process.argv.slice(2);
const bundle = loadBundle(dir);
const c = bundle.manifest.config as unknown as JetBundleConfig;
const synthetic = () => {
  const { rows, columns } = generateJets(Number(n), Number(seed));
  return buildJetBlock(columns, rows, configFromBundle(c), c.transform, 'synthetic', false);
};
const block = source === 'random' ? randomJetBlock(normalizeArch(c.arch), Number(n), Number(seed)) : synthetic();
const tensors = bundle.tensors();
const runner = await JetOnnxRunner.create(c.arch, (name) => tensors.get(name)!.data as Float32Array);
const pred = await runner.predict(block);
const feeds = runner.feeds(block, Int32Array.from({ length: block.n }, (_, i) => i));
await runner.close();
const out: Record<string, unknown> = { pred: Array.from(pred) };
for (const [k, f] of Object.entries(feeds)) out[k] = { dims: f.dims, dtype: f.data instanceof BigInt64Array ? 'int64' : 'float32', data: Array.from(f.data as ArrayLike<number | bigint>, Number) };
console.log(JSON.stringify(out));
