import { OnnxGraph, type ModelOptions } from '../../compute/onnx/graph.js';
import { type FlowArch, type FlowWeights, paramsPerFeature } from './arch.js';
import { planTransform } from './incremental.js';
import { rqsOf, type RQSpline } from './rqs.js';

/**
 * The zuko NSF as ONNX graphs (float32), for ONNX Runtime inference and `export-onnx`:
 * * forward: x [N, F], c [N, C] -> y [N, F] (= z), ladj [N], log_prob [N];
 * * inverse: z, c -> x, with the exact incremental inverse of incremental.ts laid out as a static graph:
 *   per transform and autoregressive step, one sliced MatMul per MADE layer (block-triangular slices of the
 *   masked weights, so every hidden unit is computed once) and the spline inverse of the features that
 *   step produces;
 * * correction: x, c -> x_corr = T^-1(T(x | c, is-data 0) | c, is-data 1) (the is-data slot of c ignored).
 * The spline is zuko's monotonic rational-quadratic one: softmax widths/heights with zuko's soft clip by
 * ln(slope), exp'd soft-clipped derivatives, bin search by comparison count (Less, ReduceSum) and knot
 * lookup by GatherElements (faster than a one-hot multiply-and-sum: ORT has GatherElements on every
 * provider; tfjs-wasm lacked it), identity outside [-bound, bound] via Where.
 * Inputs are the preprocessed values (preprocess.ts runs on the host: its isolation draws are seeded per
 * row and file).
 */
/**
 * Precision of the spline arithmetic (knots, bin search, rational-quadratic formulas) and of the values
 * passed between transforms; the MADE networks are float32 either way. 'float64' keeps the correction within
 * zuko's own float32 error (the float32 spline alone is up to 1.3x over it on nsf_a).
 */
export type SplineDType = 'float32' | 'float64';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Masked weights of one MADE layer transposed to [in, out] (x @ W). */
function maskedT(L: FlowWeights['transforms'][number]['layers'][number]): Float32Array {
  const out = new Float32Array(L.in * L.out);
  for (let r = 0; r < L.out; r++) for (let j = 0; j < L.in; j++) {
    const k = r * L.in + j;
    if (L.mask[k]) out[j * L.out + r] = L.weight[k];
  }
  return out;
}

/** zuko's soft clip by ln(slope): v / (1 + |scale * v / ln(slope)|). */
function softClip(g: OnnxGraph, v: string, scale: number, s: RQSpline, dt: SplineDType): string {
  const L = Math.abs(Math.log(s.slope));
  return g.div(v, g.add(g.scalar(1, dt), g.mul(g.op('Abs', [v]), g.scalar(scale / L, dt))));
}

/** Raw knots from phi [N, nf*P], [N, nf, K+1] each: cumulative softmaxes of widths and heights (padded with 0 in front), padded derivative logits. */
interface RawKnots { cw: string; ch: string; d: string }

/**
 * Only what the bin search needs is computed for all K+1 knots (the cumulative sums and, for the searched
 * coordinate, the edges); the other coordinate's edges and the derivatives (clip, exp) are computed for
 * the two knots of the selected bin only: elementwise the same values, a fraction of the work.
 */
function knots(g: OnnxGraph, phi: string, nf: number, s: RQSpline, dt: SplineDType): RawKnots {
  const K = s.bins;
  const p = g.reshape(dt === 'float64' ? g.op('Cast', [phi], { to: 11 }) : phi, [0, nf, 3 * K - 1]);
  const [w, h, d] = g.node('Split', [p, g.i64([K, K, K - 1])], { axis: 2 }, { outputs: 3 });
  const pad = (v: string, front: number, back: number) => g.op('Pad', [v, g.i64([0, 0, front, 0, 0, back]), g.scalar(0, dt)]);
  const cum = (v: string) => pad(g.op('CumSum', [g.op('Softmax', [softClip(g, v, 2, s, dt)], { axis: -1 }), g.i64([2], [])]), 1, 0);
  return { cw: cum(w), ch: cum(h), d: pad(d, 1, 1) };
}

/** zuko: bound * (2 * cumsum - 1). */
function edgesOf(g: OnnxGraph, cum: string, s: RQSpline, dt: SplineDType): string {
  return g.sub(g.mul(cum, g.scalar(2 * s.bound, dt)), g.scalar(s.bound, dt));
}

interface Bin {
  inside: string;
  x0: string; x1: string; y0: string; y1: string; d0: string; d1: string;
}

/**
 * Bin of v [N, nf, 1] among the edges of coordinate `search` (x: forward, y: inverse; zuko's count of
 * edges < v, minus one) and its knot values ([N, nf, 1] each).
 */
