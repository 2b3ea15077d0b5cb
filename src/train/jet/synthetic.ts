import { Xoshiro128ss } from '../../core/random.js';
import type { Column, JaggedColumn } from '../../core/columns.js';
import type { JetBlock } from '../../models/jet/features.js';
import type { JetArch } from '../../models/jet/network.js';

/**
 * Synthetic jets with a known detector response, for tests, benchmarks and the example bundle. The true
 * jet (pt_gen) is split into charged hadrons, photons and neutral hadrons with flavour-dependent fractions
 * (gluon jets: more, softer constituents and more neutral hadrons); b/c jets have secondary vertices and,
 * with 25% (b) / 12% (c) probability, a semi-leptonic decay: a muon plus an invisible neutrino that takes
 * 10-35% of the jet. Measured constituent pt = true pt x response: charged 1.00 (1%), photons 0.97 (4%),
 * neutral hadrons r(pt) = 0.55 + 0.06 ln(pt/10) (capped at 0.85; 15% smearing). The reco jet pt is the sum
 * of measured constituents plus a pile-up offset (rho x area x 0.3, smeared). So the response depends on
 * flavour, on composition (neutral-hadron share, muons) and on pt — all visible to the network.
 */
export const FLAVOURS = { uds: 1, c: 4, b: 5, g: 21 } as const;

export interface SyntheticJets {
  rows: number;
  columns: Map<string, Column>;
}

function poisson(rng: Xoshiro128ss, mean: number): number {
  // Knuth for small means (constituent multiplicities are < 60)
  const l = Math.exp(-mean);
  let k = 0, p = 1;
  do { k++; p *= rng.uniform(); } while (p > l);
  return k - 1;
}

