import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { NtcorrError } from '../../core/errors.js';

/**
 * The `ntcorr train flow` YAML. One file holds several named configurations (like the CMS analysis'
 * flow_configuration.yaml); an optional `defaults:` block is deep-merged under each of them, so the
 * variants only spell out what differs. Keys are snake_case; unknown keys are errors (a typo such as
 * `learing_rate` must not silently train with the default).
 */

/** Isolation-like variable: `shift: 'auto'` fits it on the training set (see preprocess-fit.ts). */
export interface IsolationSpec {
  shift: number | 'auto';
}

/**
 * Variable with a spike at a physical upper bound (R9, S4 at exactly 1): `max` is the bound, `width` how
 * far above it the spike is spread for the flow ('auto': the distance from the bound to the 90% quantile
 * of the values below it, fitted on the training set).
 */
export interface CappedSpec {
  max: number;
  width: number | 'auto';
}

export interface FlowTrainConfig {
  /** Configuration name (key in `configurations:`). */
  name: string;
  /** Path of the YAML it came from, for messages and provenance. */
  file: string;
  data: string[];
  mc: string[];
  /** ROOT tree name (ROOT inputs only). */
  tree?: string;
  /** Event selection applied to data and simulation (src/expr syntax). */
  selection?: string;
  /** Simulation per-event weight column (generator weight); data weights are 1. */
  mc_weight?: string;
  /** Prefixes of the collections whose objects are training examples, e.g. ['probe_']. */
  collections: string[];
  /** Prefixes the bundle corrects when applied (default: `collections`), e.g. ['tag_', 'probe_']. */
  apply_collections: string[];
  /** Variables to correct, without collection prefix (r9, sieie, ...). */
  variables: string[];
  /**
   * Conditions, without prefix. Each is looked up as `<prefix><name>` first, then as the event-level column
   * `<name>` (fixedGridRhoAll). The is-data flag is appended after them.
   */
  conditions: string[];
  preprocessing: {
    standardize: boolean;
    isolation: Record<string, IsolationSpec>;
    capped: Record<string, CappedSpec>;
    /**
     * Precision of the corrected values: 'auto' rounds them to the mantissa bits the training inputs are
     * stored with when those are reduced (7-20 bits, as NanoAOD's), 'full' never rounds, a number forces
     * those bits.
     */
    output_precision: 'auto' | 'full' | number;
  };
  reweight: {
    enabled: boolean;
    /** Conditions to reweight in (names from `conditions`). */
    variables: string[];
    /** Equal-population bins per variable (from the data quantiles). */
    bins: number;
    /** Weights are clipped to this value (a few almost-empty simulation cells must not dominate). */
    max_weight: number;
  };
  model: {
    transforms: number;
    bins: number;
    hidden: number[];
    /** Autoregressive passes; default = number of variables (fully autoregressive). */
    passes?: number;
    slope: number;
  };
  training: {
    batch_size: number;
    learning_rate: number;
    weight_decay: number;
    epochs: number;
    /** Early stopping: epochs without validation improvement before stopping. */
    patience: number;
    /** ReduceLROnPlateau: epochs without improvement before the LR is multiplied by lr_factor. */
    lr_patience: number;
    lr_factor: number;
    min_lr: number;
    /** Gradient clipping by global norm (0 = off). */
    grad_clip: number;
    validation_fraction: number;
    test_fraction: number;
    /** Use at most this many events per sample (data, simulation) after the selection; 0 = all. */
    max_events: number;
    seed: number;
    /**
     * Cores for data-parallel training (batches cut into this many shards). A fixed default rather than
     * "all cores", so the same config trains the same weights on any machine; results depend on it.
     */
    threads: number;
  };
  closure: {
    /** Write closure histograms (SVG + PNG) next to the bundle. */
    plots: boolean;
    /** Events of each sample used for the classifier test (0 = all of the test split). */
    classifier_events: number;
  };
  /** Bundle folder. */
  output: string;
}

