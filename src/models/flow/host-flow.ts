import { OnnxGraph } from '../../compute/onnx/graph.js';
import { Session, type SessionOptions } from '../../compute/engine.js';
import { type FlowWeights, paramsPerFeature } from './arch.js';
import { planTransform, type TransformPlan } from './incremental.js';
import { rqsOf } from './rqs.js';
import { SplineKernel } from './kernel/spline-kernel.js';

/**
 * The flow on ONNX Runtime with a HOST spline: ONNX Runtime runs only the float32 MADE networks, the
 * float64 spline runs between them in a WebAssembly SIMD kernel (kernel/spline-kernel.ts, ~150 ns per
 * element; ONNX Runtime writes the MADE output straight into the kernel's memory). The single graph of
 * onnx-flow.ts spends most of its time in ~100 float64 elementwise passes over [rows, features, bins]
 * tensors per spline (bench/flow.ts prints both routes).
 * The transposed MatMuls below run at ~55 GFLOP/s against ~77 for [N, K] @ W with W prepacked.
 * * forward: one session per transform, the MADE in the plan's order in step groups (FORWARD_GROUPS), each
 *   group's units from the input prefix they need; outputs phi row-major per group of features;
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

/**
 * Step groups of the forward MADE: [start, end) step ranges. In the plan's order the masked weights are
 * block-triangular, so the units of a group need only the input prefix known at its last step: 2 groups
 * cost 75% of the dense MADE's multiply-adds (4: 63%, 8: 56%) for a Slice and a Concat per layer. Measured
 * on nsf_a, 2 workers: forward x1.2 over 1 group; 3 to 6 groups are no faster (smaller, slower GEMMs).
 */
export const FORWARD_GROUPS = 2;

function stepGroups(steps: number, groups: number): [number, number][] {
  const b = Array.from({ length: groups + 1 }, (_, g) => Math.round((g * steps) / groups));
  return b.slice(0, -1).map((s, g): [number, number] => [s, b[g + 1]]).filter(([a, e]) => e > a);
}

/** W[r0:r1, c0:c1] of a plan layer ([in, out] row-major) as [r1-r0, c1-c0]. */
function sliceW(L: TransformPlan['layers'][number], r0: number, r1: number, c0: number, c1: number): Float32Array {
  const out = new Float32Array((r1 - r0) * (c1 - c0));
  for (let i = r0; i < r1; i++) out.set(L.weight.subarray(i * L.out + c0, i * L.out + c1), (i - r0) * (c1 - c0));
  return out;
}

/**
 * The forward MADE of a transform in the plan's order: input `a0` [N, C + F] (context, then the features in
 * featureOrder), outputs `phi<g>` [N, (f1 - f0) * P] per step group g (features f0..f1 of featureOrder).
 */
function forwardGraph(plan: TransformPlan, t: number): Uint8Array {
  const g = new OnnxGraph(`ntcorr_flow_made_t${t}`);
  const groups = stepGroups(plan.steps, FORWARD_GROUPS);
  const last = plan.layers.length - 1;
  let h = g.input('a0', 'float32', ['N', plan.layers[0].in]);
  plan.layers.forEach((L, l) => {
    const outs: string[] = [];
    groups.forEach(([sa, sb], k) => {
      const [u0, u1] = [L.block[sa][0], L.block[sb - 1][1]];
      if (u1 === u0) return;
      const prefix = L.prefixIn[sb - 1];
      const x = prefix === L.in ? h : g.cols(h, 0, prefix);
      let y = g.add(g.matmul(x, g.initializer(`l${l}_g${k}_w`, 'float32', [prefix, u1 - u0], sliceW(L, 0, prefix, u0, u1))), g.initializer(`l${l}_g${k}_b`, 'float32', [u1 - u0], L.bias.slice(u0, u1)));
      if (l < last) y = g.relu(y);
      else g.output(g.op('Identity', [y], {}, `phi${k}`), 'float32', ['N', u1 - u0]);
      outs.push(y);
    });
    if (l < last) h = outs.length === 1 ? outs[0] : g.concat(outs, 1);
  });
  return g.toBytes();
}

