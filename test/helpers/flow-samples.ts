import { join } from 'node:path';
import { writeParquetTable } from '../../src/io/parquet/index.js';
import { mulberry32 } from '../../src/core/random.js';

/**
 * Tiny Zee-like tag-and-probe samples whose data/simulation differences are known exactly, for the flow
 * training tests (independent of scripts/make-samples.ts):
 *  - probe_r9: simulation 0.90 + 0.03 N(0,1) + 0.01|eta|; data shifted by +0.02 and widened x1.3;
 *  - probe_sieie: 0.010 + 0.4 (r9 - 0.9) x 0.01 + 0.0008 N; in data the r9 slope is doubled (a changed correlation);
 *  - probe_iso: exact zero with probability 0.6 (simulation) / 0.45 (data), else Exp(mean 2 GeV);
 *  - conditions: probe_pt = 25 + Exp(mean 15) (data: mean 18, so the spectra differ and reweighting matters),
 *    probe_ScEta ~ U(-2.5, 2.5), probe_phi ~ U(-pi, pi), fixedGridRhoAll ~ N(20, 4);
 *  - mass ~ N(91, 3) (a selection cut uses it), weight = 1 (simulation).
 */

export function generateSample(n: number, isData: boolean, seed: number): Record<string, Float32Array> {
  const u = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const cols: Record<string, Float32Array> = {};
  for (const k of ['probe_pt', 'probe_ScEta', 'probe_phi', 'fixedGridRhoAll', 'probe_r9', 'probe_sieie', 'probe_iso', 'mass', 'weight']) cols[k] = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const pt = 25 - (isData ? 18 : 15) * Math.log(1 - u());
    const eta = 5 * u() - 2.5;
    const r9 = isData ? 0.92 + 0.039 * normal() + 0.01 * Math.abs(eta) : 0.9 + 0.03 * normal() + 0.01 * Math.abs(eta);
    const sieie = 0.01 + (isData ? 0.8 : 0.4) * (r9 - 0.9) * 0.01 + 0.0008 * normal();
    const iso = u() < (isData ? 0.45 : 0.6) ? 0 : -2 * Math.log(1 - u());
    cols.probe_pt[i] = pt;
    cols.probe_ScEta[i] = eta;
    cols.probe_phi[i] = Math.PI * (2 * u() - 1);
    cols.fixedGridRhoAll[i] = 20 + 4 * normal();
    cols.probe_r9[i] = r9;
    cols.probe_sieie[i] = sieie;
    cols.probe_iso[i] = iso;
    cols.mass[i] = 91 + 3 * normal();
    cols.weight[i] = 1;
  }
  return cols;
}

/** Writes data.parquet and mc.parquet into `dir`; returns their paths. */
export async function writeFlowSamples(dir: string, n: number, seed = 1): Promise<{ data: string; mc: string }> {
  const data = join(dir, 'data.parquet');
  const mc = join(dir, 'mc.parquet');
  for (const [path, isData, s] of [[data, true, seed], [mc, false, seed + 1000]] as const) {
    const cols = generateSample(n, isData, s);
    await writeParquetTable(path, Object.entries(cols).map(([name, values]) => ({ name, data: values })));
  }
  return { data, mc };
}

/** A small training YAML for these samples. */
export function flowYaml(p: { data: string; mc: string; output: string; epochs?: number; hidden?: number[]; extra?: string }): string {
  return `
configurations:
  tiny:
    data: ${p.data}
    mc: ${p.mc}
    mc_weight: weight
    selection: 80 < mass < 100 and probe_pt > 25
    collections: [probe_]
    variables: [r9, sieie, iso]
    conditions: [pt, ScEta, phi, fixedGridRhoAll]
    preprocessing:
      isolation: {iso: auto}
    reweight: {variables: [pt, ScEta, fixedGridRhoAll], bins: 4}
    model: {transforms: 2, bins: 8, hidden: [${(p.hidden ?? [32, 32]).join(', ')}]}
    training: {epochs: ${p.epochs ?? 4}, batch_size: 256, learning_rate: 3.0e-3, patience: 50, seed: 3}
    closure: {plots: true}
    output: ${p.output}
${p.extra ?? ''}`;
}