function selectBin(g: OnnxGraph, k: RawKnots, search: 'x' | 'y', v: string, s: RQSpline, dt: SplineDType): Bin {
  const K = s.bins;
  const edges = edgesOf(g, search === 'x' ? k.cw : k.ch, s, dt);
  const count = g.op('ReduceSum', [g.op('Cast', [g.op('Less', [edges, v])], { to: 7 }), g.i64([2])], { keepdims: 1 });
  const inside = g.op('And', [g.op('GreaterOrEqual', [count, g.scalar(1, 'int64')]), g.op('LessOrEqual', [count, g.scalar(K, 'int64')])]);
  const idx = g.op('Clip', [g.sub(count, g.scalar(1, 'int64')), g.scalar(0, 'int64'), g.scalar(K - 1, 'int64')]);
  const idx2 = g.concat([idx, g.add(idx, g.scalar(1, 'int64'))], 2);
  const gather = (t: string) => g.op('GatherElements', [t, idx2], { axis: 2 });
  const split = (t: string) => g.node('Split', [t, g.i64([1, 1])], { axis: 2 }, { outputs: 2 });
  const searched = split(gather(edges));
  const other = split(edgesOf(g, gather(search === 'x' ? k.ch : k.cw), s, dt));
  const [x0, x1] = search === 'x' ? searched : other;
  const [y0, y1] = search === 'x' ? other : searched;
  const [d0, d1] = split(g.op('Exp', [softClip(g, gather(k.d), 1, s, dt)]));
  return { inside, x0, x1, y0, y1, d0, d1 };
}

/** The bin each value falls in (searched along x for the forward, y for the inverse), its width, height and slope. */
function binOf(g: OnnxGraph, phi: string, v: string, search: 'x' | 'y', nf: number, s: RQSpline, dt: SplineDType): { v: string; b: Bin; w: string; h: string; sl: string } {
  const k = knots(g, phi, nf, s, dt);
  const ve = g.op('Unsqueeze', [v, g.i64([2])]);
  const b = selectBin(g, k, search, ve, s, dt);
  const w = g.sub(b.x1, b.x0);
  const h = g.sub(b.y1, b.y0);
  return { v: ve, b, w, h, sl: g.div(h, w) };
}

/** y = spline(x) and ladj = log dy/dx, [N, nf] each, for phi [N, nf*P]. */
export function splineForwardGraph(g: OnnxGraph, phi: string, x: string, nf: number, s: RQSpline, dt: SplineDType = 'float32'): { y: string; ladj: string } {
  const { v: xe, b, w, h, sl } = binOf(g, phi, x, 'x', nf, s, dt);
  const z = g.div(g.sub(xe, b.x0), w);
  const omz = g.sub(g.scalar(1, dt), z);
  const zz = g.mul(z, omz);
  const den = g.add(sl, g.mul(g.sub(g.add(b.d0, b.d1), g.mul(g.scalar(2, dt), sl)), zz));
  const num = g.mul(h, g.add(g.mul(sl, g.mul(z, z)), g.mul(b.d0, zz)));
  const yIn = g.add(b.y0, g.div(num, den));
  const jac = g.div(
    g.mul(g.mul(sl, sl), g.add(g.add(g.mul(g.mul(g.scalar(2, dt), sl), zz), g.mul(b.d0, g.mul(omz, omz))), g.mul(b.d1, g.mul(z, z)))),
    g.mul(den, den),
  );
  const y = g.op('Where', [b.inside, yIn, xe]);
  const ladj = g.op('Where', [b.inside, g.op('Log', [jac]), g.scalar(0, dt)]);
  return { y: g.reshape(y, [0, nf]), ladj: g.reshape(ladj, [0, nf]) };
}

/** x = spline^-1(y), [N, nf], for phi [N, nf*P]. */
export function splineInverseGraph(g: OnnxGraph, phi: string, y: string, nf: number, s: RQSpline, dt: SplineDType = 'float32'): string {
  const { v: ye, b, w, h, sl } = binOf(g, phi, y, 'y', nf, s, dt);
  const yy = g.sub(ye, b.y0);
  const e = g.sub(g.add(b.d0, b.d1), g.mul(g.scalar(2, dt), sl));
  const a = g.add(g.mul(h, g.sub(sl, b.d0)), g.mul(yy, e));
  const bb = g.sub(g.mul(h, b.d0), g.mul(yy, e));
  const c = g.op('Neg', [g.mul(sl, yy)]);
  // b^2 - 4ac >= 0 in exact arithmetic; Relu absorbs float32 rounding below 0 (as the tfjs path).
  const disc = g.relu(g.sub(g.mul(bb, bb), g.mul(g.scalar(4, dt), g.mul(a, c))));
  const z = g.div(g.mul(g.scalar(2, dt), c), g.sub(g.op('Neg', [bb]), g.op('Sqrt', [disc])));
  const xIn = g.add(b.x0, g.mul(z, w));
  return g.reshape(g.op('Where', [b.inside, xIn, ye]), [0, nf]);
}

