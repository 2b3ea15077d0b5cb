import { OnnxGraph } from '../../compute/onnx/graph.js';
import { Session, type SessionOptions } from '../../compute/engine.js';
import { type FlowWeights, paramsPerFeature } from './arch.js';
import { planTransform, type TransformPlan } from './incremental.js';
import { FlowGraphBuilder } from './onnx-flow.js';
import { rqsOf } from './rqs.js';
import { splineScratch, splineForwardBatch, splineInverseBatch } from './spline64.js';

/**
 * The flow on ONNX Runtime with a HOST spline: ONNX Runtime runs only the float32 MADE networks, the
 * float64 spline runs in JS between them (spline64.ts, one fused pass per element). The single graph of
 * onnx-flow.ts spends most of its time in ~100 float64 elementwise passes over [rows, features, bins]
 * tensors per spline; fused per element in JS (~300 ns per element, scalar) it is somewhat cheaper: x1.1-1.5
 * over the single graph on one thread, a wash for nsf_a on 2 workers (bench/flow.ts prints both routes).
 * The transposed MatMuls below run at ~55 GFLOP/s against ~77 for [N, K] @ W with W prepacked.
 * * forward: one session per transform, [x, c] -> phi [N, F*P] (row-major);
 * * inverse: the exact incremental inverse of incremental.ts as one session per (transform, step), in a
 *   TRANSPOSED layout: the activations of every layer are kept here as [units, N] buffers, so the known
 *   prefix of a layer is a contiguous leading block (fed without a copy) and a step's new units are one
 *   contiguous write. Each layer of a step is W_old^T @ A_old^T + W_new^T @ H_new^T (the units known before
 *   the step, and the ones this step computed in the layer below), so nothing is concatenated.
 * The same values as the single graph up to float summation order and the spline's table exp (~1e-14);
 * per row independent of the batch (test/flow-onnx.test.ts: thread counts and chunkings agree bit for bit).
 */
export interface HostFlowGraphs {
  /** Per transform: the MADE as [x, c] -> phi. */
  forward: Uint8Array[];
  /** Per transform and step: the step's MADE slices (null where a step has nothing to compute). */
  inverse: (Uint8Array | null)[][];
}

/**
 * Why a flow cannot take the host route (a hidden block with no inputs at its step, e.g. no context), or
 * undefined. Such flows run on the single graph.
 */
export function hostRouteProblem(w: FlowWeights): string | undefined {
  if (w.arch.context === 0) return 'no context inputs';
  for (let t = 0; t < w.transforms.length; t++) {
    const plan = planTransform(w, t);
    for (let s = 0; s < plan.steps; s++) {
      for (let l = 1; l < plan.layers.length; l++) {
        const [b0, b1] = plan.layers[l].block[s];
        if (b1 > b0 && plan.layers[l].prefixIn[s] === 0) return `transform ${t} step ${s} layer ${l}: units without inputs`;
      }
    }
  }
  return undefined;
}

/** W^T[b0:b1, r0:r1] of a plan layer ([in, out] row-major) as [b1-b0, r1-r0]. */
function sliceT(L: TransformPlan['layers'][number], b0: number, b1: number, r0: number, r1: number): Float32Array {
  const out = new Float32Array((b1 - b0) * (r1 - r0));
  for (let o = b0; o < b1; o++) for (let i = r0; i < r1; i++) out[(o - b0) * (r1 - r0) + (i - r0)] = L.weight[i * L.out + o];
  return out;
}

