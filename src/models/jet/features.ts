import { isJagged, toFloat64, type Column, type NumericArray } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import { derivedKind, type JetConfig, type UnknownCategory } from './config.js';
import { applySteps, categoryIndexer, type Transform } from './transform.js';

/** Constituents of one type for a block of jets: unpadded, offsets per jet (capped at max_size when set). */
export interface TypeBlock {
  offsets: Int32Array;
  /** [constituents x numerical features], transformed. */
  num: Float32Array;
  /** [constituents x categorical features], category indices. */
  cat: Int32Array;
}

/** Network inputs for a block of jets (one jet per entry). */
export interface JetBlock {
  n: number;
  /** [n x global features], transformed. */
  global: Float32Array;
  /** [n x global categorical features], category indices. */
  globalCat: Int32Array;
  /** Raw jet pt (the correction multiplies it). */
  pt: Float64Array;
  /** Generator-level pt and the target log(pt_gen / pt), when read for training. */
  ptGen?: Float64Array;
  target?: Float32Array;
  types: TypeBlock[];
}

/**
 * Jets [s, e) of a block as a compact block of their own (copies, constituent offsets from 0): what a worker
 * thread is sent. `arch` gives the feature counts (a block with no constituents of a type cannot).
 */
export function sliceJetBlock(b: JetBlock, arch: { global: number; globalCategories?: number[]; types: { numerical: number; categories: number[] }[] }, s: number, e: number): JetBlock {
  const G = arch.global, CG = (arch.globalCategories ?? []).length;
  return {
    n: e - s,
    global: b.global.slice(s * G, e * G),
    globalCat: b.globalCat.slice(s * CG, e * CG),
    pt: b.pt.slice(s, e),
    types: b.types.map((tb, k) => {
      const N = arch.types[k].numerical, C = arch.types[k].categories.length;
      const o0 = tb.offsets[s], o1 = tb.offsets[e];
      return { offsets: Int32Array.from(tb.offsets.subarray(s, e + 1), (o) => o - o0), num: tb.num.slice(o0 * N, o1 * N), cat: tb.cat.slice(o0 * C, o1 * C) };
    }),
  };
}

/** Branches to read: jet kinematics, global and constituent features (+ pt_gen for training). */
export function jetInputColumns(cfg: JetConfig, withTarget: boolean): string[] {
  const s = new Set<string>([cfg.jet.pt]);
  for (const b of cfg.global.numerical_branches) if (b !== cfg.jet.pt_gen) s.add(b);
  for (const c of cfg.global.categorical ?? []) s.add(c);
  for (const t of cfg.types) {
    for (const b of t.features.numerical_branches) s.add(b);
    for (const c of t.features.categorical) s.add(c);
    for (const f of t.features.numerical) {
      const d = derivedKind(t.name, f);
      if (d === 'rel_pt') s.add(`${t.name}_pt`);
      if (d === 'deta' || d === 'dr') { s.add(`${t.name}_eta`); s.add(cfg.jet.eta); }
      if (d === 'dphi' || d === 'dr') { s.add(`${t.name}_phi`); s.add(cfg.jet.phi); }
    }
  }
  if (withTarget) s.add(cfg.jet.pt_gen);
  return [...s];
}

/** Wraps an angle difference to (-pi, pi]. */
export function wrapPhi(d: number): number {
  d = d % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  else if (d <= -Math.PI) d += 2 * Math.PI;
  return d;
}

/**
 * Computes every network input for a block of rows (one jet per row) from its columns. Derived features
 * (ml-jec's): rel_pt = pt_c / pt_jet, deta = (eta_c - eta_jet) * sign(eta_jet), dphi = phi_c - phi_jet
 * wrapped to (-pi, pi], dr = sqrt(deta^2 + dphi^2). Features listed in the transform get its steps;
 * others (derived ones in ml-jec's transform.yaml) enter unchanged.
 */