/** Builds flow graphs into one OnnxGraph; the transforms' weights are added once per use. */
export class FlowGraphBuilder {
  readonly s: RQSpline;
  constructor(readonly g: OnnxGraph, readonly w: FlowWeights, readonly dt: SplineDType = 'float64') {
    this.s = rqsOf(w.arch);
  }

  /** A float32 value in the spline precision. */
  toDt(v: string): string {
    return this.dt === 'float64' ? this.g.op('Cast', [v], { to: 11 }) : v;
  }

  /** A spline-precision value as float32 (MADE inputs, graph outputs). */
  toF32(v: string): string {
    return this.dt === 'float64' ? this.g.op('Cast', [v], { to: 1 }) : v;
  }

  /** phi = MADE_t(concat(x, c)) [N, F*P]. */
  made(t: number, x: string, c: string | undefined): string {
    const g = this.g;
    let h = c ? g.concat([x, c], 1) : x;
    const ls = this.w.transforms[t].layers;
    ls.forEach((L, l) => {
      h = g.dense(h, maskedT(L), L.bias, L.in, L.out, `t${t}_l${l}`);
      if (l < ls.length - 1) h = g.relu(h);
    });
    return h;
  }

  /** x (float32) -> (z, summed ladj [N]) through every transform, t_0 first; both in the spline precision. */
  forward(x: string, c: string | undefined): { y: string; ladj: string } {
    const g = this.g;
    const F = this.w.arch.features;
    let v = this.toDt(x);
    let v32 = x;
    const ladjs: string[] = [];
    for (let t = 0; t < this.w.transforms.length; t++) {
      const r = splineForwardGraph(g, this.made(t, v32, c), v, F, this.s, this.dt);
      v = r.y;
      v32 = this.toF32(v);
      ladjs.push(r.ladj);
    }
    // Sum over features per transform, then over transforms in order (zuko's summation order).
    let ladj = g.op('ReduceSum', [ladjs[0], g.i64([1])], { keepdims: 0 });
    for (let t = 1; t < ladjs.length; t++) ladj = g.add(ladj, g.op('ReduceSum', [ladjs[t], g.i64([1])], { keepdims: 0 }));
    return { y: v, ladj };
  }

  /** log p = sum(-z^2/2) - F ln(2 pi)/2 + ladj (spline precision). */
  logProb(y: string, ladj: string): string {
    const g = this.g;
    const base = g.sub(g.mul(g.op('ReduceSum', [g.mul(y, y), g.i64([1])], { keepdims: 0 }), g.scalar(-0.5, this.dt)), g.scalar(this.w.arch.features * HALF_LOG_2PI, this.dt));
    return g.add(base, ladj);
  }