function stepGraph(plan: TransformPlan, t: number, s: number): Uint8Array | null {
  const g = new OnnxGraph(`ntcorr_flow_t${t}_s${s}`);
  const last = plan.layers.length - 1;
  let below: string | undefined; // this step's new units of the layer below, [bw, N]
  let outputs = 0;
  plan.layers.forEach((L, l) => {
    const [b0, b1] = L.block[s];
    // Units of this layer's input known before the step (layer 0: context and produced features).
    const old = l === 0 ? L.prefixIn[s] : plan.layers[l - 1].block[s][0];
    const fresh = below ? L.prefixIn[s] - old : 0;
    let h: string | undefined;
    if (b1 > b0) {
      const bias = g.initializer(`l${l}_b`, 'float32', [b1 - b0, 1], L.bias.slice(b0, b1));
      if (old > 0) {
        const a = g.input(`a${l}`, 'float32', [old, 'N']);
        h = g.matmul(g.initializer(`l${l}_wo`, 'float32', [b1 - b0, old], sliceT(L, b0, b1, 0, old)), a);
      }
      if (fresh > 0) {
        const m = g.matmul(g.initializer(`l${l}_wn`, 'float32', [b1 - b0, fresh], sliceT(L, b0, b1, old, old + fresh)), below!);
        h = h ? g.add(h, m) : m;
      }
      if (!h) throw new Error(`host flow: transform ${t} step ${s} layer ${l} has units without inputs`);
      h = g.add(h, bias);
      if (l < last) h = g.relu(h);
      g.output(g.op('Identity', [h], {}, l < last ? `h${l + 1}` : 'phi'), 'float32', [b1 - b0, 'N']);
      outputs++;
    }
    below = h;
  });
  return outputs ? g.toBytes() : null;
}

/** The sessions' graphs of a flow (built once, in the main thread; workers get the bytes). */
export function hostFlowGraphs(w: FlowWeights): HostFlowGraphs {
  const problem = hostRouteProblem(w);
  if (problem) throw new Error(`host spline route: ${problem}`);
  const forward: Uint8Array[] = [];
  const inverse: (Uint8Array | null)[][] = [];
  for (let t = 0; t < w.transforms.length; t++) {
    const g = new OnnxGraph(`ntcorr_flow_made_t${t}`);
    const b = new FlowGraphBuilder(g, w);
    const x = g.input('x', 'float32', ['N', w.arch.features]);
    const c = g.input('c', 'float32', ['N', w.arch.context]);
    g.output(g.op('Identity', [b.made(t, x, c)], {}, 'phi'), 'float32', ['N', w.arch.features * paramsPerFeature(w.arch)]);
    forward.push(g.toBytes());
    const plan = planTransform(w, t);
    inverse.push(Array.from({ length: plan.steps }, (_, s) => stepGraph(plan, t, s)));
  }
  return { forward, inverse };
}

/** The sessions of one flow; forward, inverse and correction of batches (one call = one batch). */
export class HostSplineFlow {
  private readonly plans: TransformPlan[];
  private constructor(
    readonly w: FlowWeights,
    private readonly fwd: Session[],
    private readonly inv: (Session | null)[][],
  ) {
    this.plans = w.transforms.map((_, t) => planTransform(w, t));
  }

  get device(): Session['device'] {
    return this.fwd[0].device;
  }

  static async create(w: FlowWeights, graphs: HostFlowGraphs, opts: SessionOptions = {}): Promise<HostSplineFlow> {
    const fwd: Session[] = [];
    const inv: (Session | null)[][] = [];
    try {
      for (const g of graphs.forward) fwd.push(await Session.create(g, opts));
      for (const steps of graphs.inverse) {
        const row: (Session | null)[] = [];
        inv.push(row);
        for (const g of steps) row.push(g ? await Session.create(g, opts) : null);
      }
    } catch (e) {
      for (const s of [...fwd, ...inv.flat()]) await s?.dispose();
      throw e;
    }
    return new HostSplineFlow(w, fwd, inv);
  }

  /** x [n, F] float32 -> z [n, F] float64, and ladj [n] (summed over transforms) when asked. */
  async forward(x: Float32Array, c: Float32Array, n: number, withLadj = false): Promise<{ z: Float64Array; ladj?: Float64Array }> {
    const { features: F, context: C } = this.w.arch;
    const P = paramsPerFeature(this.w.arch);
    const spline = rqsOf(this.w.arch);
    const k = splineScratch(spline);
    const z = Float64Array.from(x);
    const x32 = Float32Array.from(x);
    const ladj = withLadj ? new Float64Array(n) : undefined;
    for (let t = 0; t < this.fwd.length; t++) {
      const r = await this.fwd[t].run({ x: { data: x32, dims: [n, F] }, c: { data: c, dims: [n, C] } });
      splineForwardBatch(r.phi.data, { row: F * P, feature: P, param: 1 }, n, F, z, F, spline, k, ladj);
      if (t < this.fwd.length - 1) x32.set(z);
    }
    return { z, ladj };
  }

