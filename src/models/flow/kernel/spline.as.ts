// AssemblyScript source of the batched float64 rational-quadratic spline (zuko's MonotonicRQSTransform,
// ../rqs.ts) that the ONNX Runtime host route runs between its MADE sessions (spline-kernel.ts loads it;
// `npm run build:kernel` compiles it into spline-wasm.ts, test/flow-spline-kernel.test.ts checks both).
// Written by hand because no library evaluates this spline from JS; it is the same arithmetic as the
// scalar reference (../spline64.ts) with two elements per f64x2 vector (rows r and r+1 of one feature),
// branch-free: the bin search, the gathers and the outside-the-knots identity are masks and selects.
// WebAssembly SIMD here runs it ~2.3x faster than the fused scalar JS loop it replaced (bench/flow.ts).

const LOG2E: f64 = 1.4426950408889634;
// fdlibm's ln2 split: hi has trailing zero bits, so k * hi is exact for |k| < 2^11.
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;

// 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
const MAGIC: f64 = 6755399441055744.0;
// The exponential's constants, each twice (one v128), read from memory at every use: V8 materialises a
// v128.const with several instructions each time, a load is one (measured: e^x 4.1 -> 2.8 ns per value).
const C: usize = memory.data<f64>([
  LOG2E, LOG2E, MAGIC, MAGIC, LN2_HI, LN2_HI, LN2_LO, LN2_LO,
  1.0, 1.0, 0.5, 0.5, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 720.0,
  1.0 / 5040.0, 1.0 / 5040.0, 1.0 / 40320.0, 1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 3628800.0,
  1.0 / 39916800.0, 1.0 / 39916800.0,
], 16);
const BIAS: usize = memory.data<i64>([<i64>1023 << 52, <i64>1023 << 52], 16);
// @ts-ignore: decorator
@inline function c(i: i32): v128 {
  return v128.load(C + (<usize>i << 4));
}
/** 1.0 in both lanes (a load, for the reason above). */
// @ts-ignore: decorator
@inline function one(): v128 {
  return c(4);
}

/**
 * Lane-wise e^x, ~1e-14 relative for |x| < 700 (the soft clip keeps |x| <= |ln slope|; NaN stays NaN):
 * x = k ln2 + r, |r| <= ln2/2, e^r by its Taylor polynomial to degree 11 (Estrin: short dependency chains),
 * 2^k built in the exponent bits from the rounding trick's integer.
 */
// @ts-ignore: decorator
@inline function vexp(x: v128): v128 {
  const kd = f64x2.add(f64x2.mul(x, c(0)), c(1));
  const k = f64x2.sub(kd, c(1));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, c(2))), f64x2.mul(k, c(3)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  // Pairs c_i + c_{i+1} r, then quads, then octets.
  const p01 = f64x2.add(c(4), r);
  const p23 = f64x2.add(c(5), f64x2.mul(r, c(6)));
  const p45 = f64x2.add(c(7), f64x2.mul(r, c(8)));
  const p67 = f64x2.add(c(9), f64x2.mul(r, c(10)));
  const p89 = f64x2.add(c(11), f64x2.mul(r, c(12)));
  const pab = f64x2.add(c(13), f64x2.mul(r, c(14)));
  const q0 = f64x2.add(p01, f64x2.mul(r2, p23));
  const q1 = f64x2.add(p45, f64x2.mul(r2, p67));
  const q2 = f64x2.add(p89, f64x2.mul(r2, pab));
  const p = f64x2.add(f64x2.add(q0, f64x2.mul(r4, q1)), f64x2.mul(r8, q2));
  // (k mod 2^12) << 52 plus the bias: the exponent field of 2^k for -1022 <= k <= 1023.
  const e = i64x2.add(i64x2.shl(kd, 52), v128.load(BIAS));
  return f64x2.mul(p, e);
}

/** zuko's soft clip v / (1 + |v| * a), then e^. */
// @ts-ignore: decorator
@inline function clipExp(v: v128, a: v128): v128 {
  return vexp(f64x2.div(v, f64x2.add(one(), f64x2.mul(f64x2.abs(v), a))));
}

