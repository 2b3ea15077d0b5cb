import test from 'ava';
import { decodeModel } from '../src/compute/onnx/proto.js';
import { OnnxGraph } from '../src/compute/onnx/graph.js';
import { installedProviders, int64Of, parseDevice, resolveDevice, Session } from '../src/compute/engine.js';
import { mulberry32 } from '../src/core/random.js';

const sizes = [21, 64, 48, 29];

function randomMlp(seed: number) {
  const rnd = mulberry32(seed);
  return sizes.slice(1).map((out, l) => {
    const inN = sizes[l];
    const a = 1 / Math.sqrt(inN);
    return { inN, out, w: Float32Array.from({ length: inN * out }, () => (2 * rnd() - 1) * a), b: Float32Array.from({ length: out }, () => (2 * rnd() - 1) * a) };
  });
}

function mlpGraph(layers: ReturnType<typeof randomMlp>): Uint8Array {
  const g = new OnnxGraph('mlp');
  let h = g.input('x', 'float32', ['batch', sizes[0]]);
  layers.forEach((L, l) => {
    h = g.dense(h, L.w, L.b, L.inN, L.out, `l${l}`);
    if (l < layers.length - 1) h = g.relu(h);
  });
  g.op('Identity', [h], {}, 'y');
  g.output('y', 'float32', ['batch', sizes[sizes.length - 1]]);
  return g.toBytes();
}

/** Float64 host MLP (x @ W + b, ReLU between layers) on the same float32 weights. */
function mlp64(layers: ReturnType<typeof randomMlp>, x: Float32Array, n: number): Float64Array {
  let h = Float64Array.from(x);
  layers.forEach((L, l) => {
    const o = new Float64Array(n * L.out);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < L.out; j++) {
        let v = L.b[j];
        for (let i = 0; i < L.inN; i++) v += h[r * L.inN + i] * L.w[i * L.out + j];
        o[r * L.out + j] = l < layers.length - 1 ? Math.max(0, v) : v;
      }
    }
    h = o;
  });
  return h;
}

test('an MLP built with OnnxGraph runs on ONNX Runtime and matches a float64 host computation', async (t) => {
  const layers = randomMlp(7);
  const n = 300;
  const rnd = mulberry32(8);
  const x = Float32Array.from({ length: n * sizes[0] }, () => 4 * rnd() - 2);
  const bytes = mlpGraph(layers);
  const s = await Session.create(bytes, { device: 'cpu', label: 'mlp test' });
  t.deepEqual([...s.inputNames], ['x']);
  t.deepEqual([...s.outputNames], ['y']);
  const { y } = await s.run({ x: { data: x, dims: [n, sizes[0]] } });
  t.deepEqual(y.dims, [n, 29]);
  const ref = mlp64(layers, x, n);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(y.data[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  t.true(maxRef > 0.1, `reference is not trivially zero (${maxRef})`);
  // float32 accumulation over <= 64 terms of O(1) values: a few 1e-7 relative.
  t.true(maxAbs < 2e-6 * maxRef, `max |ort - float64| = ${maxAbs} (scale ${maxRef})`);
  // Batch independence: running a row alone gives the same float32 values as in the batch of 300.
  const one = await s.run({ x: { data: x.slice(5 * 21, 6 * 21), dims: [1, 21] } });
  t.true(one.y.data.every((v, j) => Math.abs(v - y.data[5 * 29 + j]) <= 1e-6 * maxRef));
  await s.dispose();
});

test('OnnxGraph writes a model that decodes back to the same structure (opset 18, initializers as raw data)', (t) => {
  const layers = randomMlp(1);
  const m = decodeModel(mlpGraph(layers)) as { ir_version: number; opset_import: { version: number }[]; graph: { node: { op_type: string }[]; initializer: { name: string; dims: number[]; raw_data: Uint8Array }[]; input: { name: string }[] } };
  t.is(m.ir_version, 8);
  t.is(m.opset_import[0].version, 18);
  t.deepEqual(m.graph.node.map((n) => n.op_type), ['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Identity']);
  const w0 = m.graph.initializer[0];
  t.deepEqual(w0.dims, [21, 64]);
  t.deepEqual(new Float32Array(Uint8Array.from(w0.raw_data).buffer), layers[0].w);
});

test('graph builder rejects undefined inputs, duplicate values and non-integer int attributes', (t) => {
  const g = new OnnxGraph('bad');
  g.input('x', 'float32', [2]);
  t.throws(() => g.op('Relu', ['nope']), { message: /Relu input nope is not defined/ });
  t.throws(() => g.input('x', 'float32', [2]), { message: /defined twice/ });
  t.throws(() => g.op('Softmax', ['x'], { axis: 0.5 }), { message: /not an integer/ });
  t.throws(() => g.output('missing'), { message: /not a value/ });
});

test('--device parsing and provider selection: GPU requests fail clearly where the CUDA provider is not installed', async (t) => {
  t.deepEqual(parseDevice('cpu'), { kind: 'cpu', id: 0 });
  t.deepEqual(parseDevice('cuda'), { kind: 'cuda', id: 0 });
  t.deepEqual(parseDevice('cuda:1'), { kind: 'cuda', id: 1 });
  t.deepEqual(parseDevice('tensorrt:2'), { kind: 'tensorrt', id: 2 });
  t.is(parseDevice('auto'), undefined);
  t.throws(() => parseDevice('gpu0'), { message: /--device: expected cpu, cuda, cuda:N/ });
  t.throws(() => parseDevice('cpu:1'), { message: /cpu takes no device index/ });
  const inst = installedProviders();
  t.true(inst.cpu);
  if (!inst.cuda) {
    t.throws(() => resolveDevice('cuda:0'), { message: /CUDA execution provider is not installed; reinstall ntcorr with `npm ci --onnxruntime-node-install=cuda12`/ });
    await t.throwsAsync(Session.create(mlpGraph(randomMlp(2)), { device: 'cuda' }), { message: /--device cuda:0: .*not installed/ });
    // auto falls back to the CPU provider, and says so.
    t.deepEqual(resolveDevice('auto'), { kind: 'cpu', id: 0 });
  } else {
    t.deepEqual(resolveDevice('auto'), { kind: 'cuda', id: 0 });
  }
  if (!inst.tensorrt) t.throws(() => resolveDevice('tensorrt'), { message: /TensorRT execution provider is not installed/ });
});

test('int64Of: int32 values (negative, zero, extremes) become the same int64 values, and ONNX Runtime reads them so', async (t) => {
  const a = Int32Array.of(0, 1, -1, 7, -8, 2147483647, -2147483648, 123456, -98765);
  t.deepEqual(Array.from(int64Of(a)), Array.from(a, (v) => BigInt(v)));
  // through a real Gather with int64 indices (what the jet network's embeddings do)
  const g = new OnnxGraph('gather');
  const idx = g.input('i', 'int64', ['n']);
  g.output(g.op('Gather', [g.f32([10, 20, 30, 40]), idx], { axis: 0 }, 'y'));
  const s = await Session.create(g.toBytes(), { label: 'gather' });
  const r = await s.run({ i: { data: int64Of(Int32Array.of(3, 0, -1, 2, -4)), dims: [5] } });
  t.deepEqual(Array.from(r.y.data), [40, 10, 40, 30, 10]);
  await s.dispose();
});