export function generateJets(n: number, seed: number): SyntheticJets {
  const rng = Xoshiro128ss.fromSeed(seed);
  const F = { pt: new Float32Array(n), eta: new Float32Array(n), phi: new Float32Array(n), mass: new Float32Array(n), area: new Float32Array(n), num_pv: new Int32Array(n), rho: new Float32Array(n), pt_gen: new Float32Array(n), eta_gen: new Float32Array(n), phi_gen: new Float32Array(n), parton_flavor: new Int32Array(n), hadron_flavor: new Int32Array(n) };
  const jag = () => ({ offsets: new Int32Array(n + 1), parts: [] as number[] });
  const ch = { pt: [] as number[], eta: [] as number[], phi: [] as number[], id: [] as number[], pv_ass: [] as number[], dxy: [] as number[], dz: [] as number[], off: new Int32Array(n + 1) };
  const ne = { pt: [] as number[], eta: [] as number[], phi: [] as number[], id: [] as number[], hcal_frac: [] as number[], off: new Int32Array(n + 1) };
  const sv = { pt: [] as number[], mass: [] as number[], distance: [] as number[], num_tracks: [] as number[], significance: [] as number[], off: new Int32Array(n + 1) };
  void jag;
  const flavours = [FLAVOURS.uds, FLAVOURS.uds, FLAVOURS.g, FLAVOURS.g, FLAVOURS.c, FLAVOURS.b];
  for (let i = 0; i < n; i++) {
    const fl = flavours[rng.int(flavours.length)];
    const ptGen = 30 * Math.exp(rng.uniform() * Math.log(1000 / 30));
    const etaGen = (2 * rng.uniform() - 1) * 2.5;
    const phiGen = (2 * rng.uniform() - 1) * Math.PI;
    const gluon = fl === 21;
    const heavy = fl === 4 || fl === 5;
    const semilep = (fl === 5 && rng.uniform() < 0.25) || (fl === 4 && rng.uniform() < 0.12);
    const nuFrac = semilep ? 0.1 + 0.25 * rng.uniform() : 0;
    const visible = ptGen * (1 - nuFrac);
    // composition: charged / photon / neutral-hadron shares (gluon jets carry more neutral hadrons)
    const fNh = Math.min(0.6, Math.max(0.02, (gluon ? 0.22 : 0.12) + 0.09 * rng.normal()));
    const fGam = Math.min(0.5, Math.max(0.05, 0.25 + 0.07 * rng.normal()));
    const fMu = semilep ? 0.05 + 0.15 * rng.uniform() : 0;
    const fCh = Math.max(0.05, 1 - fNh - fGam - fMu);
    const norm = fNh + fGam + fCh + fMu;
    const mult = (gluon ? 1.5 : 1) * (4 + 3 * Math.log(ptGen / 20));
    const nCh = Math.max(1, poisson(rng, mult * 0.6));
    const nGam = Math.max(1, poisson(rng, mult * 0.3));
    const nNh = Math.max(1, poisson(rng, mult * 0.12));
    let ptReco = 0;
    const spread = gluon ? 0.12 : 0.08;
    const addShares = (count: number, total: number, fn: (ptTrue: number) => void) => {
      const w: number[] = [];
      let s = 0;
      for (let k = 0; k < count; k++) { const x = -Math.log(1 - rng.uniform()); w.push(x); s += x; }
      w.sort((a, b) => b - a);
      for (const x of w) fn((total * x) / s);
    };
    const pushCh = (ptm: number, id: number) => {
      ch.pt.push(ptm); ch.eta.push(etaGen + spread * rng.normal()); ch.phi.push(wrap(phiGen + spread * rng.normal())); ch.id.push(id);
      ch.pv_ass.push(rng.uniform() < 0.9 ? 7 : rng.int(2) ? 6 : 1); ch.dxy.push((heavy ? 0.03 : 0.005) * rng.normal()); ch.dz.push(0.01 * rng.normal());
      ptReco += ptm;
    };
    addShares(nCh, (visible * fCh) / norm, (p) => pushCh(p * (1 + 0.01 * rng.normal()), (rng.uniform() < 0.5 ? 1 : -1) * (rng.uniform() < 0.97 ? 211 : 11)));
    if (semilep) pushCh(((visible * fMu) / norm) * (1 + 0.01 * rng.normal()), rng.uniform() < 0.5 ? 13 : -13);
    const pushNe = (ptm: number, id: number) => {
      ne.pt.push(ptm); ne.eta.push(etaGen + spread * 1.3 * rng.normal()); ne.phi.push(wrap(phiGen + spread * 1.3 * rng.normal())); ne.id.push(id);
      ne.hcal_frac.push(id === 130 ? 0.9 + 0.1 * rng.uniform() : 0.05 * rng.uniform());
      ptReco += ptm;
    };
    addShares(nGam, (visible * fGam) / norm, (p) => pushNe(p * (0.97 + 0.04 * rng.normal()), 22));
    addShares(nNh, (visible * fNh) / norm, (p) => {
      const r = Math.min(0.85, 0.55 + 0.06 * Math.log(Math.max(p, 1) / 10));
      pushNe(Math.max(0.1, p * r * (1 + 0.15 * rng.normal())), 130);
    });
    if (heavy) {
      const nSv = fl === 5 ? 1 + (rng.uniform() < 0.3 ? 1 : 0) : rng.uniform() < 0.6 ? 1 : 0;
      for (let k = 0; k < nSv; k++) {
        sv.pt.push(ptGen * (0.2 + 0.3 * rng.uniform())); sv.mass.push((fl === 5 ? 2.5 : 1.2) * (0.5 + rng.uniform()));
        sv.distance.push((fl === 5 ? 0.5 : 0.2) * -Math.log(1 - rng.uniform())); sv.num_tracks.push(2 + rng.int(fl === 5 ? 5 : 3)); sv.significance.push(3 + 20 * rng.uniform());
      }
    }
    const numPv = Math.max(1, Math.round(30 + 10 * rng.normal()));
    const rho = Math.max(0, 0.6 * numPv + 2 * rng.normal());
    const area = 0.5 + 0.05 * rng.normal();
    ptReco += 0.3 * rho * area * (1 + 0.2 * rng.normal());
    F.pt[i] = ptReco; F.pt_gen[i] = ptGen; F.eta[i] = etaGen + 0.01 * rng.normal(); F.phi[i] = wrap(phiGen + 0.01 * rng.normal());
    F.eta_gen[i] = etaGen; F.phi_gen[i] = phiGen; F.mass[i] = ptReco * (gluon ? 0.12 : 0.08) * (0.7 + 0.6 * rng.uniform());
    F.area[i] = area; F.num_pv[i] = numPv; F.rho[i] = rho; F.parton_flavor[i] = fl; F.hadron_flavor[i] = fl === 21 || fl === 1 ? 0 : fl;
    ch.off[i + 1] = ch.pt.length; ne.off[i + 1] = ne.pt.length; sv.off[i + 1] = sv.pt.length;
  }
  const cols = new Map<string, Column>(Object.entries(F));
  const j = (off: Int32Array, v: number[], int = false): JaggedColumn => ({ offsets: off, values: int ? Int32Array.from(v) : Float32Array.from(v) });
  cols.set('ch_pt', j(ch.off, ch.pt)); cols.set('ch_eta', j(ch.off, ch.eta)); cols.set('ch_phi', j(ch.off, ch.phi));
  cols.set('ch_id', j(ch.off, ch.id, true)); cols.set('ch_pv_ass', j(ch.off, ch.pv_ass, true)); cols.set('ch_dxy', j(ch.off, ch.dxy)); cols.set('ch_dz', j(ch.off, ch.dz));
  cols.set('ne_pt', j(ne.off, ne.pt)); cols.set('ne_eta', j(ne.off, ne.eta)); cols.set('ne_phi', j(ne.off, ne.phi));
  cols.set('ne_id', j(ne.off, ne.id, true)); cols.set('ne_hcal_frac', j(ne.off, ne.hcal_frac));
  cols.set('sv_pt', j(sv.off, sv.pt)); cols.set('sv_mass', j(sv.off, sv.mass)); cols.set('sv_distance', j(sv.off, sv.distance));
  cols.set('sv_num_tracks', j(sv.off, sv.num_tracks, true)); cols.set('sv_significance', j(sv.off, sv.significance));
  return { rows: n, columns: cols };
}