export function buildJetBlock(cols: Map<string, Column>, rows: number, cfg: JetConfig, tr: Transform, file: string, withTarget: boolean): JetBlock {
  const flat = (name: string): Float64Array => {
    const c = cols.get(name);
    if (!c) throw new NtcorrError(`${file}: column ${name} is missing`, { file, column: name });
    if (isJagged(c)) throw new NtcorrError(`${file}: column ${name} is an array per entry; expected one value per jet`, { file, column: name });
    return toFloat64(c as NumericArray);
  };
  const jag = (name: string): { offsets: Int32Array; values: Float64Array } => {
    const c = cols.get(name);
    if (!c) throw new NtcorrError(`${file}: column ${name} is missing`, { file, column: name });
    if (!isJagged(c)) throw new NtcorrError(`${file}: column ${name} has one value per entry; expected a constituent array (x[n] or a list)`, { file, column: name });
    return { offsets: c.offsets, values: toFloat64(c.values) };
  };
  const pt = flat(cfg.jet.pt);
  const G = cfg.global.numerical.length;
  const global = new Float32Array(rows * G);
  cfg.global.numerical.forEach((name, j) => {
    const v = flat(name);
    const steps = tr.numerical[name];
    for (let i = 0; i < rows; i++) global[i * G + j] = applySteps(steps, v[i]);
  });
  const gcats = cfg.global.categorical ?? [];
  const CG = gcats.length;
  const globalCat = new Int32Array(rows * CG);
  gcats.forEach((name, j) => {
    const v = flat(name);
    const idx = indexerFor(tr, name, cfg.global.unknown ?? 'row', file);
    for (let i = 0; i < rows; i++) globalCat[i * CG + j] = idx(v[i]);
  });
  const needEta = cfg.types.some((t) => t.features.numerical.some((f) => ['deta', 'dr'].includes(derivedKind(t.name, f) ?? '')));
  const needPhi = cfg.types.some((t) => t.features.numerical.some((f) => ['dphi', 'dr'].includes(derivedKind(t.name, f) ?? '')));
  const jetEta = needEta ? flat(cfg.jet.eta) : undefined;
  const jetPhi = needPhi ? flat(cfg.jet.phi) : undefined;

  const types: TypeBlock[] = cfg.types.map((t) => {
    const F = t.features;
    const ref = jag(F.numerical_branches[0]);
    const same = (name: string, c: { offsets: Int32Array }) => {
      if (c.offsets.length !== ref.offsets.length || c.offsets[rows] !== ref.offsets[rows]) throw new NtcorrError(`${file}: column ${name} has a different number of constituents than ${F.numerical_branches[0]}`, { file, column: name });
    };
    // capped offsets: keep the first max_size constituents of each jet
    const offsets = new Int32Array(rows + 1);
    const cap = F.max_size ?? Infinity; // null/absent (bundles, configs): no cap
    for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i] + Math.min(ref.offsets[i + 1] - ref.offsets[i], cap);
    const total = offsets[rows];
    const N = F.numerical.length;
    const num = new Float32Array(total * N);
    const forEach = (fn: (jet: number, src: number, dst: number) => void) => {
      for (let i = 0; i < rows; i++) {
        const s0 = ref.offsets[i];
        for (let k = 0, d = offsets[i]; d < offsets[i + 1]; k++, d++) fn(i, s0 + k, d);
      }
    };
    const branch = (name: string) => { const c = jag(name); same(name, c); return c.values; };
    F.numerical.forEach((name, j) => {
      const d = derivedKind(t.name, name);
      const steps = tr.numerical[name];
      if (!d) {
        const v = branch(name);
        forEach((_i, s, o) => { num[o * N + j] = applySteps(steps, v[s]); });
        return;
      }
      const cpt = d === 'rel_pt' ? branch(`${t.name}_pt`) : undefined;
      const ceta = d === 'deta' || d === 'dr' ? branch(`${t.name}_eta`) : undefined;
      const cphi = d === 'dphi' || d === 'dr' ? branch(`${t.name}_phi`) : undefined;
      forEach((i, s, o) => {
        let x: number;
        if (d === 'rel_pt') x = cpt![s] / pt[i];
        else {
          const deta = ceta ? (ceta[s] - jetEta![i]) * Math.sign(jetEta![i]) : 0;
          const dphi = cphi ? wrapPhi(cphi[s] - jetPhi![i]) : 0;
          x = d === 'deta' ? deta : d === 'dphi' ? dphi : Math.hypot(deta, dphi);
        }
        num[o * N + j] = applySteps(steps, x);
      });
    });
    const C = F.categorical.length;
    const cat = new Int32Array(total * C);
    F.categorical.forEach((name, j) => {
      const idx = indexerFor(tr, name, t.unknown ?? 'row', file);
      const v = branch(name);
      forEach((_i, s, o) => { cat[o * C + j] = idx(v[s]); });
    });
    return { offsets, num, cat };
  });

  const block: JetBlock = { n: rows, global, globalCat, pt, types };
  if (withTarget) {
    const gen = flat(cfg.jet.pt_gen);
    const target = new Float32Array(rows);
    for (let i = 0; i < rows; i++) target[i] = Math.log(gen[i] / pt[i]);
    block.ptGen = gen;
    block.target = target;
  }
  return block;
}