/** The forward's feature groups of a plan: per step group, [f0, f1) in featureOrder positions (empty ones dropped, as forwardGraph). */
function forwardFeatureGroups(plan: TransformPlan): { output: string; f0: number; f1: number }[] {
  const L = plan.layers[plan.layers.length - 1];
  return stepGroups(plan.steps, FORWARD_GROUPS).flatMap(([sa, sb], k) => (L.block[sb - 1][1] > L.block[sa][0] ? [{ output: `phi${k}`, f0: plan.featureBlock[sa][0], f1: plan.featureBlock[sb - 1][1] }] : []));
}

/** The sessions' graphs of a flow (built once, in the main thread; workers get the bytes). */
export function hostFlowGraphs(w: FlowWeights): HostFlowGraphs {
  const problem = hostRouteProblem(w);
  if (problem) throw new Error(`host spline route: ${problem}`);
  const forward: Uint8Array[] = [];
  const inverse: (Uint8Array | null)[][] = [];
  for (let t = 0; t < w.transforms.length; t++) {
    const plan = planTransform(w, t);
    forward.push(forwardGraph(plan, t));
    inverse.push(Array.from({ length: plan.steps }, (_, s) => stepGraph(plan, t, s)));
  }
  return { forward, inverse };
}

/** A flow's batch buffers (see HostSplineFlow.scratch): JS activations, and views of the spline kernel's memory. */
interface Workspace {
  A: Float32Array[];
  k: { readonly phi: Float32Array; readonly z: Float64Array; readonly xa: Float64Array; readonly xb: Float64Array; readonly ladj: Float64Array; readonly cols: Int32Array };
}

/** The sessions of one flow; forward, inverse and correction of batches (one call = one batch). */
export class HostSplineFlow {
  private readonly plans: TransformPlan[];
  private readonly groups: { output: string; f0: number; f1: number }[][];
  private readonly kernel: SplineKernel;
  private constructor(
    readonly w: FlowWeights,
    private readonly fwd: Session[],
    private readonly inv: (Session | null)[][],
  ) {
    this.plans = w.transforms.map((_, t) => planTransform(w, t));
    this.groups = this.plans.map(forwardFeatureGroups);
    this.kernel = new SplineKernel(rqsOf(w.arch));
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
    const ws = await this.forwardInto(x, c, n, withLadj);
    return { z: ws.k.z.slice(0, n * this.w.arch.features), ladj: withLadj ? ws.k.ladj.slice(0, n) : undefined };
  }

  /** The forward, leaving z (and ladj) in the workspace. */
  private async forwardInto(x: Float32Array, c: Float32Array, n: number, withLadj: boolean): Promise<Workspace> {
    const { features: F, context: C } = this.w.arch;
    const P = paramsPerFeature(this.w.arch);
    const ws = this.scratch(n);
    const z = ws.k.z.subarray(0, n * F);
    z.set(x);
    const ladj = withLadj ? ws.k.ladj.subarray(0, n).fill(0) : undefined;
    const a0 = ws.A[0].subarray(0, n * (C + F));
    for (let r = 0; r < n; r++) a0.set(c.subarray(r * C, r * C + C), r * (C + F));
    for (let t = 0; t < this.fwd.length; t++) {
      const { featureOrder } = this.plans[t];
      for (let r = 0; r < n; r++) for (let q = 0; q < F; q++) a0[r * (C + F) + C + q] = z[r * F + featureOrder[q]];
      // Each group's parameters straight into the kernel's memory, groups one after the other.
      const groups = this.groups[t].map((gr) => ({ ...gr, phi: ws.k.phi.subarray(n * gr.f0 * P, n * gr.f1 * P) }));
      await this.fwd[t].run({ a0: { data: a0, dims: [n, C + F] } }, undefined, Object.fromEntries(groups.map((gr) => [gr.output, { data: gr.phi, dims: [n, (gr.f1 - gr.f0) * P] }])));
      const cols = ws.k.cols;
      cols.set(featureOrder);
      for (const gr of groups) this.kernel.forward(gr.phi, { row: (gr.f1 - gr.f0) * P, feature: P, param: 1 }, n, gr.f1 - gr.f0, z, F, ladj, cols.subarray(gr.f0, gr.f1));
    }
    return ws;
  }

  /** z [n, F] float64 -> x [n, F] float64 through every transform's exact incremental inverse. */
  async inverse(z: Float64Array, c: Float32Array, n: number): Promise<Float64Array> {
    const ws = this.scratch(n);
    ws.k.z.set(z.subarray(0, n * this.w.arch.features));
    return (await this.inverseFrom(ws, c, n)).slice(0, n * this.w.arch.features);
  }

