import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { NtcorrError } from '../../core/errors.js';

/**
 * The `train jet` / `build-transform` YAML, with ml-jec's sections (data, features, model, loss, train)
 * plus `transform` (steps for build-transform) and `output`. ml-jec's `run` and `predict` are accepted and
 * ignored so its configs load unchanged.
 */
export interface ConstituentFeatures {
  /** Features fed to the network per constituent: branches and derived <type>_rel_pt/_deta/_dphi/_dr. */
  numerical: string[];
  /** Branches read for them. */
  numerical_branches: string[];
  categorical: string[];
  /** Padding length cap: constituents beyond it (ordered as stored) are dropped. */
  max_size: number;
}

export interface BlockConfig {
  type: 'mlp' | 'resnet';
  num_units: number[];
}

export interface JetConfig {
  file: string;
  data: {
    /** Dataset folder with data.yaml (absolute after loading). */
    location: string;
    tree: string;
    /** Files for train, validation, test; -1 = the rest. */
    split: number[];
    batch_size: number;
    /** transform.yaml path (default <location>/transform.yaml). */
    transform: string;
    /** Length bucketing of training batches (default true). */
    bucket: boolean;
  };
  /** Jet-level branch names used for derived features and the target. */
  jet: { pt: string; eta: string; phi: string; pt_gen: string };
  global: { numerical: string[]; numerical_branches: string[] };
  types: { name: string; features: ConstituentFeatures; block: BlockConfig; embeddings: Record<string, number> }[];
  head: BlockConfig;
  loss: { type: 'mae' | 'huber'; delta: number };
  train: {
    max_epochs: number;
    steps_per_epoch: number;
    learning_rate: number;
    weight_decay: number;
    clip_norm: number;
    reduce_lr_on_plateau: { factor: number; patience: number; min_delta: number };
    early_stopping: { patience: number; min_delta: number };
    seed: number;
  };
  /** Non-linear steps per feature for build-transform, and fixed category lists. */
  transform: { steps: Record<string, TransformStepSpec[]>; categorical: Record<string, number[]> };
  output: string;
  /** Written into the bundle for `apply`: output names, per-event collection layout. */
  apply: ApplySection;
}

export interface ApplySection {
  output?: string;
  raw_output?: string;
  collection?: { prefix: string; event_columns?: string[]; constituent_jet_index: Record<string, string> };
}

export type TransformStepSpec = { type: 'log' } | { type: 'abs' } | { type: 'arcsinh'; scale: number };

const DERIVED = ['rel_pt', 'deta', 'dphi', 'dr'];

function fail(file: string, key: string, msg: string): never {
  throw new NtcorrError(`${file}: ${key}: ${msg}`, { file });
}

