import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../src/compute/engine.js';
import { importZuko } from '../src/models/flow/import.js';
import { flowOnnxModel } from '../src/models/flow/onnx-flow.js';
import { HostSplineFlow, hostFlowGraphs } from '../src/models/flow/host-flow.js';
import { openCorrections } from '../src/models/flow/pool.js';
import { forward64, inverse64 } from '../src/models/flow/reference.js';
import { weightsFromZuko } from '../src/models/flow/zuko.js';
import { mulberry32 } from '../src/core/random.js';
import { fixtureArch, fixtureTensors, io, maxAbsDiff, type FixtureName } from './flow-fixtures.js';
import { fixture, tempDir } from './helpers/fixtures.js';

/**
 * The flow on ONNX Runtime (forward, log_prob, exact incremental inverse, correction) against zuko's float64
 * outputs on all 256 fixture events. The bar is zuko's OWN float32 error (manifest.json: zuko float32 vs
 * zuko float64 on the same parameters): ntcorr's float32 engine must not be less accurate than zuko itself.
 */
const manifest = JSON.parse(readFileSync(fixture('zuko', 'manifest.json'), 'utf8')) as { flows: Record<string, { stats: Record<string, number> }> };

async function runAll(name: FixtureName) {
  const arch = fixtureArch(name);
  const w = weightsFromZuko(fixtureTensors(name), arch, name);
  const s = await Session.create(flowOnnxModel(w, ['forward', 'log_prob', 'inverse', 'correction']), { label: name });
  const n = 256;
  const f32 = (a: string) => Float32Array.from(io(name, a).data);
  const r = await s.run({ x: { data: f32('x'), dims: [n, arch.features] }, z: { data: f32('y'), dims: [n, arch.features] }, c: { data: f32('c'), dims: [n, arch.context] } });
  await s.dispose();
  return { r, w, arch, n };
}

for (const name of ['nsf_c', 'nsf_a'] as FixtureName[]) {
  test(`onnx ${name}: forward, log_prob, incremental inverse and correction within zuko's own float32 error (256 events)`, async (t) => {
    const { r } = await runAll(name);
    const st = manifest.flows[name].stats;
    const check = (what: string, got: Float32Array, ref: string, zuko32: number) => {
      const d = maxAbsDiff(got, io(name, ref).data);
      t.log(`${what}: max |onnx - zuko f64| ${d.toExponential(2)}, zuko f32 ${zuko32.toExponential(2)} (x${(d / zuko32).toFixed(2)})`);
      t.true(d <= zuko32, `${what} ${d} > zuko's float32 error ${zuko32}`);
    };
    check('y', r.y.data, 'y', st.max_abs_y_f32_minus_f64);
    check('ladj', r.ladj.data, 'ladj', st.max_abs_ladj_f32_minus_f64);
    check('log_prob', r.log_prob.data, 'log_prob', st.max_abs_logprob_f32_minus_f64);
    check('inverse', r.x_inv.data, 'x_back', st.max_abs_x_back_minus_x_f32);
    check('x_corr', r.x_corr.data, 'x_corr', st.max_abs_xcorr_f32_minus_f64);
  });
}

for (const name of ['nsf_c', 'nsf_a'] as FixtureName[]) {
  test(`onnx host-spline route ${name}: forward, ladj, incremental inverse and correction within zuko's own float32 error (256 events)`, async (t) => {
    const arch = fixtureArch(name);
    const w = weightsFromZuko(fixtureTensors(name), arch, name);
    const flow = await HostSplineFlow.create(w, hostFlowGraphs(w), { label: name });
    const n = 256;
    const f32 = (a: string) => Float32Array.from(io(name, a).data);
    const c = f32('c');
    const fwd = await flow.forward(f32('x'), c, n, true);
    const xInv = await flow.inverse(Float64Array.from(f32('y')), c, n);
    const xCorr = await flow.correct(f32('x'), c, n);
    await flow.dispose();
    const st = manifest.flows[name].stats;
    const check = (what: string, got: ArrayLike<number>, ref: string, zuko32: number) => {
      const d = maxAbsDiff(Float32Array.from(got), io(name, ref).data);
      t.log(`${what}: max |host - zuko f64| ${d.toExponential(2)}, zuko f32 ${zuko32.toExponential(2)} (x${(d / zuko32).toFixed(2)})`);
      t.true(d <= zuko32, `${what} ${d} > zuko's float32 error ${zuko32}`);
    };
    check('y', fwd.z, 'y', st.max_abs_y_f32_minus_f64);
    check('ladj', fwd.ladj!, 'ladj', st.max_abs_ladj_f32_minus_f64);
    check('inverse', xInv, 'x_back', st.max_abs_x_back_minus_x_f32);
    check('x_corr', xCorr, 'x_corr', st.max_abs_xcorr_f32_minus_f64);
  });
}