  /** The inverse of the workspace's z; returns the workspace view holding x. */
  private async inverseFrom(ws: Workspace, c: Float32Array, n: number): Promise<Float64Array> {
    const { features: F, context: C } = this.w.arch;
    const P = paramsPerFeature(this.w.arch);
    const { A } = ws;
    const xs = [ws.k.xa.subarray(0, n * F), ws.k.xb.subarray(0, n * F)];
    for (let r = 0; r < n; r++) for (let j = 0; j < C; j++) A[0][j * n + r] = c[r * C + j];
    let y = ws.k.z.subarray(0, n * F);
    for (let t = this.plans.length - 1; t >= 0; t--) {
      const plan = this.plans[t];
      // Every feature is written once per transform, and a step reads only rows of A written before it.
      const x = xs[t % 2];
      const last = plan.layers[plan.layers.length - 1];
      // The kernel's column map: feature q of featureOrder is value column cols[q] (steps take slices).
      const cols = ws.k.cols;
      cols.set(plan.featureOrder);
      for (let s = 0; s < plan.steps; s++) {
        const session = this.inv[t][s];
        if (!session) continue;
        const feeds: Parameters<Session['run']>[0] = {};
        plan.layers.forEach((L, l) => {
          const [b0, b1] = L.block[s];
          const old = l === 0 ? L.prefixIn[s] : plan.layers[l - 1].block[s][0];
          if (b1 > b0 && old > 0) feeds[`a${l}`] = { data: A[l].subarray(0, old * n), dims: [old, n] };
        });
        const [p0, p1] = last.block[s];
        const into = p1 > p0 ? { phi: { data: ws.k.phi.subarray(0, (p1 - p0) * n), dims: [p1 - p0, n] } } : undefined;
        const r = await session.run(feeds, undefined, into);
        for (let l = 1; l < plan.layers.length; l++) {
          const h = r[`h${l}`];
          if (h) A[l].set(h.data, plan.layers[l - 1].block[s][0] * n);
        }
        const [f0, f1] = plan.featureBlock[s];
        if (f1 === f0) continue;
        this.kernel.inverse(r.phi.data, { row: 1, feature: P * n, param: n }, n, f1 - f0, y, F, cols.subarray(f0, f1), x);
        // The produced features are inputs of the next steps (float32, after the context rows).
        for (let q = f0; q < f1; q++) {
          const row = A[0].subarray((C + q) * n, (C + q + 1) * n);
          const col = plan.featureOrder[q];
          for (let i = 0; i < n; i++) row[i] = x[i * F + col];
        }
      }
      y = x;
    }
    return y;
  }

  private buffers?: { n: number; ws: Workspace };

  /**
   * The batch buffers for n rows, reused across batches (workers run many of ~3 MB): the inverse's
   * activations (JS), and in the kernel's memory the MADE output, z, the inverse's ping-pong x, ladj and
   * the column map (each transform's featureOrder, set before use). Remade when n changes (that
   * invalidates the previous kernel views).
   */
  private scratch(n: number): Workspace {
    if (this.buffers?.n !== n) {
      const { features: F, context: C } = this.w.arch;
      const P = paramsPerFeature(this.w.arch);
      const A = [new Float32Array((C + F) * n), ...this.plans[0].layers.slice(0, -1).map((L) => new Float32Array(L.out * n))];
      const k = this.kernel.workspace({ phi: ['f32', n * F * P], z: ['f64', n * F], xa: ['f64', n * F], xb: ['f64', n * F], ladj: ['f64', n], cols: ['i32', F] });
      this.buffers = { n, ws: { A, k } };
    }
    return this.buffers.ws;
  }

  /** x_corr = T^-1(T(x | c, is-data 0) | c, is-data 1) for one batch (the is-data slot of c ignored). */
  async correct(x: Float32Array, c: Float32Array, n: number): Promise<Float32Array> {
    const C = this.w.arch.context;
    const c0 = Float32Array.from(c);
    for (let r = 0; r < n; r++) c0[r * C + C - 1] = 0;
    const ws = await this.forwardInto(x, c0, n, false);
    for (let r = 0; r < n; r++) c0[r * C + C - 1] = 1;
    return Float32Array.from(await this.inverseFrom(ws, c0, n));
  }

  async dispose(): Promise<void> {
    for (const s of [...this.fwd, ...this.inv.flat()]) await s?.dispose();
  }
}
