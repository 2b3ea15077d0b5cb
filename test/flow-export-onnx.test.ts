import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../src/compute/engine.js';
import { decodeModel } from '../src/compute/onnx/proto.js';
import { io, maxAbsDiff } from './flow-fixtures.js';
import { runCli } from './helpers/cli.js';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';

/** `ntcorr export-onnx` through the real CLI: the written models run on ONNX Runtime and give zuko's outputs. */
const dir = tempDir();
const bundle = join(dir, 'nsf_c');

test.before(() => {
  const r = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '--features', '3', '--context', '2', '--bins', '8', '--transforms', '3', '--hidden', '32,32', '--zuko-version', '1.6.0', '-o', bundle]);
  if (r.code !== 0) throw new Error(r.stderr);
});

test('export-onnx writes forward, correction and inverse models that reproduce zuko (nsf_c)', async (t) => {
  const out = join(dir, 'flow.onnx');
  const r = runCli(['export-onnx', bundle, '-o', out]);
  t.is(r.code, 0, r.stderr);
  const files = ['forward', 'correction', 'inverse'].map((g) => join(dir, `flow.${g}.onnx`));
  t.true(files.every((f) => existsSync(f)));
  t.false(existsSync(out));
  const n = 256;
  const f32 = (a: string) => Float32Array.from(io('nsf_c', a).data);
  const c = { data: f32('c'), dims: [n, 2] };
  const run = async (file: string, feeds: Record<string, { data: Float32Array; dims: number[] }>) => {
    const s = await Session.create(readFileSync(file), { label: file });
    try { return await s.run(feeds); } finally { await s.dispose(); }
  };
  const fwd = await run(files[0], { x: { data: f32('x'), dims: [n, 3] }, c });
  t.deepEqual(Object.keys(fwd).sort(), ['ladj', 'log_prob', 'y']);
  t.true(maxAbsDiff(fwd.y.data, io('nsf_c', 'y').data) < 6e-6);
  t.true(maxAbsDiff(fwd.log_prob.data, io('nsf_c', 'log_prob').data) < 3e-5);
  const corr = await run(files[1], { x: { data: f32('x'), dims: [n, 3] }, c });
  t.true(maxAbsDiff(corr.x_corr.data, io('nsf_c', 'x_corr').data) < 6.2e-6);
  const inv = await run(files[2], { z: { data: f32('y'), dims: [n, 3] }, c });
  t.true(maxAbsDiff(inv.x_inv.data, io('nsf_c', 'x_back').data) < 2.5e-6);
  // Provenance inside the model: bundle name and hash, variables, spline precision.
  const m = decodeModel(readFileSync(files[1])) as { metadata_props: { key: string; value: string }[]; producer_name: string };
  const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
  t.is(m.producer_name, 'ntcorr');
  t.is(meta['ntcorr.graph'], 'correction');
  t.is(meta['ntcorr.spline_precision'], 'float64');
  t.regex(meta['ntcorr.bundle_hash'], /^[0-9a-f]{16,}$/);
});

test('export-onnx: one graph goes to the given path; existing files need --force; bad graphs and non-flow bundles are refused', (t) => {
  const out = join(dir, 'corr.onnx');
  t.is(runCli(['export-onnx', bundle, '-o', out, '--graphs', 'correction']).code, 0);
  t.true(existsSync(out));
  const again = runCli(['export-onnx', bundle, '-o', out, '--graphs', 'correction']);
  t.is(again.code, 1);
  t.regex(again.stderr, /corr\.onnx exists; give --force/);
  t.is(runCli(['export-onnx', bundle, '-o', out, '--graphs', 'correction', '--force']).code, 0);
  const bad = runCli(['export-onnx', bundle, '-o', join(dir, 'x.onnx'), '--graphs', 'forward,sample']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--graphs: expected a comma list of forward, correction, inverse/);
  const derived = runCli(['export-onnx', join(ROOT, 'models', 'sigma-m-over-m'), '-o', join(dir, 'd.onnx')]);
  t.is(derived.code, 1);
  t.regex(derived.stderr, /bundles of kind derived cannot be exported \(exportable: jet-regression, flow\)/);
});
