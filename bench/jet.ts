/**
 * Jet regression benchmark: training and inference jets/s of an ml-jec-sized Deep Sets model, peak RSS of
 * `apply` on a large ROOT file, and the physics quality on the synthetic sample (resolution and
 * per-flavour median response before/after, on held-out jets).
 *
 *   node --import tsx bench/jet.ts [--small] [--part throughput]
 *
 * Anchors (measurements.md, PyTorch 2.13, 2 threads, ml-jec-sized model): ~16,500 jets/s inference
 * (batch 4096), ~5,000 jets/s training (batch 1024). Inference is also measured on ONNX Runtime (the
 * engine, 1 and 2 intra-op threads) and, in the same run, with PyTorch (bench/jet_torch.py, same network
 * shape and padding; python from NTCORR_PYTHON, default python3; skipped when torch is not importable).
 * `--part throughput` stops after the throughput rows (no training of the example model, no apply).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/compute/backend.js';
import { parseJetConfig, type JetConfig } from '../src/models/jet/config.js';
import { datasetFiles, loadJets, splitFiles } from '../src/train/jet/dataset.js';
import { fitTransform } from '../src/train/jet/fit-transform.js';
import { createJetParams, predictBlock } from '../src/models/jet/network.js';
import { JetOnnxRunner } from '../src/models/jet/onnx-infer.js';
import { openJetPredictor } from '../src/models/jet/pool.js';
import { sliceJetBlock } from '../src/models/jet/features.js';
import { archFor, trainJet } from '../src/train/jet/train.js';
import { responseSummary } from '../src/models/jet/metrics.js';
import { transformToYaml } from '../src/models/jet/transform.js';
import { Xoshiro128ss } from '../src/core/random.js';
import { Adam } from '../src/nn/optim.js';
import { trainStep } from '../src/nn/loop.js';
import { jetForward, jetLoss, makeBatch } from '../src/models/jet/network.js';
import { makeJetSamples } from '../scripts/make-jet-samples.js';
import { fileChunks } from '../src/train/jet/dataset.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const FLAVOUR_NAMES: Record<number, string> = { 1: 'uds', 4: 'c', 5: 'b', 21: 'g' };

function configText(location: string, output: string, sized: 'example' | 'mljec', epochs: number): string {
  const blocks = sized === 'mljec'
    ? `  ch: {embeddings: {ch_id: 3, ch_pv_ass: 2}, type: mlp, num_units: [64, 64, 64]}
  ne: {embeddings: {ne_id: 2}, type: mlp, num_units: [64, 64, 64]}
  sv: {embeddings: {}, type: mlp, num_units: [32, 32]}
  head: {type: mlp, num_units: [300, 157, 300, 157, 300, 157, 20]}`
    : `  ch: {embeddings: {ch_id: 3, ch_pv_ass: 2}, type: mlp, num_units: [32, 32]}
  ne: {embeddings: {ne_id: 2}, type: mlp, num_units: [32, 32]}
  sv: {embeddings: {}, type: mlp, num_units: [16]}
  head: {type: resnet_per_unit, num_units: [64, 64]}`;
  return `data: {location: ${location}, tree: Jets, split: [3, 1, -1], batch_size: ${sized === 'mljec' ? 1024 : 256}}
features:
  global: {numerical: [pt, eta, mass, area, num_pv, rho]}
  ch: {numerical: [ch_pt, ch_eta, ch_dxy, ch_rel_pt, ch_deta, ch_dphi, ch_dr], categorical: [ch_id, ch_pv_ass], max_size: 64}
  ne: {numerical: [ne_pt, ne_hcal_frac, ne_rel_pt, ne_deta, ne_dphi, ne_dr], categorical: [ne_id], max_size: 64}
  sv: {numerical: [sv_mass, sv_pt, sv_distance, sv_num_tracks, sv_rel_pt], max_size: 8}
model:
${blocks}
loss: {type: huber, delta: 0.1}
train: {max_epochs: ${epochs}, learning_rate: 2.e-3, weight_decay: 1.e-5, clip_norm: 5, reduce_lr_on_plateau: {factor: 0.3, patience: 2, min_delta: 1.e-4, semantics: torch}, early_stopping: {patience: 5, min_delta: 1.e-5}, seed: 1}
transform:
  steps:
    pt: [{arcsinh: 10}]
    mass: [{arcsinh: 10}]
    ch_pt: [{arcsinh: 0.1}]
    ch_dxy: [abs, {arcsinh: 0.001}]
    ne_pt: [{arcsinh: 0.1}]
    sv_mass: [{arcsinh: 0.1}]
    sv_pt: [{arcsinh: 0.1}]
    sv_distance: [{arcsinh: 0.01}]
    sv_num_tracks: [log]
output: ${output}
`;
}

function rssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** PyTorch inference jets/s on the same arch and constituent counts (bench/jet_torch.py), or undefined. */
function torchRate(specPath: string, threads: number, fixed: boolean): number | undefined {
  const py = process.env.NTCORR_PYTHON ?? 'python3';
  const r = spawnSync(py, [join(HERE, 'jet_torch.py'), specPath, '--threads', String(threads), ...(fixed ? ['--fixed'] : [])], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) return undefined;
  try { return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { jets_per_s: number }).jets_per_s; } catch { return undefined; }
}