/** The pair's parameter j (f32 at pa and pb, j * ps bytes on) as f64x2. */
// @ts-ignore: decorator
@inline function param(pa: usize, pb: usize, off: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(pa + off)), 1, <f64>load<f32>(pb + off));
}

/**
 * Weights e^clip of K parameters from byte offset `start` into E; returns their sum. Two clips share
 * one division (1/(da db) times the other's denominator): divisions are the slowest vector op here.
 */
// @ts-ignore: decorator
@inline function weights(pa: usize, pb: usize, start: usize, ps: usize, K: i32, a2: v128, E: usize): v128 {
  let s = f64x2.splat(0.0);
  let j = 0;
  for (; j + 1 < K; j += 2) {
    const va = param(pa, pb, start + <usize>j * ps);
    const vb = param(pa, pb, start + <usize>(j + 1) * ps);
    const da = f64x2.add(one(), f64x2.mul(f64x2.abs(va), a2));
    const db = f64x2.add(one(), f64x2.mul(f64x2.abs(vb), a2));
    const inv = f64x2.div(one(), f64x2.mul(da, db));
    const ea = vexp(f64x2.mul(va, f64x2.mul(db, inv)));
    const eb = vexp(f64x2.mul(vb, f64x2.mul(da, inv)));
    v128.store(E + (<usize>j << 4), ea);
    v128.store(E + (<usize>(j + 1) << 4), eb);
    s = f64x2.add(f64x2.add(s, ea), eb);
  }
  if (j < K) {
    const e = clipExp(param(pa, pb, start + <usize>j * ps), a2);
    v128.store(E + (<usize>j << 4), e);
    s = f64x2.add(s, e);
  }
  return s;
}

/** bound * (2 * c * inv - 1), as spline64.ts `knot` (2c as c + c: the same value). */
// @ts-ignore: decorator
@inline function knot(w: v128, inv: v128, bound: v128): v128 {
  return f64x2.mul(bound, f64x2.sub(f64x2.mul(f64x2.add(w, w), inv), one()));
}

/** Raw derivative parameter at knot j of a lane (0 where j is an end knot or outside 0..K). */
// @ts-ignore: decorator
@inline function rawDerivative(p: usize, dstart: usize, ps: usize, j: i64, K: i32): f64 {
  return j > 0 && j < <i64>K ? <f64>load<f32>(p + dstart + <usize>(j - 1) * ps) : 0.0;
}

/** All-ones lanes where knot j is interior (its derivative is a parameter; 1 at the ends). */
// @ts-ignore: decorator
@inline function interior(ja: i64, jb: i64, K: i32): v128 {
  return i64x2.replace_lane(i64x2.splat(ja > 0 && ja < <i64>K ? <i64>-1 : <i64>0), 1, jb > 0 && jb < <i64>K ? <i64>-1 : <i64>0);
}

/**
 * The spline (inverse = 0) or its inverse (inverse = 1) of nf features of n rows.
 * phi: f32, parameter p of feature q of row r at phi[r * rowS + q * featS + p * parS] (element strides).
 * src/dst: f64, feature q of row r at [r * vs + cols[q]] (cols: i32[nf]; dst may be src).
 * ladj: f64[n] += sum of log dy/dx over the features (forward only; 0 = not wanted).
 * E: scratch of K v128 (16-byte aligned). lnSlope: ln of zuko's slope; bound: the knots span [-bound, bound].
 */
