/**
 * HiggsDNA-like Z->ee tag-and-probe samples: simulation (zee_mc.parquet) and data (zee_data.parquet).
 * Deterministic (seeded xoshiro128**; same arguments -> byte-identical files). Larger versions for
 * benchmarks:  node --import tsx scripts/make-samples.ts --rows 1000000 --out bench/data
 *
 *   --rows N     rows per file (default 25000 simulation, 0.8 N data)
 *   --out DIR    output folder (default samples/)
 *   --seed S     base seed (default 2022); simulation uses S, data S+1
 *   --only mc|data
 *
 * Columns (one row per Z candidate; tag_* and probe_* photons, i.e. electrons reconstructed as photons):
 *   pt, ScEta, eta, phi, r9, s4, sieie, sieip, etaWidth, phiWidth, hoe, energyRaw, energyErr,
 *   ecalPFClusterIso, hcalPFClusterIso, trkSumPtHollowConeDR03, trkSumPtSolidConeDR04, pfChargedIso,
 *   pfChargedIsoWorstVtx, esEffSigmaRR, esEnergyOverRawE, mvaID; plus fixedGridRhoAll, mass, weight,
 *   event (int64), run, lumi (int32), tag_pixelSeed / probe_pixelSeed (bool), nJet (int32) and
 *   Jet_pt (list<float>, HiggsDNA-style jagged column). Float columns are float32 with NanoAOD-like
 *   reduced mantissa (10 bits for shower shapes and isolations, 12 for eta/phi, as NanoAOD stores them).
 *
 * The physics model (simplified, but with the structure the corrections must learn):
 *   - mass: Breit-Wigner(91.19, 2.50) convolved with the two electrons' energy resolution; 60 < m < 120.
 *   - pt: Jacobian-peak-like (~m/2 * sin), tag pt > 35, probe pt > 20; eta ~ N(0, 1.3) in |eta| < 2.5
 *     outside the barrel-endcap gap 1.4442 < |ScEta| < 1.566. ScEta = eta + small smear.
 *   - shower shapes driven by one latent "showering" variable u (bremsstrahlung/conversion): r9 = 1 - u,
 *     s4 ~ 0.85 r9 + 0.12, etaWidth and phiWidth grow with u, sieie grows with u and is 2.7x larger in
 *     the endcap; sieip ~ N(0, .) correlated with phiWidth; endcap-only preshower (esEffSigmaRR,
 *     esEnergyOverRawE; exactly 0 in the barrel).
 *   - isolations: a peak at exactly 0 (fraction below) plus exponential tails growing with rho;
 *     SolidConeDR04 >= HollowConeDR03, WorstVtx >= pfChargedIso. The larger cones add their own tracks
 *     in 85% of photons, so the pairs are equal only where the outer region is empty (until 2026-11-23
 *     SolidConeDR04 equalled HollowConeDR03 exactly in 70% of photons, a degenerate joint distribution no
 *     detector gives and no flow can model; it alone held the closure classifier AUC at 0.53).
 *   - mvaID: a fixed smooth function of the shower shapes and isolations (so it shifts with them).
 *   - weight: simulation ~ N(1, 0.15) with 2% negative (NLO-like), data 1.
 *
 * DATA differs from SIMULATION in known, realistic ways (the flow corrections must undo these):
 *   - showering u is larger in data: u_data = u * (1.10 barrel, 1.20 endcap) * (1 + 0.15 * 25/pt) -> r9 lower
 *     and more spread at low pt; s4 slope 0.80 instead of 0.85 and 1.5x the noise (changed r9-s4 correlation).
 *   - sieie: +1.5% barrel / +2.5% endcap shift and 1.15x wider; etaWidth x1.06 barrel, x1.10 endcap;
 *     phiWidth x1.04; hoe tail x1.2.
 *   - isolations: fewer exact zeros in data (ecalPFClusterIso 0.30 vs 0.38, hcalPFClusterIso 0.40 vs 0.48,
 *     trk HollowConeDR03 0.62 vs 0.70, pfChargedIso 0.66 vs 0.75, hoe 0.38 vs 0.45) and 1.15x longer tails.
 *   - energy resolution 10% worse in data (mass peak wider) while energyErr is only 5% larger.
 *   - fixedGridRhoAll 5% higher in data; preshower esEffSigmaRR +3%.
 *   - data: run 355100-362760, lumi, event; simulation: run 1.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { DuckDBInstance } from '@duckdb/node-api';
import { schemaFor, columnDataFor } from '../src/io/parquet/hyparquet-schema.js';
import type { Column, DType } from '../src/core/columns.js';
import { RandomStream, Xoshiro128ss } from '../src/core/random.js';

/**
 * The samples' draws: xoshiro128** seeded by splitmix32 of the seed, one 32-bit word per uniform,
 * Box-Muller normals (the committed samples/ files are this stream; see test/core-random.test.ts).
 */