const DEFAULTS = {
  preprocessing: { standardize: true, isolation: {}, capped: {}, output_precision: 'auto' as const },
  reweight: { enabled: true, bins: 10, max_weight: 10 },
  model: { transforms: 6, bins: 10, hidden: [256, 256, 256], slope: 1e-3 },
  training: {
    batch_size: 1024,
    learning_rate: 1e-3,
    weight_decay: 1e-5,
    epochs: 100,
    patience: 10,
    lr_patience: 4,
    lr_factor: 0.5,
    min_lr: 1e-6,
    grad_clip: 1.0,
    validation_fraction: 0.2,
    test_fraction: 0.2,
    max_events: 0,
    seed: 42,
    threads: 2,
  },
  closure: { plots: true, classifier_events: 0 },
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Reads typed values out of one configuration, naming file, configuration and key in every error. */
class Reader {
  constructor(private file: string, private name: string) {}

  fail(path: string, expected: string, got?: unknown): never {
    const what = got === undefined ? 'missing' : `got ${JSON.stringify(got)}`;
    throw new NtcorrError(`${this.file}: configuration "${this.name}": ${path}: expected ${expected} (${what})`, { file: this.file });
  }

  checkKeys(obj: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) {
        throw new NtcorrError(
          `${this.file}: configuration "${this.name}": unknown key ${path ? path + '.' : ''}${k} (allowed: ${allowed.join(', ')})`,
          { file: this.file },
        );
      }
    }
  }

  obj(v: unknown, path: string): Obj {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) this.fail(path, 'a mapping', v);
    return v;
  }

  num(v: unknown, path: string, opts: { int?: boolean; min?: number; max?: number; minExclusive?: boolean } = {}): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, opts.int ? 'an integer' : 'a number', v);
    if (opts.int && !Number.isInteger(v)) this.fail(path, 'an integer', v);
    if (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) this.fail(path, `a number ${opts.minExclusive ? '>' : '>='} ${opts.min}`, v);
    if (opts.max !== undefined && v > opts.max) this.fail(path, `a number <= ${opts.max}`, v);
    return v;
  }

  str(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, 'a non-empty string', v);
    return v;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }

  /** A string or a list of strings (globs may be given as one string). */
  strList(v: unknown, path: string, opts: { nonEmpty?: boolean } = {}): string[] {
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s.trim() === '')) this.fail(path, 'a list of names', v);
    if (opts.nonEmpty && list.length === 0) this.fail(path, 'a non-empty list', v);
    const seen = new Set<string>();
    for (const s of list as string[]) {
      if (seen.has(s)) this.fail(path, 'names without duplicates', s);
      seen.add(s);
    }
    return list as string[];
  }
}

const TOP_KEYS = ['data', 'mc', 'tree', 'selection', 'mc_weight', 'collections', 'apply_collections', 'variables', 'conditions', 'preprocessing', 'reweight', 'model', 'training', 'closure', 'output'];