/**
 * Value -> embedding row. Unknown values (not in transform.yaml's list) get index = list length: the extra
 * row with unknown 'row', an all-zero one-hot (zero vector) with 'zero', and an error naming the file,
 * column and value with 'error'.
 */
function indexerFor(tr: Transform, name: string, unknown: UnknownCategory, file: string): (v: number) => number {
  const known = tr.categorical[name];
  if (!known) throw new NtcorrError(`transform has no category list for ${name} (run build-transform with this config)`, { column: name });
  const idx = categoryIndexer(known);
  if (unknown !== 'error') return idx;
  return (v) => {
    const i = idx(v);
    if (i === known.length) throw new NtcorrError(`${file}: column ${name} has the value ${v}, which is not in the transform's category list [${known.join(', ')}] (unknown_category: error)`, { file, column: name });
    return i;
  };
}

/** Concatenates blocks (several files) into one. */
export function concatBlocks(blocks: JetBlock[]): JetBlock {
  if (blocks.length === 1) return blocks[0];
  const n = blocks.reduce((a, b) => a + b.n, 0);
  const cat32 = (arrs: Float32Array[]) => { const o = new Float32Array(arrs.reduce((a, b) => a + b.length, 0)); let p = 0; for (const a of arrs) { o.set(a, p); p += a.length; } return o; };
  const cat64 = (arrs: Float64Array[]) => { const o = new Float64Array(arrs.reduce((a, b) => a + b.length, 0)); let p = 0; for (const a of arrs) { o.set(a, p); p += a.length; } return o; };
  const catI = (arrs: Int32Array[]) => { const o = new Int32Array(arrs.reduce((a, b) => a + b.length, 0)); let p = 0; for (const a of arrs) { o.set(a, p); p += a.length; } return o; };
  const out: JetBlock = {
    n,
    global: cat32(blocks.map((b) => b.global)),
    globalCat: catI(blocks.map((b) => b.globalCat)),
    pt: cat64(blocks.map((b) => b.pt)),
    types: blocks[0].types.map((_, k) => {
      const offsets = new Int32Array(n + 1);
      let row = 0, base = 0;
      for (const b of blocks) {
        const o = b.types[k].offsets;
        for (let i = 0; i < b.n; i++) offsets[row + i + 1] = base + o[i + 1];
        row += b.n;
        base += o[b.n];
      }
      return { offsets, num: cat32(blocks.map((b) => b.types[k].num)), cat: catI(blocks.map((b) => b.types[k].cat)) };
    }),
  };
  if (blocks.every((b) => b.target)) {
    out.target = cat32(blocks.map((b) => b.target!));
    out.ptGen = cat64(blocks.map((b) => b.ptGen!));
  }
  return out;
}
