import { NtcorrError } from '../../core/errors.js';
import { type FlowArch, archProblem } from './arch.js';
import { type PreprocessParams, preprocessProblem } from './preprocess.js';

/**
 * config of a `flow` bundle (model.json). Logical variable names (`r9`) are mapped to file columns per
 * collection, so one bundle corrects `probe_r9` and `tag_r9` (Zee), `photon_r9` (Zmmg), `lead_r9` /
 * `sublead_r9` (diphoton), or `probe_raw_r9`-style names through `columns`.
 */
export interface FlowCollection {
  /** Column prefix, e.g. "probe_". */
  prefix: string;
  /** Logical name -> full column name, overriding `prefix + name` (e.g. {"r9": "probe_raw_r9", "rho": "fixedGridRhoAll"}). */
  columns?: Record<string, string>;
  /**
   * HiggsDNA keeps the uncorrected value of every variable it corrected itself as `<prefix>raw_<var>` (and
   * overwrites `<prefix><var>`). With rawPrefix "raw_", a variable reads `<prefix>raw_<var>` in files that
   * have it and `<prefix><var>` in files that do not (conditions are never renamed by HiggsDNA).
   */
  rawPrefix?: string;
}

export interface FlowConfig {
  architecture: FlowArch;
  /** Flow inputs (logical names), in feature order. */
  variables: string[];
  /** Conditions (logical names), in context order; the is-data flag is appended as the last context input. */
  conditions: string[];
  /** Name of the is-data flag (documentation only: apply sets it to 0 then 1, it is never read from files). */
  isDataFlag: string;
  collections: FlowCollection[];
  /** Output column name; tokens {prefix}, {var}, {column} (resolved input column). Default "{prefix}{var}_corr". */
  outputPattern?: string;
  /** Rows with an input or condition outside [min, max] (logical name -> range) are not corrected. */
  validity?: Record<string, [number, number]>;
  preprocessing: PreprocessParams;
}

export const DEFAULT_OUTPUT_PATTERN = '{prefix}{var}_corr';

export function resolveColumn(col: FlowCollection, name: string): string {
  return col.columns?.[name] ?? col.prefix + name;
}

/** The column a corrected variable is read from in a file with columns `has` (rawPrefix honoured). */
export function resolveVariable(col: FlowCollection, name: string, has: (c: string) => boolean): string {
  if (col.rawPrefix !== undefined && col.columns?.[name] === undefined) {
    const raw = `${col.prefix}${col.rawPrefix}${name}`;
    if (has(raw)) return raw;
  }
  return resolveColumn(col, name);
}

export function outputName(cfg: FlowConfig, col: FlowCollection, name: string): string {
  return (cfg.outputPattern ?? DEFAULT_OUTPUT_PATTERN)
    .replaceAll('{prefix}', col.prefix)
    .replaceAll('{var}', name)
    .replaceAll('{column}', resolveColumn(col, name));
}

/** Validates a flow config read from a bundle; throws NtcorrError naming the bundle and the field. */
export function checkFlowConfig(cfg: FlowConfig, where: string): FlowConfig {
  const bad = (msg: string): never => {
    throw new NtcorrError(`flow bundle ${where}: ${msg}`, { file: where });
  };
  if (!cfg || typeof cfg !== 'object') bad('config is missing');
  // Unknown keys are errors (a misspelt `outputPatern` must not silently write the default names).
  const keys = (o: unknown, allowed: string[], path: string) => {
    if (o && typeof o === 'object' && !Array.isArray(o)) for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${path}.${k}: unknown key (expected one of ${allowed.join(', ')})`);
  };
  keys(cfg, ['architecture', 'variables', 'conditions', 'isDataFlag', 'collections', 'outputPattern', 'validity', 'preprocessing'], 'config');
  const arch = cfg.architecture;
  if (!arch) bad('config.architecture is missing');
  keys(arch, ['features', 'context', 'bins', 'transforms', 'hidden', 'passes', 'slope', 'zukoVersion', 'bound'], 'config.architecture');
  if (Array.isArray(cfg.collections)) cfg.collections.forEach((c, i) => keys(c, ['prefix', 'columns', 'rawPrefix'], `config.collections[${i}]`));
  const pre = cfg.preprocessing;
  keys(pre, ['inputs', 'conditions'], 'config.preprocessing');
  if (pre && Array.isArray(pre.inputs)) pre.inputs.forEach((v, i) => { keys(v, ['name', 'mean', 'std', 'continuous', 'minmax', 'capped', 'bits'], `config.preprocessing.inputs[${i}]`); keys(v.continuous, ['shift', 'spread', 'convention'], `config.preprocessing.inputs[${i}].continuous`); keys(v.minmax, ['min', 'max'], `config.preprocessing.inputs[${i}].minmax`); keys(v.capped, ['max', 'width'], `config.preprocessing.inputs[${i}].capped`); });
  if (pre && Array.isArray(pre.conditions)) pre.conditions.forEach((v, i) => keys(v, ['name', 'mean', 'std'], `config.preprocessing.conditions[${i}]`));
  const ap = archProblem(arch);
  if (ap) bad(`config.architecture: ${ap}`);
  if (!Array.isArray(cfg.variables) || cfg.variables.length !== arch.features) bad(`config.variables must list ${arch.features} names (architecture.features)`);
  if (!Array.isArray(cfg.conditions) || cfg.conditions.length + 1 !== arch.context) bad(`config.conditions must list ${arch.context - 1} names (architecture.context minus the is-data flag)`);
  if (!Array.isArray(cfg.collections) || cfg.collections.length === 0) bad('config.collections must list at least one collection ({"prefix": "probe_"})');
  for (const c of cfg.collections) {
    if (typeof c.prefix !== 'string') bad('every collection needs a "prefix" (may be "")');
    for (const k of Object.keys(c)) if (!['prefix', 'columns', 'rawPrefix'].includes(k)) bad(`unknown collection key "${k}" (prefix, columns, rawPrefix)`);
    if (c.rawPrefix !== undefined && (typeof c.rawPrefix !== 'string' || !c.rawPrefix)) bad('collection rawPrefix must be a non-empty string such as "raw_"');
  }
  const pp = preprocessProblem(cfg.preprocessing, cfg.variables, cfg.conditions);
  if (pp) bad(`config.${pp}`);
  for (const [k, r] of Object.entries(cfg.validity ?? {})) {
    if (!cfg.variables.includes(k) && !cfg.conditions.includes(k)) bad(`config.validity names "${k}", which is neither a variable nor a condition`);
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] <= r[1])) bad(`config.validity.${k} must be [min, max]`);
  }
  const names = new Set(cfg.collections.flatMap((c) => cfg.variables.map((v) => outputName(cfg, c, v))));
  if (names.size !== cfg.collections.length * cfg.variables.length) bad('config.outputPattern gives the same output name twice');
  return cfg;
}