function validate(raw: Obj, name: string, file: string): FlowTrainConfig {
  const r = new Reader(file, name);
  r.checkKeys(raw, '', TOP_KEYS);
  const variables = r.strList(raw.variables, 'variables', { nonEmpty: true });
  const conditions = r.strList(raw.conditions, 'conditions', { nonEmpty: true });
  for (const c of conditions) if (variables.includes(c)) r.fail('conditions', 'names that are not also in variables', c);

  const pre = r.obj(raw.preprocessing, 'preprocessing');
  r.checkKeys(pre, 'preprocessing', ['standardize', 'isolation', 'capped', 'output_precision']);
  const isoRaw = r.obj(pre.isolation, 'preprocessing.isolation');
  const isolation: Record<string, IsolationSpec> = {};
  for (const [v, spec] of Object.entries(isoRaw)) {
    const p = `preprocessing.isolation.${v}`;
    if (!variables.includes(v)) r.fail(p, `one of variables (${variables.join(', ')})`, v);
    // `iso: auto`, `iso: 2.5`, or `iso: {shift: auto|2.5}`
    const s = isObj(spec) ? (r.checkKeys(spec, p, ['shift']), spec.shift) : spec;
    isolation[v] = { shift: s === 'auto' || s === null || s === undefined ? 'auto' : r.num(s, `${p}.shift`, { min: 0, minExclusive: true }) };
  }

  const capRaw = r.obj(pre.capped, 'preprocessing.capped');
  const capped: Record<string, CappedSpec> = {};
  for (const [v, spec] of Object.entries(capRaw)) {
    const p = `preprocessing.capped.${v}`;
    if (!variables.includes(v)) r.fail(p, `one of variables (${variables.join(', ')})`, v);
    if (isolation[v]) r.fail(p, 'a variable that is not also under preprocessing.isolation', v);
    // `r9: 1.0` or `r9: {max: 1.0, width: auto|0.005}`
    const o = isObj(spec) ? (r.checkKeys(spec, p, ['max', 'width']), spec) : { max: spec };
    const w = o.width;
    capped[v] = { max: r.num(o.max, `${p}.max`), width: w === undefined || w === null || w === 'auto' ? 'auto' : r.num(w, `${p}.width`, { min: 0, minExclusive: true }) };
  }
  const op = pre.output_precision;
  const outputPrecision = op === undefined || op === 'auto' ? 'auto' : op === 'full' ? 'full' : typeof op === 'number' ? r.num(op, 'preprocessing.output_precision', { int: true, min: 1, max: 23 }) : r.fail('preprocessing.output_precision', "'auto', 'full' or a number of mantissa bits (1-23)", op);

  const rw = r.obj(raw.reweight, 'reweight');
  r.checkKeys(rw, 'reweight', ['enabled', 'variables', 'bins', 'max_weight']);
  const rwVars = rw.variables === undefined ? conditions.slice(0, 3) : r.strList(rw.variables, 'reweight.variables', { nonEmpty: true });
  for (const v of rwVars) if (!conditions.includes(v)) r.fail('reweight.variables', `names from conditions (${conditions.join(', ')})`, v);

  const m = r.obj(raw.model, 'model');
  r.checkKeys(m, 'model', ['transforms', 'bins', 'hidden', 'passes', 'slope']);
  const hidden = m.hidden === undefined ? DEFAULTS.model.hidden : m.hidden;
  if (!Array.isArray(hidden) || hidden.length === 0) r.fail('model.hidden', 'a non-empty list of layer widths', hidden);
  (hidden as unknown[]).forEach((h, i) => r.num(h, `model.hidden[${i}]`, { int: true, min: 1 }));

  const t = r.obj(raw.training, 'training');
  r.checkKeys(t, 'training', Object.keys(DEFAULTS.training));
  const td = DEFAULTS.training;
  const tget = (k: keyof typeof td, o: Parameters<Reader['num']>[2]) => r.num(t[k] ?? td[k], `training.${k}`, o);
  const training = {
    batch_size: tget('batch_size', { int: true, min: 1 }),
    learning_rate: tget('learning_rate', { min: 0, minExclusive: true }),
    weight_decay: tget('weight_decay', { min: 0 }),
    epochs: tget('epochs', { int: true, min: 1 }),
    patience: tget('patience', { int: true, min: 1 }),
    lr_patience: tget('lr_patience', { int: true, min: 1 }),
    lr_factor: tget('lr_factor', { min: 0, max: 1, minExclusive: true }),
    min_lr: tget('min_lr', { min: 0 }),
    grad_clip: tget('grad_clip', { min: 0 }),
    validation_fraction: tget('validation_fraction', { min: 0, max: 0.9, minExclusive: true }),
    test_fraction: tget('test_fraction', { min: 0, max: 0.9 }),
    max_events: tget('max_events', { int: true, min: 0 }),
    seed: tget('seed', { int: true, min: 0 }),
    threads: tget('threads', { int: true, min: 1, max: 256 }),
  };
  if (training.validation_fraction + training.test_fraction >= 0.95) r.fail('training.validation_fraction + test_fraction', 'a sum below 0.95 (something must be left to train on)', training.validation_fraction + training.test_fraction);

  const cl = r.obj(raw.closure, 'closure');
  r.checkKeys(cl, 'closure', ['plots', 'classifier_events']);

  const collections = raw.collections === undefined ? [''] : r.strList(raw.collections, 'collections', { nonEmpty: true });
  if (raw.apply_collections !== undefined) {
    const ac = r.strList(raw.apply_collections, 'apply_collections', { nonEmpty: true });
    for (const c of collections) if (!ac.includes(c)) r.fail('apply_collections', `a list containing every training collection (${collections.join(', ')})`, ac);
  }
  const passes = m.passes === undefined || m.passes === null ? undefined : r.num(m.passes, 'model.passes', { int: true, min: 1, max: variables.length });
  return {
    name,
    file,
    data: r.strList(raw.data, 'data', { nonEmpty: true }),
    mc: r.strList(raw.mc, 'mc', { nonEmpty: true }),
    tree: raw.tree === undefined ? undefined : r.str(raw.tree, 'tree'),
    selection: raw.selection === undefined || raw.selection === null ? undefined : r.str(raw.selection, 'selection'),
    mc_weight: raw.mc_weight === undefined || raw.mc_weight === null ? undefined : r.str(raw.mc_weight, 'mc_weight'),
    collections,
    apply_collections: raw.apply_collections === undefined ? collections : r.strList(raw.apply_collections, 'apply_collections', { nonEmpty: true }),
    variables,
    conditions,
    preprocessing: {
      standardize: pre.standardize === undefined ? DEFAULTS.preprocessing.standardize : r.bool(pre.standardize, 'preprocessing.standardize'),
      isolation,
      capped,
      output_precision: outputPrecision,
    },
    reweight: {
      enabled: rw.enabled === undefined ? DEFAULTS.reweight.enabled : r.bool(rw.enabled, 'reweight.enabled'),
      variables: rwVars,
      bins: r.num(rw.bins ?? DEFAULTS.reweight.bins, 'reweight.bins', { int: true, min: 1, max: 1000 }),
      max_weight: r.num(rw.max_weight ?? DEFAULTS.reweight.max_weight, 'reweight.max_weight', { min: 0, minExclusive: true }),
    },
    model: {
      transforms: r.num(m.transforms ?? DEFAULTS.model.transforms, 'model.transforms', { int: true, min: 1 }),
      bins: r.num(m.bins ?? DEFAULTS.model.bins, 'model.bins', { int: true, min: 2 }),
      hidden: hidden as number[],
      passes,
      slope: r.num(m.slope ?? DEFAULTS.model.slope, 'model.slope', { min: 0, max: 0.5, minExclusive: true }),
    },
    training,
    closure: {
      plots: cl.plots === undefined ? DEFAULTS.closure.plots : r.bool(cl.plots, 'closure.plots'),
      classifier_events: r.num(cl.classifier_events ?? DEFAULTS.closure.classifier_events, 'closure.classifier_events', { int: true, min: 0 }),
    },
    output: r.str(raw.output, 'output'),
  };
}

