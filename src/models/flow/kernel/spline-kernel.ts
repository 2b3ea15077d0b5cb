import type { RQSpline } from '../rqs.js';
import { SPLINE_WASM_BASE64 } from './spline-wasm.js';

/**
 * The batched float64 spline of the ONNX Runtime host route (host-flow.ts): zuko's rational-quadratic
 * spline, forward with log|dy/dx| or inverse, over a batch's MADE outputs, in WebAssembly SIMD
 * (spline.as.ts). Within ~1e-13 of the scalar reference (spline64.ts splineForward / splineInverse;
 * test/flow-spline-kernel.test.ts); each element's result depends on its own inputs only, so outputs are
 * identical for any batch split or thread count.
 *
 * One kernel per flow (an instance is a few pages of memory; the module is compiled once per thread).
 * Arrays passed in are used in place when they are views from this kernel's `workspace` (the host flow
 * lets ONNX Runtime write the MADE output straight into one), and copied in and out otherwise.
 */

/**
 * Where a batch's spline parameters lie: parameter p of feature q of row r at
 * phi[r * row + q * feature + p * param] (row-major MADE output [n, nf * P]: row = nf * P, feature = P,
 * param = 1; transposed [nf * P, n]: row = 1, feature = P * n, param = n).
 */
export interface PhiLayout {
  row: number;
  feature: number;
  param: number;
}

/** The part of the WebAssembly JS API used here (TypeScript's ES libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  spline(phi: number, rowS: number, featS: number, parS: number, n: number, nf: number, src: number, dst: number, vs: number, cols: number, ladj: number,
    K: number, bound: number, lnSlope: number, inverse: number, scratch: number): void;
}

type Kind = 'f32' | 'f64' | 'i32';
type View<K extends Kind> = K extends 'f32' ? Float32Array : K extends 'f64' ? Float64Array : Int32Array;
const CTOR = { f32: Float32Array, f64: Float64Array, i32: Int32Array } as const;

const align = (v: number) => (v + 15) & ~15;
let compiled: object | undefined;

export class SplineKernel {
  private readonly ex: Exports;
  /** Bytes of the current workspace (from the heap base); scratch regions for copies start after it. */
  private used = 0;
  private readonly base: number;

  constructor(readonly spline: RQSpline) {
    compiled ??= new wasm.Module(Buffer.from(SPLINE_WASM_BASE64, 'base64'));
    const instance = new wasm.Instance(compiled, { env: { abort: () => { throw new Error('spline kernel: abort'); } } });
    this.ex = instance.exports as unknown as Exports;
    this.base = align(this.ex.heapBase());
  }

  /** Grows memory to hold `end` bytes. */
  private reach(end: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) this.ex.memory.grow(Math.ceil((end - have) / 65536));
  }

  /**
   * Arrays in this kernel's memory, laid out anew (views from an earlier layout are invalid afterwards:
   * they may alias the new ones). The properties are getters: a call with arrays that are not workspace
   * views copies them into memory after the workspace, which may grow it and detach views taken before;
   * reading a property again gives a live view. Calls on workspace views alone never grow memory.
   */
  workspace<S extends Record<string, [Kind, number]>>(spec: S): { readonly [N in keyof S]: View<S[N][0]> } {
    let o = this.base;
    const regions: [string, Kind, number, number][] = [];
    for (const [name, [kind, len]] of Object.entries(spec)) {
      regions.push([name, kind, len, o]);
      o = align(o + len * CTOR[kind].BYTES_PER_ELEMENT);
    }
    // The kernel's own scratch (one pair's weights) follows the workspace.
    this.used = o - this.base;
    this.reach(o + this.spline.bins * 16);
    const ws = {};
    let views: Record<string, Float32Array | Float64Array | Int32Array> = {};
    let of: ArrayBuffer | undefined;
    for (const [name, kind, len, at] of regions) {
      Object.defineProperty(ws, name, {
        enumerable: true,
        get: () => {
          const buf = this.ex.memory.buffer;
          if (of !== buf) { views = {}; of = buf; }
          return (views[name] ??= new CTOR[kind](buf, at, len));
        },
      });
    }
    return ws as { readonly [N in keyof S]: View<S[N][0]> };
  }

  /** A pointer to `a` in kernel memory: `a` itself when it is a workspace view, else a copy (in `copies`). */
  private place(a: ArrayLike<number>, kind: Kind, at: { o: number }, copies: [Float64Array | Float32Array | Int32Array, number][]): number {
    const C = CTOR[kind];
    if (a instanceof C && a.buffer === this.ex.memory.buffer) return a.byteOffset;
    const p = at.o;
    at.o = align(p + a.length * C.BYTES_PER_ELEMENT);
    this.reach(at.o);
    new C(this.ex.memory.buffer, p, a.length).set(a);
    if (a instanceof Float64Array) copies.push([a, p]);
    return p;
  }

  private run(phi: ArrayLike<number>, lay: PhiLayout, n: number, nf: number, src: Float64Array, vs: number, cols: ArrayLike<number>, dst: Float64Array, ladj: Float64Array | undefined, inverse: boolean): void {
    if (n === 0 || nf === 0) return;
    const K = this.spline.bins;
    // Scratch after the workspace: the weights of one pair, then copies of arrays that are not workspace views.
    const at = { o: align(this.base + this.used) };
    const pE = at.o;
    at.o = align(pE + K * 16);
    this.reach(at.o);
    const copies: [Float64Array | Float32Array | Int32Array, number][] = [];
    const pPhi = this.place(phi, 'f32', at, []);
    const pSrc = this.place(src, 'f64', at, copies);
    const pDst = dst === src ? pSrc : this.place(dst, 'f64', at, copies);
    const pCols = this.place(cols, 'i32', at, []);
    const pLadj = ladj ? this.place(ladj, 'f64', at, copies) : 0;
    this.ex.spline(pPhi, lay.row, lay.feature, lay.param, n, nf, pSrc, pDst, vs, pCols, pLadj, K, this.spline.bound, Math.log(this.spline.slope), inverse ? 1 : 0, pE);
    // Copy results back into arrays that were copied in (memory may have grown: fresh views).
    for (const [a, p] of copies) if (a === dst || a === ladj) a.set(new Float64Array(this.ex.memory.buffer, p, a.length));
  }

  /**
   * Forward of features q = 0..nf-1 of n rows: v[r * vs + q] = spline(v[r * vs + q]) in place; ladj[r] +=
   * the sum over q of log dy/dx when given. Identity (log dy/dx 0) outside the knots.
   */
  forward(phi: ArrayLike<number>, lay: PhiLayout, n: number, nf: number, v: Float64Array, vs: number, ladj?: Float64Array, cols?: Int32Array): void {
    this.run(phi, lay, n, nf, v, vs, cols ?? Int32Array.from({ length: nf }, (_, q) => q), v, ladj, false);
  }

  /** Inverse of nf features of n rows: x[r * vs + cols[q]] = spline^-1(y[r * vs + cols[q]]) (feature q's parameters at lay). */
  inverse(phi: ArrayLike<number>, lay: PhiLayout, n: number, nf: number, y: Float64Array, vs: number, cols: ArrayLike<number>, x: Float64Array): void {
    this.run(phi, lay, n, nf, y, vs, cols, x, undefined, true);
  }
}