export function spline(
  phi: usize, rowS: i32, featS: i32, parS: i32, n: i32, nf: i32,
  src: usize, dst: usize, vs: i32, cols: usize, ladj: usize,
  K: i32, bound: f64, lnSlope: f64, inverse: i32, E: usize,
): void {
  const a1 = f64x2.splat(1.0 / Math.abs(lnSlope));
  const a2 = f64x2.splat(2.0 / Math.abs(lnSlope));
  const vb = f64x2.splat(bound);
  const ps = <usize>parS << 2;
  // Byte offsets of the coordinate searched first (x forward, y inverse), the other, the derivatives.
  const first: usize = inverse ? <usize>K * ps : <usize>0;
  const second: usize = inverse ? <usize>0 : <usize>K * ps;
  const dstart = <usize>(2 * K) * ps;
  for (let r = 0; r < n; r += 2) {
    const rb = r + 1 < n ? r + 1 : r;
    let prod = one();
    let lsum = f64x2.splat(0.0);
    for (let q = 0; q < nf; q++) {
      const pa = phi + (<usize>(r * rowS + q * featS) << 2);
      const pb = phi + (<usize>(rb * rowS + q * featS) << 2);
      const col = load<i32>(cols + (<usize>q << 2));
      const ia = <usize>(r * vs + col) << 3;
      const ib = <usize>(rb * vs + col) << 3;
      const v = f64x2.replace_lane(f64x2.splat(load<f64>(src + ia)), 1, load<f64>(src + ib));
      // First coordinate: weights, bin b = (number of knots < v) - 1, cumulative weight before b, weight of b.
      const inv1 = f64x2.div(one(), weights(pa, pb, first, ps, K, a2, E));
      let c = f64x2.splat(0.0);
      let count = i64x2.splat(0);
      let cb = f64x2.splat(0.0);
      let eb = f64x2.splat(0.0);
      let below = f64x2.lt(knot(c, inv1, vb), v); // knot j < v, for j = 0
      count = i64x2.sub(count, below);
      for (let j = 0; j < K; j++) {
        const e = v128.load(E + (<usize>j << 4));
        c = f64x2.add(c, e);
        const next = f64x2.lt(knot(c, inv1, vb), v);
        count = i64x2.sub(count, next);
        // j < b where knot j+1 < v; j == b where knot j < v <= knot j+1.
        cb = f64x2.add(cb, v128.and(e, next));
        eb = f64x2.add(eb, v128.and(e, v128.andnot(below, next)));
        below = next;
      }
      const b = i64x2.sub(count, i64x2.splat(1));
      const ba = i64x2.extract_lane(b, 0);
      const bbv = i64x2.extract_lane(b, 1);
      const inside = v128.and(i64x2.gt_s(b, i64x2.splat(-1)), i64x2.lt_s(b, i64x2.splat(<i64>K)));
      const u0 = knot(cb, inv1, vb);
      const u1 = knot(f64x2.add(cb, eb), inv1, vb);
      // Second coordinate: its weights, the same bin.
      const inv2 = f64x2.div(one(), weights(pa, pb, second, ps, K, a2, E));
      let c2 = f64x2.splat(0.0);
      let e2 = f64x2.splat(0.0);
      below = f64x2.splat(0.0);
      for (let j = 0; j < K; j++) {
        const e = v128.load(E + (<usize>j << 4));
        const jj = i64x2.splat(<i64>j);
        c2 = f64x2.add(c2, v128.and(e, i64x2.lt_s(jj, b)));
        e2 = f64x2.add(e2, v128.and(e, i64x2.eq(jj, b)));
      }
      const w0 = knot(c2, inv2, vb);
      const w1 = knot(f64x2.add(c2, e2), inv2, vb);
      // The bin's two knot derivatives (one shared division for both clips).
      const g0 = f64x2.replace_lane(f64x2.splat(rawDerivative(pa, dstart, ps, ba, K)), 1, rawDerivative(pb, dstart, ps, bbv, K));
      const g1 = f64x2.replace_lane(f64x2.splat(rawDerivative(pa, dstart, ps, ba + 1, K)), 1, rawDerivative(pb, dstart, ps, bbv + 1, K));
      const h0 = f64x2.add(one(), f64x2.mul(f64x2.abs(g0), a1));
      const h1 = f64x2.add(one(), f64x2.mul(f64x2.abs(g1), a1));
      const hinv = f64x2.div(one(), f64x2.mul(h0, h1));
      const d0 = v128.bitselect(vexp(f64x2.mul(g0, f64x2.mul(h1, hinv))), one(), interior(ba, bbv, K));
      const d1 = v128.bitselect(vexp(f64x2.mul(g1, f64x2.mul(h0, hinv))), one(), interior(ba + 1, bbv + 1, K));
      let out: v128;
      if (!inverse) {
        // Forward: (x0, x1) = (u0, u1), (y0, y1) = (w0, w1).
        const dx = f64x2.sub(u1, u0);
        const dy = f64x2.sub(w1, w0);
        const idx = f64x2.div(one(), dx);
        const s = f64x2.mul(dy, idx);
        const z = f64x2.mul(f64x2.sub(v, u0), idx);
        const zc = f64x2.sub(one(), z);
        const zz = f64x2.mul(z, zc);
        const den = f64x2.add(s, f64x2.mul(f64x2.sub(f64x2.add(d0, d1), f64x2.add(s, s)), zz));
        const num = f64x2.mul(f64x2.mul(s, s), f64x2.add(f64x2.add(f64x2.mul(f64x2.add(s, s), zz), f64x2.mul(f64x2.mul(d0, zc), zc)), f64x2.mul(f64x2.mul(d1, z), z)));
        const iden = f64x2.div(one(), den);
        const jac = f64x2.mul(num, f64x2.mul(iden, iden));
        out = f64x2.add(w0, f64x2.mul(f64x2.mul(dy, f64x2.add(f64x2.mul(f64x2.mul(s, z), z), f64x2.mul(d0, zz))), iden));
        prod = f64x2.mul(prod, v128.bitselect(jac, one(), inside));
        // log of the product of every 4 features' dy/dx (not 4 logs): each dy/dx is within ~(K / slope)^3 of 1,
        // so 4 of them stay far inside float64's range; the sum differs from zuko's by rounding only.
        if ((q & 3) == 3) {
          lsum = f64x2.add(lsum, f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(prod, 0))), 1, Math.log(f64x2.extract_lane(prod, 1))));
          prod = one();
        }
      } else {
        // Inverse: (y0, y1) = (u0, u1), (x0, x1) = (w0, w1).
        const dx = f64x2.sub(w1, w0);
        const dy = f64x2.sub(u1, u0);
        const s = f64x2.div(dy, dx);
        const yy = f64x2.sub(v, u0);
        const e = f64x2.sub(f64x2.add(d0, d1), f64x2.add(s, s));
        const a = f64x2.add(f64x2.mul(dy, f64x2.sub(s, d0)), f64x2.mul(yy, e));
        const bq = f64x2.sub(f64x2.mul(dy, d0), f64x2.mul(yy, e));
        const cq = f64x2.neg(f64x2.mul(s, yy));
        const disc = f64x2.max(f64x2.splat(0.0), f64x2.sub(f64x2.mul(bq, bq), f64x2.mul(f64x2.mul(f64x2.splat(4.0), a), cq)));
        const z = f64x2.div(f64x2.add(cq, cq), f64x2.sub(f64x2.neg(bq), f64x2.sqrt(disc)));
        out = f64x2.add(w0, f64x2.mul(z, dx));
      }
      out = v128.bitselect(out, v, inside);
      store<f64>(dst + ib, f64x2.extract_lane(out, 1));
      store<f64>(dst + ia, f64x2.extract_lane(out, 0));
    }
    if (!inverse && ladj) {
      lsum = f64x2.add(lsum, f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(prod, 0))), 1, Math.log(f64x2.extract_lane(prod, 1))));
      const la = ladj + (<usize>r << 3);
      store<f64>(la, load<f64>(la) + f64x2.extract_lane(lsum, 0));
      if (rb != r) {
        const lb = ladj + (<usize>rb << 3);
        store<f64>(lb, load<f64>(lb) + f64x2.extract_lane(lsum, 1));
      }
    }
  }
}

/** First free byte after the module's static data (the JS side allocates from here). */
export function heapBase(): usize {
  return __heap_base;
}