export async function run(opts: { small: boolean; part?: string }): Promise<void> {
  const backend = await initBackend('auto');
  const data = join(HERE, 'data', 'jet');
  const jets = opts.small ? 20_000 : 200_000;
  const ds = join(data, `sample-${jets}`);
  if (!existsSync(join(ds, 'data.yaml'))) {
    console.log(`generating ${jets} synthetic jets in ${ds} ...`);
    await makeJetSamples(ds, jets, 5, 1);
  }
  mkdirSync(join(data, 'work'), { recursive: true });
  const write = (name: string, text: string) => { const p = join(data, 'work', name); writeFileSync(p, text); return p; };
  const load = (name: string, text: string): JetConfig => parseJetConfig(text, write(name, text));

  // 1. throughput of the ml-jec-sized network (training steps with batch 1024, inference with batch 4096)
  const big = load('mljec.yaml', configText(ds, join(data, 'work', 'model-mljec'), 'mljec', 1));
  const files = splitFiles(datasetFiles(ds), big.data.split, big.file);
  const tr = await fitTransform(big, files.train);
  writeFileSync(big.data.transform, transformToYaml(tr));
  const train = await loadJets(files.train.slice(0, 1), big, tr, true);
  const arch = archFor(big, tr);
  const params = createJetParams(arch, Xoshiro128ss.fromSeed(1));
  const adam = new Adam(params, { lr: 1e-3 });
  const bs = 1024;
  const steps = opts.small ? 4 : 30;
  const rng = Xoshiro128ss.fromSeed(2);
  const weights = new Map(params.entries().map(([n, v]) => [n, v.dataSync() as Float32Array]));
  // Padded graphs (like for like with PyTorch's padded batches) and the engine's default packed graph.
  const onnx1 = await JetOnnxRunner.create(arch, (n) => weights.get(n)!, { threads: 1, padding: true });
  const onnx2 = await JetOnnxRunner.create(arch, (n) => weights.get(n)!, { threads: 2, padding: true });
  const packed1 = await JetOnnxRunner.create(arch, (n) => weights.get(n)!, { threads: 1 });
  const packed2 = await JetOnnxRunner.create(arch, (n) => weights.get(n)!, { threads: 2 });
  const onnxRate = async (r: JetOnnxRunner, fixed: boolean) => {
    await r.predict(train, 4096, fixed); // warm-up
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      await r.predict(train, 4096, fixed);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return train.n / best;
  };
  const specPath = join(data, 'work', 'jet-torch-spec.json');
  writeFileSync(specPath, JSON.stringify({ arch, lengths: train.types.map((tb) => Array.from({ length: train.n }, (_, i) => tb.offsets[i + 1] - tb.offsets[i])) }));
  const fmt = (x: number | undefined) => (x === undefined ? 'skipped' : Math.round(x).toLocaleString('en-US'));
  const measure = (fixed: boolean) => {
    const batchAt = () => makeBatch(train, arch, rng.permutation(train.n).subarray(0, bs), true, fixed);
    const step = () => { const b = batchAt(); trainStep(params, adam, () => jetLoss(jetForward(params, arch, b), b.target!, big.loss)); b.dispose(); };
    step(); // warm-up
    let t0 = performance.now();
    for (let s = 0; s < steps; s++) step();
    const trainRate = (steps * bs) / ((performance.now() - t0) / 1000);
    predictBlock(params, arch, train, 4096, fixed); // warm-up
    t0 = performance.now();
    predictBlock(params, arch, train, 4096, fixed);
    return { trainRate, inferRate: train.n / ((performance.now() - t0) / 1000) };
  };
  const meanSizes = arch.types.map((t, k) => (train.types[k].offsets[train.n] / train.n).toFixed(1));
  console.log(`backend ${backend}; ml-jec-sized model (${params.count().toLocaleString('en-US')} parameters); synthetic jets with mean constituents ${arch.types.map((t, k) => `${t.name} ${meanSizes[k]}`).join(', ')}`);
  const k1 = await onnxRate(packed1, false), k2 = await onnxRate(packed2, false);
  // How apply runs it: 2 worker threads x 1 intra-op thread, each block split in two (models/jet/pool.ts).
  const workers = await openJetPredictor(arch, (n) => weights.get(n)!, { threads: 2 });
  await workers.predict(train);
  let bestW = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    for (let s = 0; s < train.n; s += 16_384) await workers.predict(sliceJetBlock(train, arch, s, Math.min(train.n, s + 16_384)));
    bestW = Math.min(bestW, (performance.now() - t0) / 1000);
  }
  await workers.close();
  const kW = train.n / bestW;
  for (const fixed of [true, false]) {
    const r = measure(fixed);
    console.log(`  ${fixed ? 'padded to 64/64/8 (as ml-jec / the PyTorch anchor)' : 'padded per batch to its longest jet (the tfjs network)'}:`);
    console.log(`    training:  ${Math.round(r.trainRate).toLocaleString('en-US')} jets/s (batch ${bs}, Adam; PyTorch anchor ~5,000)`);
    console.log(`    inference: ${Math.round(r.inferRate).toLocaleString('en-US')} jets/s (tfjs ${backend}, batch 4096, features precomputed; PyTorch anchor ~16,500)`);
    const o1 = await onnxRate(onnx1, fixed), o2 = await onnxRate(onnx2, fixed);
    const p1 = torchRate(specPath, 1, fixed), p2 = torchRate(specPath, 2, fixed);
    console.log(`    inference ONNX Runtime, padded graph (same shapes as PyTorch): ${fmt(o1)} jets/s (1 thread), ${fmt(o2)} jets/s (2 threads)`);
    console.log(`    inference PyTorch (same run, same shapes): ${fmt(p1)} jets/s (1 thread), ${fmt(p2)} jets/s (2 threads)${p2 ? `; ONNX padded/PyTorch at 2 threads ${(o2 / p2).toFixed(2)}x` : ''}`);
    if (p2) console.log(`    inference ONNX Runtime, packed graph (the engine's default; same predictions): ${fmt(k1)} jets/s (1 thread), ${fmt(k2)} jets/s (1 session x 2 threads), ${fmt(kW)} jets/s (2 workers x 1 thread, as apply; chunks of 16,384 jets); best over PyTorch at 2 threads ${(Math.max(k2, kW) / p2).toFixed(2)}x (target >= 2x)`);
  }
  params.dispose(); adam.dispose();
  await onnx1.close(); await onnx2.close(); await packed1.close(); await packed2.close();
  if (opts.part === 'throughput') return;

  // 2. quality: train the example-sized model, evaluate on the held-out test shard by flavour
  const small = load('example.yaml', configText(ds, join(data, 'work', 'model-example'), 'example', opts.small ? 4 : 25));
  writeFileSync(small.data.transform, transformToYaml(await fitTransform(small, files.train)));
  const t0 = performance.now();
  const res = await trainJet(small, { backend, log: () => {} });
  const trainSeconds = (performance.now() - t0) / 1000;
  const epochs = res.history.length;
  const meanRate = res.history.reduce((a, h) => a + h.events_per_s, 0) / epochs;
  console.log(`example model: ${epochs} epochs in ${trainSeconds.toFixed(0)} s (mean ${Math.round(meanRate).toLocaleString('en-US')} training jets/s)`);
  const test = await loadJets(files.test, small, (await import('../src/models/jet/transform.js')).readTransform(small.data.transform), true);
  const flav = new Int32Array(test.n);
  let k = 0;
  for (const f of files.test) for await (const ch of fileChunks(f, 'Jets', ['parton_flavor'])) { flav.set(ch.columns.get('parton_flavor') as Int32Array, k); k += ch.rows; }
  const { loadBundle } = await import('../src/bundle/bundle.js');
  const { Params } = await import('../src/nn/params.js');
  const bundle = loadBundle(res.bundle);
  const p = new Params();
  for (const [name, t] of bundle.tensors()) p.add(name, t.shape, t.data as Float32Array);
  const s = responseSummary(test, predictBlock(p, archFor(small, (bundle.manifest.config as { transform: never }).transform), test), flav, FLAVOUR_NAMES);
  console.log(`held-out jets: ${s.jets}`);
  console.log(`  resolution (half 16-84% IQR): pt/pt_gen ${s.resolution.before.toFixed(4)} -> pt_corr/pt_gen ${s.resolution.after.toFixed(4)} (${(100 * s.resolution.improvement).toFixed(1)}% better; target >= 20%)`);
  for (const [name, m] of Object.entries(s.byGroup!)) console.log(`  median response ${name.padEnd(3)} (${m.jets} jets): ${m.before.toFixed(4)} -> ${m.after.toFixed(4)}`);
  console.log(`  flavour spread of the median: ${s.spread!.before.toFixed(4)} -> ${s.spread!.after.toFixed(4)} (${(s.spread!.after / s.spread!.before).toFixed(2)}x; target <= 0.5x)`);
  p.dispose();

  // 3. apply to a large file in a child process (its own peak RSS)
  const nApply = opts.small ? 20_000 : 1_000_000;
  const applyDs = join(data, `apply-${nApply}`);
  if (!existsSync(join(applyDs, 'data.yaml'))) {
    console.log(`generating a ${nApply}-jet file ...`);
    await makeJetSamples(applyDs, nApply, 1, 7);
  }
  for (const be of ['onnx', 'wasm']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, '_jet-apply-child.ts'), res.bundle, join(applyDs, 'shards', '1.root'), join(data, 'work', 'applied'), 'friend', be], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    try {
      const r = JSON.parse(line) as { rows: number; seconds: number; jetsPerS: number; maxRssMB: number; failed: number };
      console.log(`apply --backend ${be} (example model, friend tree output) to ${r.rows.toLocaleString('en-US')} jets: ${Math.round(r.jetsPerS).toLocaleString('en-US')} jets/s end to end (read ROOT, features, network, write), peak RSS ${r.maxRssMB.toFixed(0)} MB${r.failed ? ' (FAILED)' : ''}`);
    } catch {
      console.log(`apply child (--backend ${be}) failed: ${child.stderr.slice(-2000)}`);
    }
  }
  console.log(`bench process peak RSS ${rssMB().toFixed(0)} MB`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const part = process.argv.indexOf('--part');
  await run({ small: process.argv.includes('--small'), part: part > 0 ? process.argv[part + 1] : undefined });
}