export class Rng extends RandomStream {
  private g: Xoshiro128ss;
  constructor(seed: number) {
    super();
    this.g = Xoshiro128ss.fromSplitmix32(seed >>> 0);
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    return this.g.uniform32();
  }
  normal(): number {
    return this.boxMuller();
  }
  exp(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }
  /** Poisson by inversion, capped at 50 (multiplicities here are small). */
  poisson(mean: number): number {
    let k = 0;
    let p = Math.exp(-mean);
    let s = p;
    const u = this.uniform();
    while (u > s && k < 50) { k++; p *= mean / k; s += p; }
    return k;
  }
}

/** NanoAOD-style mantissa reduction (keep `bits` of the float32 mantissa). */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function reduce(x: number, bits = 10): number {
  f32[0] = x;
  const drop = 23 - bits;
  u32[0] = ((u32[0] + (1 << (drop - 1))) >>> drop) << drop;
  return f32[0];
}

const PHOTON_VARS = ['pt', 'ScEta', 'eta', 'phi', 'r9', 's4', 'sieie', 'sieip', 'etaWidth', 'phiWidth', 'hoe', 'energyRaw', 'energyErr',
  'ecalPFClusterIso', 'hcalPFClusterIso', 'trkSumPtHollowConeDR03', 'trkSumPtSolidConeDR04', 'pfChargedIso', 'pfChargedIsoWorstVtx',
  'esEffSigmaRR', 'esEnergyOverRawE', 'mvaID'] as const;

export interface SampleColumn { name: string; type: DType; jagged?: boolean }

export function sampleSchema(): SampleColumn[] {
  const cols: SampleColumn[] = [];
  for (const who of ['tag', 'probe']) for (const v of PHOTON_VARS) cols.push({ name: `${who}_${v}`, type: 'float32' });
  cols.push({ name: 'tag_pixelSeed', type: 'bool' }, { name: 'probe_pixelSeed', type: 'bool' });
  cols.push({ name: 'fixedGridRhoAll', type: 'float32' }, { name: 'mass', type: 'float32' }, { name: 'weight', type: 'float32' });
  cols.push({ name: 'event', type: 'int64' }, { name: 'run', type: 'int32' }, { name: 'lumi', type: 'int32' });
  cols.push({ name: 'nJet', type: 'int32' }, { name: 'Jet_pt', type: 'float32', jagged: true });
  return cols;
}

interface Photon { [k: string]: number }