function obj(file: string, key: string, v: unknown, required = true): Record<string, unknown> {
  if (v === undefined || v === null) {
    if (required) fail(file, key, 'missing section');
    return {};
  }
  if (typeof v !== 'object' || Array.isArray(v)) fail(file, key, `expected a mapping, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function num(file: string, key: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(file, key, `expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function strs(file: string, key: string, v: unknown, dflt?: string[]): string[] {
  if (v === undefined && dflt) return dflt;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(file, key, `expected a list of names, got ${JSON.stringify(v)}`);
  return v as string[];
}

function noUnknown(file: string, key: string, o: Record<string, unknown>, known: string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(file, `${key}${key ? '.' : ''}${k}`, `unknown key (known: ${known.join(', ')})`);
}

function block(file: string, key: string, v: unknown, extra: string[] = []): BlockConfig {
  const o = obj(file, key, v);
  noUnknown(file, key, o, ['type', 'num_units', ...extra]);
  const type = (o.type ?? 'mlp') as string;
  if (type !== 'mlp' && type !== 'resnet') fail(file, `${key}.type`, `expected mlp or resnet, got ${JSON.stringify(type)}`);
  const units = o.num_units;
  if (!Array.isArray(units) || units.length === 0 || units.some((u) => !Number.isInteger(u) || u < 1)) fail(file, `${key}.num_units`, `expected a non-empty list of positive integers, got ${JSON.stringify(units)}`);
  return { type, num_units: units as number[] };
}

export function parseTransformSteps(file: string, key: string, v: unknown): TransformStepSpec[] {
  if (!Array.isArray(v)) fail(file, key, 'expected a list of steps such as [abs, {arcsinh: 0.001}] or [log]');
  return v.map((s, i) => {
    if (s === 'log' || s === 'abs') return { type: s };
    if (s && typeof s === 'object' && 'arcsinh' in s) {
      const a = (s as { arcsinh: unknown }).arcsinh;
      const scale = typeof a === 'number' ? a : num(file, `${key}[${i}].arcsinh.scale`, (a as { scale?: unknown })?.scale);
      if (!(scale > 0)) fail(file, `${key}[${i}]`, 'arcsinh scale must be > 0');
      return { type: 'arcsinh', scale };
    }
    return fail(file, `${key}[${i}]`, `unknown step ${JSON.stringify(s)} (expected log, abs or {arcsinh: scale}; the linear rescaling is fitted automatically)`);
  });
}

/** Parses and validates a jet config; paths are resolved against the config's folder. */
export function parseJetConfig(text: string, file: string): JetConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new NtcorrError(`${file}: not valid YAML (${(e as Error).message})`, { file });
  }
  const root = obj(file, '(top level)', doc);
  noUnknown(file, '', root, ['run', 'predict', 'data', 'features', 'model', 'loss', 'train', 'transform', 'output', 'jet', 'apply']);
  const base = dirname(resolve(file));
  const d = obj(file, 'data', root.data);
  noUnknown(file, 'data', d, ['location', 'tree', 'split', 'batch_size', 'transform', 'bucket']);
  if (typeof d.location !== 'string') fail(file, 'data.location', 'expected the dataset folder (with data.yaml)');
  const location = resolve(base, d.location);
  const split = d.split ?? [-1, 0, 0];
  if (!Array.isArray(split) || split.length !== 3 || split.some((s) => !Number.isInteger(s))) fail(file, 'data.split', `expected [train, validation, test] file counts (-1 = the rest), got ${JSON.stringify(split)}`);
  const data = {
    location,
    tree: typeof d.tree === 'string' ? d.tree : 'Jets',
    split: split as number[],
    batch_size: num(file, 'data.batch_size', d.batch_size, 256),
    transform: typeof d.transform === 'string' ? resolve(base, d.transform) : resolve(location, 'transform.yaml'),
    bucket: d.bucket === undefined ? true : d.bucket === true,
  };
  const j = obj(file, 'jet', root.jet, false);
  noUnknown(file, 'jet', j, ['pt', 'eta', 'phi', 'pt_gen']);
  const jet = { pt: (j.pt as string) ?? 'pt', eta: (j.eta as string) ?? 'eta', phi: (j.phi as string) ?? 'phi', pt_gen: (j.pt_gen as string) ?? 'pt_gen' };

  const f = obj(file, 'features', root.features);
  const m = obj(file, 'model', root.model);
  const g = obj(file, 'features.global', f.global, false);
  noUnknown(file, 'features.global', g, ['numerical', 'numerical_branches']);
  noUnknown(file, 'model', m, [...Object.keys(f).filter((k) => k !== 'global'), 'head']);
  const global = { numerical: strs(file, 'features.global.numerical', g.numerical, []), numerical_branches: strs(file, 'features.global.numerical_branches', g.numerical_branches, []) };
  for (const n of global.numerical) if (!global.numerical_branches.includes(n)) global.numerical_branches.push(n);
  const types: JetConfig['types'] = [];
  for (const [name, v] of Object.entries(f)) {
    if (name === 'global') continue;
    const o = obj(file, `features.${name}`, v);
    noUnknown(file, `features.${name}`, o, ['numerical', 'numerical_branches', 'categorical', 'max_size']);
    const numerical = strs(file, `features.${name}.numerical`, o.numerical, []);
    const branches = strs(file, `features.${name}.numerical_branches`, o.numerical_branches, []);
    for (const n of numerical) {
      const derived = DERIVED.some((s) => n === `${name}_${s}`);
      if (!derived && !branches.includes(n)) branches.push(n);
    }
    if (branches.length === 0) fail(file, `features.${name}.numerical_branches`, 'at least one branch is needed (it gives the constituent count)');
    const mb = obj(file, `model.${name}`, m[name]);
    const emb = obj(file, `model.${name}.embeddings`, mb.embeddings, false);
    const categorical = strs(file, `features.${name}.categorical`, o.categorical, []);
    for (const c of categorical) if (!Number.isInteger(emb[c]) || (emb[c] as number) < 1) fail(file, `model.${name}.embeddings.${c}`, 'each categorical feature needs an embedding dimension (positive integer)');
    types.push({
      name,
      features: { numerical, numerical_branches: branches, categorical, max_size: num(file, `features.${name}.max_size`, o.max_size, 64) },
      block: block(file, `model.${name}`, mb, ['embeddings']),
      embeddings: emb as Record<string, number>,
    });
  }
  if (!global.numerical.length && !types.length) fail(file, 'features', 'no features');
  const head = block(file, 'model.head', m.head);

  let loss: JetConfig['loss'] = { type: 'mae', delta: 1 };
  if (typeof root.loss === 'string') {
    if (root.loss !== 'mae' && root.loss !== 'huber') fail(file, 'loss', `expected mae or huber, got ${JSON.stringify(root.loss)}`);
    loss = { type: root.loss, delta: 0.1 };
  } else if (root.loss !== undefined) {
    const l = obj(file, 'loss', root.loss);
    noUnknown(file, 'loss', l, ['type', 'delta']);
    if (l.type !== 'mae' && l.type !== 'huber') fail(file, 'loss.type', `expected mae or huber, got ${JSON.stringify(l.type)}`);
    loss = { type: l.type, delta: num(file, 'loss.delta', l.delta, 0.1) };
  }

  const t = obj(file, 'train', root.train);
  noUnknown(file, 'train', t, ['steps_per_epoch', 'max_epochs', 'learning_rate', 'weight_decay', 'clip_norm', 'reduce_lr_on_plateau', 'early_stopping', 'seed']);
  const rop = obj(file, 'train.reduce_lr_on_plateau', t.reduce_lr_on_plateau, false);
  const es = obj(file, 'train.early_stopping', t.early_stopping, false);
  noUnknown(file, 'train.reduce_lr_on_plateau', rop, ['factor', 'patience', 'min_delta']);
  noUnknown(file, 'train.early_stopping', es, ['patience', 'min_delta']);
  const train = {
    max_epochs: num(file, 'train.max_epochs', t.max_epochs, 20),
    steps_per_epoch: num(file, 'train.steps_per_epoch', t.steps_per_epoch, 0),
    learning_rate: num(file, 'train.learning_rate', t.learning_rate, 1e-3),
    weight_decay: num(file, 'train.weight_decay', t.weight_decay, 0),
    clip_norm: num(file, 'train.clip_norm', t.clip_norm, 0),
    reduce_lr_on_plateau: { factor: num(file, 'train.reduce_lr_on_plateau.factor', rop.factor, 0.2), patience: num(file, 'train.reduce_lr_on_plateau.patience', rop.patience, 10), min_delta: num(file, 'train.reduce_lr_on_plateau.min_delta', rop.min_delta, 1e-4) },
    early_stopping: { patience: num(file, 'train.early_stopping.patience', es.patience, 15), min_delta: num(file, 'train.early_stopping.min_delta', es.min_delta, 0) },
    seed: num(file, 'train.seed', t.seed, 1),
  };
  const tr = obj(file, 'transform', root.transform, false);
  noUnknown(file, 'transform', tr, ['steps', 'categorical']);
  const steps: Record<string, TransformStepSpec[]> = {};
  for (const [k, v] of Object.entries(obj(file, 'transform.steps', tr.steps, false))) steps[k] = parseTransformSteps(file, `transform.steps.${k}`, v);
  const categorical: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(obj(file, 'transform.categorical', tr.categorical, false))) {
    if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x))) fail(file, `transform.categorical.${k}`, 'expected a list of integer values');
    categorical[k] = v as number[];
  }
  const run = obj(file, 'run', root.run, false);
  noUnknown(file, 'run', run, ['name', 'storage']);
  const output = typeof root.output === 'string' ? resolve(base, root.output) : resolve(base, typeof run.name === 'string' ? `models/jet-${run.name}` : 'models/jet');
  const ap = obj(file, 'apply', root.apply, false);
  noUnknown(file, 'apply', ap, ['output', 'raw_output', 'collection']);
  const apply: ApplySection = {};
  if (ap.output !== undefined) apply.output = String(ap.output);
  if (ap.raw_output !== undefined) apply.raw_output = String(ap.raw_output);
  if (ap.collection !== undefined) {
    const c = obj(file, 'apply.collection', ap.collection);
    noUnknown(file, 'apply.collection', c, ['prefix', 'event_columns', 'constituent_jet_index']);
    if (typeof c.prefix !== 'string') fail(file, 'apply.collection.prefix', 'expected the jet column prefix, e.g. Jet_');
    const idx = obj(file, 'apply.collection.constituent_jet_index', c.constituent_jet_index);
    for (const t of types) if (typeof idx[t.name] !== 'string') fail(file, `apply.collection.constituent_jet_index.${t.name}`, 'expected the column with each constituent\'s jet index in its event');
    apply.collection = { prefix: c.prefix, event_columns: strs(file, 'apply.collection.event_columns', c.event_columns, []), constituent_jet_index: idx as Record<string, string> };
  }
  return { file, data, jet, global, types, head, loss, train, transform: { steps, categorical }, output, apply };
}

export function loadJetConfig(file: string): JetConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NtcorrError(`config ${file} cannot be read (${(e as Error).message})`, { file });
  }
  return parseJetConfig(text, file);
}

/** Branches a derived feature needs, and whether a name is derived. */
export function derivedKind(type: string, feature: string): 'rel_pt' | 'deta' | 'dphi' | 'dr' | undefined {
  for (const s of DERIVED) if (feature === `${type}_${s}`) return s as 'rel_pt' | 'deta' | 'dphi' | 'dr';
  return undefined;
}
