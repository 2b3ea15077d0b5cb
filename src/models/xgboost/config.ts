import { checkKeys } from '../../core/config-keys.js';
import { NtcorrError } from '../../core/errors.js';
import type { ForestRef } from './storage.js';

/**
 * model.json `config` of kind `xgboost` (see models/photon-mvaid-run3/model.json):
 *
 *   collections:  ["tag_", "probe_"]     column prefixes; each gets its own output "<prefix><output>"
 *   optionalCollections: ["tag_"]        skipped (no output) in files without that collection's selector column
 *   output:       "mvaID_corr"
 *   transform:    "tanh" | "sigmoid" | "none" | "objective"   applied to the raw margin (mvaID = tanh(margin))
 *   region:       { variable: "ScEta" }  selector read as "<prefix>ScEta" (raw, never "_corr")
 *   regions:      [{ name, absMin?, absMax?, model: ForestRef, inputs: [...] }]  first match by |variable|
 *                 (absMin <= |v| < absMax); rows in no region get NaN
 *   inputs:       { prefer: "corrected" | "raw", suffix: "_corr", raw: ["ScEta", ...] }
 *                 input v of collection p reads "<p><v><suffix>" when the file has it and prefer is
 *                 "corrected", else "<p><v>", else "<v>" (event-level columns like fixedGridRhoAll),
 *                 else the file's column among aliases[v] (HiggsDNA's Zmmg trees name rho Rho_fixedGridRhoAll)
 */
export interface XgbRegion {
  name: string;
  absMin?: number;
  absMax?: number;
  model: ForestRef;
  inputs: string[];
}

export interface XgbConfig {
  collections: string[];
  optionalCollections: string[];
  output: string;
  transform: 'tanh' | 'sigmoid' | 'none' | 'objective';
  region?: { variable: string };
  regions: XgbRegion[];
  inputs: { prefer: 'corrected' | 'raw'; suffix: string; raw: string[]; aliases?: Record<string, string[]> };
}

export function parseXgbConfig(dir: string, c: Record<string, unknown>): XgbConfig {
  const fail = (m: string) => { throw new NtcorrError(`model bundle ${dir}: xgboost config: ${m}`, { file: dir }); };
  checkKeys(c, ['collections', 'optionalCollections', 'output', 'transform', 'regions', 'region', 'inputs'], 'config', `${dir}/model.json`);
  const collections = (c.collections as string[] | undefined) ?? [''];
  if (!Array.isArray(collections) || collections.some((p) => typeof p !== 'string')) fail('collections must be a list of column prefixes like ["probe_"]');
  if (typeof c.output !== 'string' || !c.output) fail('output (the new column name after the prefix) is required');
  const transform = (c.transform as XgbConfig['transform'] | undefined) ?? 'none';
  if (!['tanh', 'sigmoid', 'none', 'objective'].includes(transform)) fail(`transform "${transform}" unknown (tanh, sigmoid, none, objective)`);
  const regions = c.regions as XgbRegion[] | undefined;
  if (!Array.isArray(regions) || regions.length === 0) fail('regions must list at least one {name, model, inputs}');
  for (const [i, r] of regions!.entries()) {
    if (r && typeof r === 'object') checkKeys(r, ['name', 'absMin', 'absMax', 'model', 'inputs'], `config.regions[${i}]`, `${dir}/model.json`);
    if (!r.model || !Array.isArray(r.inputs) || r.inputs.length === 0) fail(`region ${r.name}: needs model and inputs`);
  }
  if (regions!.length > 1 && !(c.region as { variable?: string } | undefined)?.variable) fail('several regions need region.variable (e.g. "ScEta")');
  const inp = (c.inputs as Partial<XgbConfig['inputs']> | undefined) ?? {};
  checkKeys(inp, ['prefer', 'suffix', 'raw', 'aliases'], 'config.inputs', `${dir}/model.json`);
  if (c.region && typeof c.region === 'object') checkKeys(c.region, ['variable'], 'config.region', `${dir}/model.json`);
  return {
    collections, optionalCollections: (c.optionalCollections as string[] | undefined) ?? [], output: c.output as string, transform, regions: regions!,
    region: c.region as XgbConfig['region'],
    inputs: { prefer: inp.prefer ?? 'corrected', suffix: inp.suffix ?? '_corr', raw: inp.raw ?? [], ...(inp.aliases ? { aliases: inp.aliases } : {}) },
  };
}

/** The file column that feeds input `v` of collection `prefix` (undefined when the file has none). */
export function resolveInput(v: string, prefix: string, cfg: XgbConfig['inputs'], has: (c: string) => boolean): string | undefined {
  const cands: string[] = [];
  const corr = cfg.prefer === 'corrected' && !cfg.raw.includes(v);
  if (corr) cands.push(`${prefix}${v}${cfg.suffix}`);
  cands.push(`${prefix}${v}`);
  if (prefix) { if (corr) cands.push(`${v}${cfg.suffix}`); cands.push(v); }
  cands.push(...(cfg.aliases?.[v] ?? []));
  return cands.find(has);
}