test('onnx: the spline constants come from the bundle architecture (slope 1e-4, bound 4 against the float64 reference)', async (t) => {
  const name: FixtureName = 'nsf_c';
  const arch = { ...fixtureArch(name), slope: 1e-4, bound: 4 };
  const w = weightsFromZuko(fixtureTensors(name), arch, name);
  const n = 256;
  const x = Float32Array.from(io(name, 'x').data);
  const c = Float32Array.from(io(name, 'c').data);
  const s = await Session.create(flowOnnxModel(w, ['forward', 'inverse']), { label: 'slope' });
  const f64 = forward64(w, x, c, n);
  const r = await s.run({ x: { data: x, dims: [n, 3] }, z: { data: Float32Array.from(f64.y), dims: [n, 3] }, c: { data: c, dims: [n, 2] } });
  await s.dispose();
  const dy = maxAbsDiff(r.y.data, f64.y);
  const dx = maxAbsDiff(r.x_inv.data, inverse64(w, Float32Array.from(f64.y), c, n));
  // With zuko's default constants the outputs differ far more than float32 rounding.
  const dDefault = maxAbsDiff(io(name, 'y').data, f64.y);
  t.log(`slope 1e-4 bound 4: y ${dy.toExponential(2)}, inverse ${dx.toExponential(2)}; default-constant outputs differ by ${dDefault.toExponential(2)}`);
  t.true(dy < 1e-5 && dx < 1e-5);
  t.true(dDefault > 1e-3);
});

test('onnx correction pool: identical outputs for 1 thread, 2 worker threads, one session with 2 intra-op threads, and any chunking (host-spline and single-graph routes)', async (t) => {
  const dir = tempDir();
  const bundle = join(dir, 'nsf_c');
  await importZuko({ checkpoint: fixture('zuko', 'nsf_c', 'state_dict.pth'), zukoVersion: '1.6.0', out: bundle, command: 'test' }); // layout.json: made with zuko 1.6.0
  const n = 3000;
  const rnd = mulberry32(5);
  const x = Float32Array.from({ length: n * 3 }, () => 8 * rnd() - 4);
  const c = Float32Array.from({ length: n * 2 }, () => 2 * rnd() - 1);
  const run = async (threads: number, opts: { workers?: boolean; intraOp?: boolean; route?: 'host' | 'graph' }, chunk: number) => {
    const pool = await openCorrections(bundle, 'onnx', threads, opts);
    const out = new Float32Array(n * 3);
    try {
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s);
        out.set(await pool.correct(x.slice(s * 3, (s + m) * 3), c.slice(s * 2, (s + m) * 2), m, 3, 2), s * 3);
      }
      t.is(pool.backend, 'onnx-cpu');
    } finally {
      await pool.close();
    }
    return out;
  };
  const one = await run(1, {}, n);
  t.deepEqual(await run(2, {}, 1111), one);
  t.deepEqual(await run(2, { intraOp: true, route: 'host' }, 700), one);
  t.deepEqual(await run(1, { workers: true }, 257), one);
  t.deepEqual(await run(1, { route: 'host' }, 999), one, 'host is the CPU default');
  // The single graph: the same invariance, and the same values up to float summation order.
  const graph = await run(1, { route: 'graph' }, n);
  t.deepEqual(await run(2, { route: 'graph' }, 1111), graph);
  t.deepEqual(await run(2, { intraOp: true }, 700), graph, 'intra-op threads default to the single graph');
  t.log(`max |host - graph| ${maxAbsDiff(one, graph).toExponential(2)}`);
  t.true(maxAbsDiff(one, graph) < 1e-5);
  // And the values are the flow's correction (float64 reference of the same weights).
  const w = weightsFromZuko(fixtureTensors('nsf_c'), fixtureArch('nsf_c'), 'nsf_c');
  const c0 = c.map((v, i) => (i % 2 === 1 ? 0 : v));
  const c1 = c.map((v, i) => (i % 2 === 1 ? 1 : v));
  const ref = inverse64(w, forward64(w, x, c0, n).y, c1, n);
  t.true(maxAbsDiff(one, ref) < 1e-4);
});