function photon(rng: Rng, isData: boolean, minPt: number, rho: number, pt: number, eta: number): Photon {
  const scEta = eta + 0.004 * rng.normal();
  const barrel = Math.abs(scEta) < 1.4442;
  const phi = Math.PI * (2 * rng.uniform() - 1);
  // Latent showering: mostly small (unconverted-like), long tail.
  let u = Math.min(0.6, rng.exp(barrel ? 0.045 : 0.065) + (rng.uniform() < 0.15 ? rng.exp(0.12) : 0));
  if (isData) u *= (barrel ? 1.1 : 1.2) * (1 + 0.15 * 25 / Math.max(pt, minPt));
  const r9 = Math.min(1.0, Math.max(0.2, 1 - u + 0.008 * rng.normal()));
  const s4 = Math.min(1.0, Math.max(0.2, (isData ? 0.80 : 0.85) * r9 + (isData ? 0.165 : 0.12) + (isData ? 0.03 : 0.02) * rng.normal()));
  const ew = (barrel ? 0.0095 : 0.022) * (isData ? (barrel ? 1.06 : 1.10) : 1) * (1 + 1.2 * u) * Math.exp(0.12 * rng.normal());
  const pw = (barrel ? 0.012 : 0.018) * (isData ? 1.04 : 1) * (1 + 6 * u) * Math.exp(0.25 * rng.normal());
  const sieie0 = barrel ? 0.0094 : 0.0255;
  const sieie = sieie0 * (isData ? (barrel ? 1.015 : 1.025) : 1) * (1 + 0.25 * u) + sieie0 * 0.06 * (isData ? 1.15 : 1) * rng.normal() + 0.2 * (ew - (barrel ? 0.0095 : 0.022)) * 0.1;
  const sieip = (barrel ? 4e-5 : 1.5e-4) * rng.normal() * (1 + 10 * (pw - 0.012));
  const zeroHoe = isData ? 0.38 : 0.45;
  const hoe = rng.uniform() < zeroHoe ? 0 : rng.exp(0.012 * (isData ? 1.2 : 1));
  const tail = isData ? 1.15 : 1;
  const iso = (zero: number, mean: number) => (rng.uniform() < zero ? 0 : rng.exp(mean * tail * (1 + rho / 40)));
  const ecal = iso(isData ? 0.30 : 0.38, 1.2);
  const hcal = iso(isData ? 0.40 : 0.48, 1.5);
  const trk03 = iso(isData ? 0.62 : 0.70, 1.0);
  const trk04 = trk03 + (rng.uniform() < 0.85 ? rng.exp(0.8) : 0);
  const pfch = iso(isData ? 0.66 : 0.75, 0.7);
  const worst = pfch + (rng.uniform() < 0.85 ? rng.exp(2.5 * tail) : 0);
  const esRR = barrel ? 0 : Math.max(0, (isData ? 1.03 : 1) * (6 + 1.5 * rng.normal()) * (1 + u));
  const esE = barrel ? 0 : Math.max(0, 0.08 + 0.04 * rng.normal());
  const eTrue = pt * Math.cosh(eta);
  const energyRaw = eTrue * (0.93 + 0.04 * r9) * (barrel ? 1 : 1 - esE);
  const relErr = Math.sqrt((0.028 / Math.sqrt(eTrue)) ** 2 + (barrel ? 0.0075 : 0.013) ** 2 + (0.02 * u) ** 2);
  const energyErr = eTrue * relErr * (isData ? 1.05 : 1) * Math.exp(0.05 * rng.normal());
  const mva = Math.tanh(2.2 * (r9 - 0.75) - 60 * (sieie - sieie0) - 0.25 * (ecal + hcal) - 0.3 * pfch - 8 * hoe + 0.8 + 0.15 * rng.normal());
  return {
    pt, ScEta: reduce(scEta, 12), eta: reduce(eta, 12), phi: reduce(phi, 12), r9: reduce(r9), s4: reduce(s4), sieie: reduce(sieie), sieip: reduce(sieip), etaWidth: reduce(ew), phiWidth: reduce(pw),
    hoe: reduce(hoe), energyRaw, energyErr: reduce(energyErr, 12), ecalPFClusterIso: reduce(ecal), hcalPFClusterIso: reduce(hcal),
    trkSumPtHollowConeDR03: reduce(trk03), trkSumPtSolidConeDR04: reduce(trk04), pfChargedIso: reduce(pfch), pfChargedIsoWorstVtx: reduce(worst),
    esEffSigmaRR: reduce(esRR), esEnergyOverRawE: reduce(esE), mvaID: reduce(mva), relRes: relErr * (isData ? 1.1 : 1),
  };
}

function drawEta(rng: Rng): number {
  for (;;) {
    const eta = 1.3 * rng.normal();
    const a = Math.abs(eta);
    if (a < 2.5 && (a < 1.4442 || a > 1.566)) return eta;
  }
}

