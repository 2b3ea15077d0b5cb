import { type FlowWeights, paramsPerFeature } from './arch.js';
import { rqsOf } from './rqs.js';
import { knotsFrom, splineInverse } from './spline64.js';

/**
 * The exact incremental inverse of one masked autoregressive transform.
 *
 * zuko inverts by running the whole MADE once per autoregressive step (16 times for 16 features). But a
 * hidden unit depends only on the inputs its masks connect it to, so it can be computed once, at the
 * first step where all of them are known. The plan propagates a "step" through the masks (context: 0,
 * feature j: order[j] + 1, unit: max over its connections), sorts the inputs, hidden units and outputs
 * of every layer by step, and keeps the masked weights in that order. Step s then needs only the
 * block-triangular slice W[:prefix_{l-1}(s), block_l(s)] of every layer: in total about one MADE
 * evaluation per inversion instead of `passes`. Masked-out weights are zero, so the result is the
 * naive inverse up to float summation order.
 */
export interface LayerPlan {
  in: number;
  out: number;
  /** Masked weights, permuted, row-major (in, out) (for x @ W). */
  weight: Float32Array;
  bias: Float32Array;
  /** prefixIn[s]: input units (of this layer, permuted) known at step s. */
  prefixIn: number[];
  /** [start, end) of the output units (permuted) computed at step s. */
  block: [number, number][];
}

export interface TransformPlan {
  steps: number;
  /** Feature positions sorted by step (the order in which the inverse produces them). */
  featureOrder: number[];
  /** Features (in featureOrder positions) produced at step s: [start, end). */
  featureBlock: [number, number][];
  layers: LayerPlan[];
}

export function planTransform(w: FlowWeights, t: number): TransformPlan {
  const { features: F, context: C } = w.arch;
  const P = paramsPerFeature(w.arch);
  const { order, layers } = w.transforms[t];
  const steps = Math.max(...Array.from(order)) + 1;
  // Step of each input of layer 0 (x first, then context, as zuko's MADE input).
  let stepOf: number[] = [...Array.from(order, (o) => o + 1), ...new Array<number>(C).fill(0)];
  const featureStep = Array.from(order);
  // Input permutation for layer 0: context first, then features by step (stable).
  const featureOrder = Array.from({ length: F }, (_, i) => i).sort((a, b) => featureStep[a] - featureStep[b] || a - b);
  let perm = [...Array.from({ length: C }, (_, j) => F + j), ...featureOrder];
  const plans: LayerPlan[] = [];
  layers.forEach((L, l) => {
    const last = l === layers.length - 1;
    const unitStep = new Array<number>(L.out).fill(0);
    for (let r = 0; r < L.out; r++) {
      let s = 0;
      for (let j = 0; j < L.in; j++) if (L.mask[r * L.in + j] && stepOf[j] > s) s = stepOf[j];
      unitStep[r] = s;
    }
    let outPerm: number[];
    if (last) {
      // Outputs grouped by feature, features in featureOrder; each feature must be computable at its own step.
      outPerm = [];
      for (const i of featureOrder) {
        for (let p = 0; p < P; p++) {
          if (unitStep[i * P + p] > featureStep[i]) throw new Error(`transform ${t}: output of feature ${i} depends on inputs not known at its step: the masks are not autoregressive`);
          outPerm.push(i * P + p);
        }
      }
    } else {
      outPerm = Array.from({ length: L.out }, (_, r) => r).sort((a, b) => unitStep[a] - unitStep[b] || a - b);
    }
    const weight = new Float32Array(L.in * L.out);
    for (let oo = 0; oo < L.out; oo++) {
      const r = outPerm[oo];
      for (let ii = 0; ii < L.in; ii++) {
        const j = perm[ii];
        if (L.mask[r * L.in + j]) weight[ii * L.out + oo] = L.weight[r * L.in + j];
      }
    }
    const bias = Float32Array.from(outPerm, (r) => L.bias[r]);
    const inSteps = perm.map((j) => stepOf[j]);
    const prefixIn: number[] = [];
    const block: [number, number][] = [];
    for (let s = 0; s < steps; s++) {
      prefixIn.push(inSteps.filter((v) => v <= s).length);
      if (last) {
        const before = featureOrder.filter((i) => featureStep[i] < s).length;
        const upto = featureOrder.filter((i) => featureStep[i] <= s).length;
        block.push([before * P, upto * P]);
      } else {
        const sorted = outPerm.map((r) => unitStep[r]);
        block.push([sorted.filter((v) => v < s).length, sorted.filter((v) => v <= s).length]);
      }
    }
    plans.push({ in: L.in, out: L.out, weight, bias, prefixIn, block });
    stepOf = unitStep;
    perm = outPerm;
  });
  const featureBlock: [number, number][] = [];
  for (let s = 0; s < steps; s++) {
    featureBlock.push([featureOrder.filter((i) => featureStep[i] < s).length, featureOrder.filter((i) => featureStep[i] <= s).length]);
  }
  return { steps, featureOrder, featureBlock, layers: plans };
}

/**
 * Float64 execution of a plan for one row (tests: shows the incremental inverse equals the naive one to
 * float64 rounding, independently of float32 noise).
 */
export function inverseIncremental64(w: FlowWeights, plan: TransformPlan, y: Float64Array, c: ArrayLike<number>): Float64Array {
  const { features: F, context: C } = w.arch;
  const spline = rqsOf(w.arch);
  const P = paramsPerFeature(w.arch);
  const acts: Float64Array[] = [new Float64Array(C + F), ...plan.layers.map((L) => new Float64Array(L.out))];
  for (let j = 0; j < C; j++) acts[0][j] = c[j];
  const x = new Float64Array(F);
  for (let s = 0; s < plan.steps; s++) {
    plan.layers.forEach((L, l) => {
      const [b0, b1] = L.block[s];
      const n = L.prefixIn[s];
      const inp = acts[l];
      const out = acts[l + 1];
      const last = l === plan.layers.length - 1;
      for (let o = b0; o < b1; o++) {
        let v = L.bias[o];
        for (let i = 0; i < n; i++) v += inp[i] * L.weight[i * L.out + o];
        out[o] = last || v > 0 ? v : 0;
      }
    });
    const phi = acts[plan.layers.length];
    const [f0, f1] = plan.featureBlock[s];
    for (let q = f0; q < f1; q++) {
      const i = plan.featureOrder[q];
      x[i] = splineInverse(knotsFrom(phi, q * P, spline), y[i]);
      acts[0][C + q] = x[i];
    }
  }
  return x;
}