/** Parses YAML text into validated configurations, in file order. */
export function parseFlowConfigs(text: string, file: string): FlowTrainConfig[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new NtcorrError(`${file}: not valid YAML: ${(e as Error).message}`, { file });
  }
  if (!isObj(doc)) throw new NtcorrError(`${file}: expected a YAML mapping with a "configurations:" section`, { file });
  for (const k of Object.keys(doc)) {
    if (k !== 'defaults' && k !== 'configurations') throw new NtcorrError(`${file}: unknown top-level key "${k}" (expected defaults, configurations)`, { file });
  }
  const defaults = doc.defaults === undefined ? {} : doc.defaults;
  if (!isObj(defaults)) throw new NtcorrError(`${file}: defaults: expected a mapping`, { file });
  const configs = doc.configurations;
  if (!isObj(configs) || Object.keys(configs).length === 0) throw new NtcorrError(`${file}: configurations: expected a mapping of named configurations (name: {...})`, { file });
  return Object.entries(configs).map(([name, c]) => {
    if (c !== null && !isObj(c)) throw new NtcorrError(`${file}: configuration "${name}": expected a mapping`, { file });
    return validate(deepMerge(defaults, c ?? {}) as Obj, name, file);
  });
}

/** Reads and validates the config file; `only` picks named configurations (in the order given). */
export function loadFlowConfigs(file: string, only?: string[]): FlowTrainConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NtcorrError(`${file}: cannot read the config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  const all = parseFlowConfigs(text, file);
  if (!only || only.length === 0) return all;
  return only.map((n) => {
    const c = all.find((x) => x.name === n);
    if (!c) throw new NtcorrError(`${file}: no configuration named "${n}" (have: ${all.map((x) => x.name).join(', ')})`, { file });
    return c;
  });
}