/** Generates `rows` events into column arrays (one block; call repeatedly with the same rng to stream). */
export function generateBlock(rng: Rng, rows: number, isData: boolean, firstEvent: number): Map<string, Column> {
  const schema = sampleSchema();
  const cols = new Map<string, Column>();
  const flat = new Map<string, Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array>();
  for (const c of schema) {
    if (c.jagged) continue;
    const a = c.type === 'int64' ? new BigInt64Array(rows) : c.type === 'int32' ? new Int32Array(rows) : c.type === 'bool' ? new Uint8Array(rows) : new Float32Array(rows);
    flat.set(c.name, a);
    cols.set(c.name, a);
  }
  const jetOffsets = new Int32Array(rows + 1);
  const jetValues: number[] = [];
  const set = (name: string, i: number, v: number) => { (flat.get(name) as Float32Array)[i] = v; };
  for (let i = 0; i < rows; i++) {
    const rho = Math.max(2, (isData ? 1.05 : 1) * (18 + 6 * rng.normal()));
    // Breit-Wigner mass (Cauchy via tan), pt from the decay kinematics.
    let mTrue = 0;
    do mTrue = 91.1876 + 0.5 * 2.4952 * Math.tan(Math.PI * (rng.uniform() - 0.5)); while (mTrue < 55 || mTrue > 125);
    let tag: Photon, probe: Photon;
    for (;;) {
      const cosT = 2 * rng.uniform() - 1;
      const sinT = Math.sqrt(1 - cosT * cosT);
      const zpt = rng.exp(8);
      const ptA = 0.5 * mTrue * sinT + 0.5 * zpt * rng.normal();
      const ptB = 0.5 * mTrue * sinT + 0.5 * zpt * rng.normal();
      const [tp, pp] = rng.uniform() < 0.5 ? [ptA, ptB] : [ptB, ptA];
      if (tp < 35 || pp < 20) continue;
      tag = photon(rng, isData, 35, rho, tp, drawEta(rng));
      probe = photon(rng, isData, 20, rho, pp, drawEta(rng));
      break;
    }
    const mass = mTrue * Math.sqrt((1 + tag.relRes * rng.normal()) * (1 + probe.relRes * rng.normal()));
    if (!(mass > 60 && mass < 120)) { i--; continue; }
    for (const v of PHOTON_VARS) { set(`tag_${v}`, i, tag[v]); set(`probe_${v}`, i, probe[v]); }
    (flat.get('tag_pixelSeed') as Uint8Array)[i] = rng.uniform() < 0.97 ? 1 : 0;
    (flat.get('probe_pixelSeed') as Uint8Array)[i] = rng.uniform() < 0.95 ? 1 : 0;
    set('fixedGridRhoAll', i, rho);
    set('mass', i, mass);
    set('weight', i, isData ? 1 : (rng.uniform() < 0.02 ? -1 : 1) * Math.abs(1 + 0.15 * rng.normal()));
    (flat.get('event') as BigInt64Array)[i] = BigInt(firstEvent + i) * (isData ? 7919n : 1n);
    const run = isData ? 355100 + Math.floor(((firstEvent + i) / 40000)) % 7660 : 1;
    (flat.get('run') as Int32Array)[i] = run;
    (flat.get('lumi') as Int32Array)[i] = 1 + Math.floor((firstEvent + i) / 200) % 2000;
    const nj = rng.poisson(1.4);
    (flat.get('nJet') as Int32Array)[i] = nj;
    const jets: number[] = [];
    for (let k = 0; k < nj; k++) jets.push(Math.fround(25 + rng.exp(30)));
    jets.sort((a, b) => b - a);
    jetValues.push(...jets);
    jetOffsets[i + 1] = jetValues.length;
  }
  cols.set('Jet_pt', { offsets: jetOffsets, values: Float32Array.from(jetValues) });
  return cols;
}

/** Writes one sample file: streamed blocks via hyparquet-writer, then DuckDB re-encodes with zstd + dictionary like pyarrow. */
export async function writeSample(path: string, rows: number, isData: boolean, seed: number, rowGroupRows = 10_000): Promise<void> {
  const schema = sampleSchema();
  const rng = new Rng(seed);
  const tmp = `${path}.tmp-${process.pid}`;
  const pw = new ParquetWriter({ writer: fileWriter(tmp), schema: schemaFor(schema) as never, codec: 'SNAPPY', statistics: false });
  const block = 50_000;
  for (let s = 0; s < rows; s += block) {
    const n = Math.min(block, rows - s);
    const cols = generateBlock(rng, n, isData, s);
    await pw.write({ columnData: schema.map((c) => ({ name: c.name, data: columnDataFor(cols.get(c.name)!, c.type, n) as never, statistics: false })), rowGroupSize: n });
  }
  await pw.finish();
  const con = await (await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '500MB' })).connect();
  const kv = `{'ntcorr.sample': '${JSON.stringify({ generator: 'scripts/make-samples.ts', kind: isData ? 'data' : 'simulation', seed, rows })}'}`;
  await con.run(`COPY (SELECT * FROM read_parquet('${tmp}')) TO '${path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupRows}, KV_METADATA ${kv})`);
  con.closeSync();
  rmSync(tmp, { force: true });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def?: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
  const rows = Number(opt('--rows', '25000'));
  const out = resolve(opt('--out', 'samples')!);
  const seed = Number(opt('--seed', '2022'));
  const only = opt('--only');
  mkdirSync(out, { recursive: true });
  if (only !== 'data') {
    await writeSample(join(out, 'zee_mc.parquet'), rows, false, seed);
    console.log(`wrote ${join(out, 'zee_mc.parquet')} (${rows} rows, simulation)`);
  }
  if (only !== 'mc') {
    const n = Math.round(rows * 0.8);
    await writeSample(join(out, 'zee_data.parquet'), n, true, seed + 1);
    console.log(`wrote ${join(out, 'zee_data.parquet')} (${n} rows, data)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('make-samples.ts')) {
  await main();
}