  /** z [n, F] float64 -> x [n, F] float64 through every transform's exact incremental inverse. */
  async inverse(z: Float64Array, c: Float32Array, n: number): Promise<Float64Array> {
    const { features: F, context: C } = this.w.arch;
    const P = paramsPerFeature(this.w.arch);
    const spline = rqsOf(this.w.arch);
    const k = splineScratch(spline);
    const { A, xs } = this.scratch(n);
    for (let r = 0; r < n; r++) for (let j = 0; j < C; j++) A[0][j * n + r] = c[r * C + j];
    let y = z;
    for (let t = this.plans.length - 1; t >= 0; t--) {
      const plan = this.plans[t];
      // Every feature is written once per transform, and a step reads only rows of A written before it.
      const x = xs[t % 2];
      for (let s = 0; s < plan.steps; s++) {
        const session = this.inv[t][s];
        if (!session) continue;
        const feeds: Parameters<Session['run']>[0] = {};
        plan.layers.forEach((L, l) => {
          const [b0, b1] = L.block[s];
          const old = l === 0 ? L.prefixIn[s] : plan.layers[l - 1].block[s][0];
          if (b1 > b0 && old > 0) feeds[`a${l}`] = { data: A[l].subarray(0, old * n), dims: [old, n] };
        });
        const r = await session.run(feeds);
        for (let l = 1; l < plan.layers.length; l++) {
          const h = r[`h${l}`];
          if (h) A[l].set(h.data, plan.layers[l - 1].block[s][0] * n);
        }
        const [f0, f1] = plan.featureBlock[s];
        if (f1 === f0) continue;
        const cols = plan.featureOrder.slice(f0, f1);
        splineInverseBatch(r.phi.data, { row: 1, feature: P * n, param: n }, n, f1 - f0, y, F, cols, x, spline, k);
        // The produced features are inputs of the next steps (float32, after the context rows).
        for (let q = f0; q < f1; q++) {
          const row = A[0].subarray((C + q) * n, (C + q + 1) * n);
          const col = plan.featureOrder[q];
          for (let i = 0; i < n; i++) row[i] = x[i * F + col];
        }
      }
      y = x;
    }
    return y.slice();
  }

  private buffers?: { n: number; A: Float32Array[]; xs: Float64Array[] };

  /** The inverse's activation and ping-pong buffers for n rows, reused across batches (workers run many of ~3 MB). */
  private scratch(n: number): { A: Float32Array[]; xs: Float64Array[] } {
    if (this.buffers?.n !== n) {
      const { features: F, context: C } = this.w.arch;
      const A = [new Float32Array((C + F) * n), ...this.plans[0].layers.slice(0, -1).map((L) => new Float32Array(L.out * n))];
      this.buffers = { n, A, xs: [new Float64Array(n * F), new Float64Array(n * F)] };
    }
    return this.buffers;
  }

  /** x_corr = T^-1(T(x | c, is-data 0) | c, is-data 1) for one batch (the is-data slot of c ignored). */
  async correct(x: Float32Array, c: Float32Array, n: number): Promise<Float32Array> {
    const C = this.w.arch.context;
    const c0 = Float32Array.from(c);
    for (let r = 0; r < n; r++) c0[r * C + C - 1] = 0;
    const { z } = await this.forward(x, c0, n);
    for (let r = 0; r < n; r++) c0[r * C + C - 1] = 1;
    return Float32Array.from(await this.inverse(z, c0, n));
  }

  async dispose(): Promise<void> {
    for (const s of [...this.fwd, ...this.inv.flat()]) await s?.dispose();
  }
}