function wrap(x: number): number {
  return x > Math.PI ? x - 2 * Math.PI : x <= -Math.PI ? x + 2 * Math.PI : x;
}

/**
 * Network inputs drawn at random for a (normalized) arch, in the transformed space features.ts produces:
 * numerical features ~ N(0, 1), 0..maxLen constituents per jet and type, category indices over every
 * index the network can get, the unknown one included (the list length: the extra row with unknown
 * 'row', a zero vector with 'zero'; never with 'error', which features.ts refuses). For checks that
 * compare two implementations of one network on archs whose branches no synthetic sample has.
 */
export function randomJetBlock(arch: JetArch, n: number, seed: number, maxLen = 24): JetBlock {
  const rng = Xoshiro128ss.fromSeed(seed);
  const span = (rows: number, unknown: string | undefined) => rows + ((unknown ?? 'row') === 'zero' ? 1 : 0);
  const gc = arch.globalCategories ?? [];
  const globalCat = new Int32Array(n * gc.length);
  for (let i = 0; i < globalCat.length; i++) globalCat[i] = rng.int(span(gc[i % gc.length], arch.globalUnknown));
  const types = arch.types.map((t) => {
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + rng.int((t.maxSize ?? maxLen) + 1);
    const m = offsets[n], C = t.categories.length;
    const cat = new Int32Array(m * C);
    for (let i = 0; i < cat.length; i++) cat[i] = rng.int(span(t.categories[i % C], t.unknown));
    return { offsets, num: Float32Array.from({ length: m * t.numerical }, () => rng.normal()), cat };
  });
  return { n, global: Float32Array.from({ length: n * arch.global }, () => rng.normal()), globalCat, pt: Float64Array.from({ length: n }, () => 30 + 500 * rng.uniform()), types };
}