  /** The exact incremental inverse of transform t as a static graph (see incremental.ts); y and the result in the spline precision. */
  inverseTransform(t: number, y: string, c: string | undefined): string {
    const g = this.g;
    const plan = planTransform(this.w, t);
    const P = paramsPerFeature(this.w.arch);
    const ySorted = g.op('Gather', [y, g.i64(plan.featureOrder)], { axis: 1 });
    // acts[l]: input units of layer l known so far (layer 0: context, then produced features by step).
    const acts: (string | undefined)[] = [c, ...plan.layers.map(() => undefined)];
    const width = [c ? this.w.arch.context : 0, ...plan.layers.map(() => 0)];
    const xs: string[] = [];
    const last = plan.layers.length - 1;
    for (let s = 0; s < plan.steps; s++) {
      let phi: string | undefined;
      plan.layers.forEach((L, l) => {
        const [b0, b1] = L.block[s];
        if (b1 === b0) return;
        const rows = L.prefixIn[s];
        const ws = new Float32Array(rows * (b1 - b0));
        for (let i = 0; i < rows; i++) ws.set(L.weight.subarray(i * L.out + b0, i * L.out + b1), i * (b1 - b0));
        const bias = g.initializer(`t${t}_s${s}_l${l}_b`, 'float32', [b1 - b0], L.bias.slice(b0, b1));
        let h: string;
        if (rows === 0) {
          // Nothing known yet (no context): the block is its bias, broadcast to [N, width].
          h = g.add(g.mul(this.toF32(g.cols(ySorted, 0, 1)), g.scalar(0)), bias);
        } else {
          const a = acts[l]!;
          const input = width[l] === rows ? a : g.cols(a, 0, rows);
          h = g.add(g.matmul(input, g.initializer(`t${t}_s${s}_l${l}_w`, 'float32', [rows, b1 - b0], ws)), bias);
        }
        if (l < last) {
          h = g.relu(h);
          acts[l + 1] = acts[l + 1] ? g.concat([acts[l + 1]!, h], 1) : h;
          width[l + 1] += b1 - b0;
        } else {
          phi = h;
        }
      });
      const [f0, f1] = plan.featureBlock[s];
      if (f1 === f0) continue;
      if (!phi) throw new Error(`incremental inverse graph: transform ${t} step ${s} produces features but no spline parameters`);
      const xNew = splineInverseGraph(g, phi, g.cols(ySorted, f0, f1), f1 - f0, this.s, this.dt);
      const x32 = this.toF32(xNew);
      acts[0] = acts[0] ? g.concat([acts[0], x32], 1) : x32;
      width[0] += f1 - f0;
      xs.push(xNew);
    }
    const restore = new Array<number>(plan.featureOrder.length);
    plan.featureOrder.forEach((f, q) => (restore[f] = q));
    return g.op('Gather', [g.concat(xs, 1), g.i64(restore)], { axis: 1 });
  }

  /** z -> x through every transform, t_{T-1}^-1 first (spline precision in and out). */
  inverse(z: string, c: string | undefined): string {
    let v = z;
    for (let t = this.w.transforms.length - 1; t >= 0; t--) v = this.inverseTransform(t, v, c);
    return v;
  }

  /** c with its last column (is-data) set to 0 and to 1. */
  contexts(c: string): { c0: string; c1: string } {
    const g = this.g;
    const C = this.w.arch.context;
    const flag = g.cols(c, C - 1, C);
    const zero = g.mul(flag, g.scalar(0));
    const one = g.add(zero, g.scalar(1));
    if (C === 1) return { c0: zero, c1: one };
    const head = g.cols(c, 0, C - 1);
    return { c0: g.concat([head, zero], 1), c1: g.concat([head, one], 1) };
  }
}

export type FlowGraphKind = 'forward' | 'log_prob' | 'inverse' | 'correction';

/**
 * One ONNX model computing the requested outputs from inputs x (or z for the inverse) [N, F] and c [N, C]:
 * forward -> y, ladj; log_prob -> log_prob; inverse -> x (input named z); correction -> x_corr.
 */
export function flowOnnxModel(w: FlowWeights, kinds: FlowGraphKind[], opts: ModelOptions & { precision?: SplineDType } = {}): Uint8Array {
  const { features: F, context: C } = w.arch;
  const g = new OnnxGraph('ntcorr_flow');
  const b = new FlowGraphBuilder(g, w, opts.precision);
  const wantInverse = kinds.includes('inverse');
  const wantX = kinds.some((k) => k !== 'inverse');
  const x = wantX ? g.input('x', 'float32', ['N', F]) : undefined;
  const z = wantInverse ? g.input('z', 'float32', ['N', F]) : undefined;
  const c = C > 0 ? g.input('c', 'float32', ['N', C]) : undefined;
  if (kinds.includes('forward') || kinds.includes('log_prob')) {
    const f = b.forward(x!, c);
    if (kinds.includes('forward')) {
      g.output(g.op('Cast', [f.y], { to: 1 }, 'y'), 'float32', ['N', F]);
      g.output(g.op('Cast', [f.ladj], { to: 1 }, 'ladj'), 'float32', ['N']);
    }
    if (kinds.includes('log_prob')) g.output(g.op('Cast', [b.logProb(f.y, f.ladj)], { to: 1 }, 'log_prob'), 'float32', ['N']);
  }
  if (wantInverse) g.output(g.op('Cast', [b.inverse(b.toDt(z!), c)], { to: 1 }, 'x_inv'), 'float32', ['N', F]);
  if (kinds.includes('correction')) {
    if (!c) throw new Error('the correction needs a context with the is-data flag');
    const { c0, c1 } = b.contexts(c);
    const zc = b.forward(x!, c0).y;
    g.output(g.op('Cast', [b.inverse(zc, c1)], { to: 1 }, 'x_corr'), 'float32', ['N', F]);
  }
  return g.toBytes(opts);
}
