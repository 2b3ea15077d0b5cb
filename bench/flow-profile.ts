/**
 * Where the flow graphs spend their time: ONNX Runtime's own profiler on the forward and correction graphs
 * of nsf_a (one intra-op thread), time summed per op type and per graph part (node-name prefix), with the
 * rate of a plain sweep for comparison.
 *
 *   node --import tsx bench/flow-profile.ts [--rows N] [--batch B] [--kind forward|correction] [--precision float32|float64]
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrt } from '../src/compute/engine.js';
import { importZuko } from '../src/models/flow/import.js';
import { loadBundle } from '../src/bundle/bundle.js';
import { flowFromBundle } from '../src/models/flow/bundle-io.js';
import { flowOnnxModel, type FlowGraphKind, type SplineDType } from '../src/models/flow/onnx-flow.js';
import { mulberry32 } from '../src/core/random.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, def: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : def);
const rows = Number(arg('--rows', '16384'));
const batch = Number(arg('--batch', '4096'));
const kind = arg('--kind', 'correction') as FlowGraphKind;
const precision = arg('--precision', 'float64') as SplineDType;

const dir = mkdtempSync(join(tmpdir(), 'ntcorr-prof-'));
await importZuko({ checkpoint: join(ROOT, '..', 'shared', 'fixtures', 'zuko', 'nsf_a', 'state_dict.pth'), flags: { features: 16, context: 5, bins: 10, transforms: 6, hidden: [256, 256, 256] }, zukoVersion: '1.6.0', out: join(dir, 'b'), command: 'bench' });
const { weights } = flowFromBundle(loadBundle(join(dir, 'b')));
const bytes = flowOnnxModel(weights, [kind], { precision });
const ort = loadOrt()!;
const F = 16, C = 5;
const rnd = mulberry32(3);
const x = Float32Array.from({ length: rows * F }, () => 2 * rnd() - 1);
const c = Float32Array.from({ length: rows * C }, () => 2 * rnd() - 1);
const sweep = async (s: import('onnxruntime-node').InferenceSession) => {
  for (let o = 0; o < rows; o += batch) {
    const m = Math.min(batch, rows - o);
    await s.run({ x: new ort.Tensor('float32', x.subarray(o * F, (o + m) * F), [m, F]), c: new ort.Tensor('float32', c.subarray(o * C, (o + m) * C), [m, C]) });
  }
};
const base = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' as const, graphOptimizationLevel: 'all' as const };
const plain = await ort.InferenceSession.create(bytes, base);
await sweep(plain);
let t0 = performance.now();
await sweep(plain);
console.log(`${kind} ${precision}: ${Math.round(rows / ((performance.now() - t0) / 1000))} ev/s (batch ${batch}, 1 thread)`);
const prefix = join(dir, 'prof');
const s = await ort.InferenceSession.create(bytes, { ...base, enableProfiling: true, profileFilePrefix: prefix });
await sweep(s);
t0 = performance.now();
await sweep(s);
s.endProfiling();
const files = (await import('node:fs')).readdirSync(dir).filter((f) => f.startsWith('prof'));
const events = JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
// Node names are `${op}_${index}`: in the correction graph the inverse starts after the forward's nodes.
const boundary = kind === 'correction' ? (JSON.stringify((await import('../src/compute/onnx/proto.js')).decodeModel?.(flowOnnxModel(weights, ['forward'], { precision })) ?? '').match(/"op_type"/g)?.length ?? 0) : Infinity;
const byOp = new Map<string, number>();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const idx = Number(/^(?:fused )?[A-Za-z]+_(\d+)/.exec(e.name)?.[1] ?? -1);
  const op = `${idx >= boundary ? 'inv ' : 'fwd '}${e.args?.op_name ?? '?'}`;
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  total += e.dur;
}
const runs = events.filter((e) => e.name === 'model_run').reduce((a, e) => a + e.dur, 0);
console.log(`kernel time ${(total / 1e3).toFixed(0)} ms of model_run ${(runs / 1e3).toFixed(0)} ms (2 sweeps)`);
for (const [op, d] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${op.padEnd(20)} ${(d / 1e3).toFixed(1).padStart(8)} ms  ${((100 * d) / total).toFixed(1)}%`);
const top = events.filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time")).reduce((m, e) => m.set(e.name, (m.get(e.name) ?? 0) + e.dur), new Map<string, number>());
console.log(`boundary ${boundary}`, [...top].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, d]) => `${n} ${(d / 1e3).toFixed(0)}`).join("\n"));
rmSync(dir, { recursive: true, force: true });
