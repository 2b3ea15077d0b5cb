import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { NtcorrError } from '../../core/errors.js';

/**
 * The `train jet` / `build-transform` YAML, with ml-jec's sections (run, data, features, model, loss,
 * optimizer, train, predict) plus ntcorr's `transform` (steps for build-transform), `jet`, `apply` and
 * `output`. Every key either has an effect, is an error naming its path, or (run.storage, data.cache,
 * predict: ml-jec keys without a meaning here) is accepted with a note that says so (`notes`).
 */
export interface ConstituentFeatures {
  /** Features fed to the network per constituent: branches and derived <type>_rel_pt/_deta/_dphi/_dr. */
  numerical: string[];
  /** Branches read for them. */
  numerical_branches: string[];
  categorical: string[];
  /** Optional cap on constituents per jet (first ones as stored are kept); absent = none (ml-jec is ragged). */
  max_size?: number;
}

export type BlockType = 'mlp' | 'resnet' | 'resnet_per_unit';

export interface BlockConfig {
  type: BlockType;
  num_units: number[];
  /** mlp only: bias-free dense + BatchNormalization(scale=False) before each ReLU (ml-jec). */
  batch_norm?: boolean;
  /** mlp only: dropout rate after each ReLU, training only. */
  dropout?: number;
}

/** What a categorical value missing from transform.yaml's list becomes. */
export type UnknownCategory = 'zero' | 'row' | 'error';

export interface OptimizerConfig {
  algorithm: 'adam' | 'sgd' | 'radam';
  momentum: number;
  nesterov: boolean;
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
  global: { numerical: string[]; numerical_branches: string[]; categorical: string[]; embeddings: Record<string, number>; unknown: UnknownCategory };
  types: { name: string; features: ConstituentFeatures; block: BlockConfig; embeddings: Record<string, number>; unknown: UnknownCategory }[];
  head: BlockConfig;
  loss: { type: 'mae' | 'huber'; delta: number };
  optimizer: OptimizerConfig;
  train: {
    /** 0 = ml-jec's default: as many epochs as make 10 passes over the training jets (set by train jet). */
    max_epochs: number;
    steps_per_epoch: number;
    learning_rate: number;
    weight_decay: number;
    clip_norm: number;
    /** Absent in the config = no reduction (ml-jec adds the callback only when the section is there). */
    reduce_lr_on_plateau?: { factor: number; patience: number; min_delta: number; min_lr: number; semantics: 'keras' | 'torch' };
    /** Absent = train all epochs; the best validation epoch's weights are still the ones kept. */
    early_stopping?: { patience: number; min_delta: number };
    /** ml-jec's piecewise-linear learning rate: lr at zero-based epochs, linear in between. */
    piecewise_linear_schedule?: { epochs: number[]; learning_rate: number[] };
    seed: number;
  };
  /** Initial weights: model.load_weights, or `model: <bundle>` (architecture and weights from that bundle). */
  init?: { path: string; key: string };
  /** Non-linear steps per feature for build-transform (`undefined`: ml-jec's build_transform.py defaults), fixed category lists. */
  transform: { steps?: Record<string, TransformStepSpec[]>; categorical: Record<string, number[]> };
  output: string;
  /** Written into the bundle for `apply`: output names, per-event collection layout. */
  apply: ApplySection;
  /** ml-jec keys accepted without effect here, each with the reason (printed by train jet). */
  notes: string[];
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

function bool(file: string, key: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(file, key, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function str(file: string, key: string, v: unknown, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') fail(file, key, `expected a name, got ${JSON.stringify(v)}`);
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

/** A URL-like dataset location (gs://, s3://, root://, https://): ntcorr reads local files only. */
function remote(file: string, key: string, v: string): void {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v);
  if (m) fail(file, key, `${v} is a remote location (${m[1]}://); ntcorr reads local files only: copy the dataset folder (data.yaml, transform.yaml, the shards) to a local disk${m[1] === 'gs' ? ` (e.g. gsutil -m cp -r ${v} ./data)` : ''} and set ${key} to that folder`);
}

const BLOCK_KEYS = ['type', 'num_units', 'batch_norm', 'dropout'];

function block(file: string, key: string, o: Record<string, unknown>): BlockConfig {
  const type = (o.type ?? 'mlp') as string;
  if (type !== 'mlp' && type !== 'resnet' && type !== 'resnet_per_unit') fail(file, `${key}.type`, `expected mlp or resnet (ml-jec's block), or resnet_per_unit, got ${JSON.stringify(type)}`);
  const units = o.num_units;
  if (!Array.isArray(units) || units.length === 0 || units.some((u) => !Number.isInteger(u) || u < 1)) fail(file, `${key}.num_units`, `expected a non-empty list of positive integers, got ${JSON.stringify(units)}`);
  const batchNorm = bool(file, `${key}.batch_norm`, o.batch_norm, false);
  const dropout = num(file, `${key}.dropout`, o.dropout, 0);
  if (!(dropout >= 0 && dropout < 1)) fail(file, `${key}.dropout`, `expected a rate in [0, 1), got ${dropout}`);
  // ml-jec's _apply_resnet takes neither option (it drops them silently); here that is an error
  if (type !== 'mlp' && batchNorm) fail(file, `${key}.batch_norm`, `only type mlp has batch normalisation (ml-jec's resnet has none), got type ${type}`);
  if (type !== 'mlp' && dropout > 0) fail(file, `${key}.dropout`, `only type mlp has dropout (ml-jec's resnet has none), got type ${type}`);
  return { type, num_units: units as number[], batch_norm: batchNorm, dropout };
}

function unknownCategory(file: string, key: string, v: unknown): UnknownCategory {
  if (v === undefined) return 'zero';
  if (v !== 'zero' && v !== 'row' && v !== 'error') fail(file, key, `expected zero, row or error, got ${JSON.stringify(v)}`);
  return v;
}

function embeddings(file: string, key: string, v: unknown, categorical: string[]): Record<string, number> {
  const emb = obj(file, key, v, false);
  for (const c of categorical) if (!Number.isInteger(emb[c]) || (emb[c] as number) < 1) fail(file, `${key}.${c}`, 'each categorical feature needs an embedding dimension (positive integer)');
  for (const k of Object.keys(emb)) if (!categorical.includes(k)) fail(file, `${key}.${k}`, `not a categorical feature of this block (categorical: ${categorical.join(', ') || 'none'})`);
  return emb as Record<string, number>;
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
  noUnknown(file, '', root, ['run', 'predict', 'data', 'features', 'model', 'loss', 'optimizer', 'train', 'transform', 'output', 'jet', 'apply']);
  const notes: string[] = [];
  const base = dirname(resolve(file));
  const d = obj(file, 'data', root.data);
  noUnknown(file, 'data', d, ['location', 'tree', 'split', 'batch_size', 'transform', 'bucket', 'cache']);
  if (typeof d.location !== 'string') fail(file, 'data.location', 'expected the dataset folder (with data.yaml)');
  remote(file, 'data.location', d.location);
  const location = resolve(base, d.location);
  const split = d.split ?? [-1, 0, 0];
  if (!Array.isArray(split) || split.length !== 3 || split.some((s) => !Number.isInteger(s))) fail(file, 'data.split', `expected [train, validation, test] file counts (-1 = the rest), got ${JSON.stringify(split)}`);
  if (typeof d.transform === 'string') remote(file, 'data.transform', d.transform);
  const data = {
    location,
    tree: str(file, 'data.tree', d.tree, 'Jets'),
    split: split as number[],
    batch_size: num(file, 'data.batch_size', d.batch_size, 256),
    transform: typeof d.transform === 'string' ? resolve(base, d.transform) : resolve(location, 'transform.yaml'),
    bucket: bool(file, 'data.bucket', d.bucket, true),
  };
  if (d.cache !== undefined && d.cache !== false && d.cache !== null) {
    if (d.cache !== true && typeof d.cache !== 'string') fail(file, 'data.cache', `expected false, true or a cache file path (ml-jec), got ${JSON.stringify(d.cache)}`);
    notes.push('data.cache: ntcorr reads the training files once and keeps the preprocessed jets in memory for the whole run, so there is nothing to cache; the key has no effect');
  }
  const j = obj(file, 'jet', root.jet, false);
  noUnknown(file, 'jet', j, ['pt', 'eta', 'phi', 'pt_gen']);
  const jet = { pt: str(file, 'jet.pt', j.pt, 'pt'), eta: str(file, 'jet.eta', j.eta, 'eta'), phi: str(file, 'jet.phi', j.phi, 'phi'), pt_gen: str(file, 'jet.pt_gen', j.pt_gen, 'pt_gen') };
  const run = obj(file, 'run', root.run, false);
  noUnknown(file, 'run', run, ['name', 'storage']);
  if (run.storage !== undefined) notes.push(`run.storage (${String(run.storage)}): ml-jec's steer.py copies its outputs there; ntcorr writes the bundle to the config's output (or models/jet-<run.name>) and copies nothing`);
  if (root.predict !== undefined) {
    if (typeof root.predict !== 'boolean') fail(file, 'predict', `expected true or false, got ${JSON.stringify(root.predict)}`);
    if (root.predict) notes.push('predict: ntcorr always evaluates the test files (response metrics in the bundle\'s provenance); use ntcorr apply for per-jet predictions (no prediction.npy is written)');
  }

  const f = obj(file, 'features', root.features);
  // model: <path> (ml-jec: a saved model to continue from): an ntcorr jet bundle gives the architecture and weights
  let m: Record<string, unknown>;
  let init: JetConfig['init'];
  if (typeof root.model === 'string') {
    const from = resolve(base, root.model);
    m = modelFromBundle(file, from, f);
    init = { path: from, key: 'model' };
  } else {
    m = obj(file, 'model', root.model);
  }
  const g = obj(file, 'features.global', f.global, false);
  noUnknown(file, 'features.global', g, ['numerical', 'numerical_branches', 'categorical', 'categorical_branches']);
  const mh = obj(file, 'model.head', m.head);
  noUnknown(file, 'model.head', mh, [...BLOCK_KEYS, 'embeddings', 'unknown_category']);
  const gCat = strs(file, 'features.global.categorical', g.categorical, []);
  categoricalBranches(file, 'features.global', gCat, g.categorical_branches);
  const global = {
    numerical: strs(file, 'features.global.numerical', g.numerical, []),
    numerical_branches: strs(file, 'features.global.numerical_branches', g.numerical_branches, []),
    categorical: gCat,
    embeddings: embeddings(file, 'model.head.embeddings', mh.embeddings, gCat),
    unknown: unknownCategory(file, 'model.head.unknown_category', mh.unknown_category),
  };
  for (const n of global.numerical) if (!global.numerical_branches.includes(n)) global.numerical_branches.push(n);
  const types: JetConfig['types'] = [];
  for (const [name, v] of Object.entries(f)) {
    if (name === 'global') continue;
    const o = obj(file, `features.${name}`, v);
    noUnknown(file, `features.${name}`, o, ['numerical', 'numerical_branches', 'categorical', 'categorical_branches', 'max_size']);
    const numerical = strs(file, `features.${name}.numerical`, o.numerical, []);
    const branches = strs(file, `features.${name}.numerical_branches`, o.numerical_branches, []);
    for (const n of numerical) {
      const derived = DERIVED.some((s) => n === `${name}_${s}`);
      if (!derived && !branches.includes(n)) branches.push(n);
    }
    if (branches.length === 0) fail(file, `features.${name}.numerical_branches`, 'at least one branch is needed (it gives the constituent count)');
    if (m[name] === undefined) fail(file, `model.${name}`, `missing section (features.${name} is a constituent type and needs its block)`);
    const mb = obj(file, `model.${name}`, m[name]);
    noUnknown(file, `model.${name}`, mb, [...BLOCK_KEYS, 'embeddings', 'unknown_category']);
    const categorical = strs(file, `features.${name}.categorical`, o.categorical, []);
    categoricalBranches(file, `features.${name}`, categorical, o.categorical_branches);
    let maxSize: number | undefined;
    if (o.max_size !== undefined && o.max_size !== null) {
      maxSize = num(file, `features.${name}.max_size`, o.max_size);
      if (!Number.isInteger(maxSize) || maxSize < 1) fail(file, `features.${name}.max_size`, `expected a positive integer (or no key: no cap), got ${maxSize}`);
    }
    types.push({
      name,
      features: { numerical, numerical_branches: branches, categorical, ...(maxSize !== undefined ? { max_size: maxSize } : {}) },
      block: block(file, `model.${name}`, mb),
      embeddings: embeddings(file, `model.${name}.embeddings`, mb.embeddings, categorical),
      unknown: unknownCategory(file, `model.${name}.unknown_category`, mb.unknown_category),
    });
  }
  // ml-jec: every model key but head and load_weights is a constituent type
  for (const k of Object.keys(m)) if (k !== 'head' && k !== 'load_weights' && !(k in f && k !== 'global')) fail(file, `model.${k}`, `no constituent type ${k} under features (model keys are the constituent types, head and load_weights)`);
  if (!global.numerical.length && !global.categorical.length && !types.length) fail(file, 'features', 'no features');
  const head = block(file, 'model.head', mh);
  if (m.load_weights !== undefined) {
    if (init) fail(file, 'model.load_weights', 'not with model: <path> (that bundle\'s weights are loaded already)');
    if (typeof m.load_weights !== 'string') fail(file, 'model.load_weights', `expected a path, got ${JSON.stringify(m.load_weights)}`);
    remote(file, 'model.load_weights', m.load_weights);
    init = { path: resolve(base, m.load_weights), key: 'model.load_weights' };
  }

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

  const op = obj(file, 'optimizer', root.optimizer, false);
  noUnknown(file, 'optimizer', op, ['algorithm', 'momentum', 'nesterov']);
  const algorithm = str(file, 'optimizer.algorithm', op.algorithm, 'adam').toLowerCase();
  if (algorithm !== 'adam' && algorithm !== 'sgd' && algorithm !== 'radam') fail(file, 'optimizer.algorithm', `expected adam, sgd or radam (ml-jec's choices), got ${JSON.stringify(op.algorithm)}`);
  if (algorithm !== 'sgd' && (op.momentum !== undefined || op.nesterov !== undefined)) fail(file, op.momentum !== undefined ? 'optimizer.momentum' : 'optimizer.nesterov', `only for algorithm sgd, got algorithm ${algorithm}`);
  const optimizer: OptimizerConfig = { algorithm, momentum: num(file, 'optimizer.momentum', op.momentum, 0), nesterov: bool(file, 'optimizer.nesterov', op.nesterov, false) };
  if (optimizer.momentum < 0 || optimizer.momentum >= 1) fail(file, 'optimizer.momentum', `expected a value in [0, 1), got ${optimizer.momentum}`);

  const t = obj(file, 'train', root.train);
  noUnknown(file, 'train', t, ['steps_per_epoch', 'max_epochs', 'learning_rate', 'weight_decay', 'clip_norm', 'reduce_lr_on_plateau', 'early_stopping', 'piecewise_linear_schedule', 'seed']);
  let rop: JetConfig['train']['reduce_lr_on_plateau'];
  if (t.reduce_lr_on_plateau !== undefined) {
    const r = obj(file, 'train.reduce_lr_on_plateau', t.reduce_lr_on_plateau);
    noUnknown(file, 'train.reduce_lr_on_plateau', r, ['factor', 'patience', 'min_delta', 'min_lr', 'semantics']);
    const semantics = str(file, 'train.reduce_lr_on_plateau.semantics', r.semantics, 'keras');
    if (semantics !== 'keras' && semantics !== 'torch') fail(file, 'train.reduce_lr_on_plateau.semantics', `expected keras (ml-jec's callback) or torch, got ${JSON.stringify(semantics)}`);
    rop = { factor: num(file, 'train.reduce_lr_on_plateau.factor', r.factor, 0.2), patience: num(file, 'train.reduce_lr_on_plateau.patience', r.patience, 10), min_delta: num(file, 'train.reduce_lr_on_plateau.min_delta', r.min_delta, 1e-4), min_lr: num(file, 'train.reduce_lr_on_plateau.min_lr', r.min_lr, 0), semantics };
    if (!(rop.factor > 0 && rop.factor < 1)) fail(file, 'train.reduce_lr_on_plateau.factor', `expected a value in (0, 1), got ${rop.factor}`);
    if (rop.min_lr < 0) fail(file, 'train.reduce_lr_on_plateau.min_lr', `expected >= 0, got ${rop.min_lr}`);
  }
  let es: JetConfig['train']['early_stopping'];
  if (t.early_stopping !== undefined) {
    const e = obj(file, 'train.early_stopping', t.early_stopping);
    noUnknown(file, 'train.early_stopping', e, ['patience', 'min_delta']);
    es = { patience: num(file, 'train.early_stopping.patience', e.patience, 15), min_delta: num(file, 'train.early_stopping.min_delta', e.min_delta, 0) };
  }
  let pls: JetConfig['train']['piecewise_linear_schedule'];
  let maxEpochs = num(file, 'train.max_epochs', t.max_epochs, 0);
  if (t.max_epochs !== undefined && !(Number.isInteger(maxEpochs) && maxEpochs >= 1)) fail(file, 'train.max_epochs', `expected a positive integer, got ${maxEpochs}`);
  if (t.piecewise_linear_schedule !== undefined) {
    const key = 'train.piecewise_linear_schedule';
    const pw = obj(file, key, t.piecewise_linear_schedule);
    noUnknown(file, key, pw, ['epochs', 'learning_rate']);
    // ml-jec refuses these together with the schedule (they would fight over the learning rate / length)
    for (const k of ['max_epochs', 'learning_rate', 'reduce_lr_on_plateau', 'early_stopping']) if (t[k] !== undefined) fail(file, `train.${k}`, `cannot be used together with ${key} (as in ml-jec)`);
    const ep = pw.epochs, lr = pw.learning_rate;
    if (!Array.isArray(ep) || ep.some((x) => !Number.isInteger(x) || x < 0)) fail(file, `${key}.epochs`, `expected a list of zero-based epoch indices, got ${JSON.stringify(ep)}`);
    if (!Array.isArray(lr) || lr.some((x) => typeof x !== 'number' || !(x >= 0))) fail(file, `${key}.learning_rate`, `expected a list of learning rates, got ${JSON.stringify(lr)}`);
    if (ep.length < 2) fail(file, `${key}.epochs`, 'at least two points are needed');
    if (ep.length !== lr.length) fail(file, key, `${ep.length} epochs but ${lr.length} learning rates`);
    for (let i = 0; i + 1 < ep.length; i++) if (!(ep[i] < ep[i + 1])) fail(file, `${key}.epochs`, `not increasing: ${JSON.stringify(ep)}`);
    pls = { epochs: ep as number[], learning_rate: lr as number[] };
    maxEpochs = pls.epochs[pls.epochs.length - 1] + 1;
  }
  const train: JetConfig['train'] = {
    max_epochs: maxEpochs,
    steps_per_epoch: num(file, 'train.steps_per_epoch', t.steps_per_epoch, 0),
    // default: Keras' default rate of the optimizer (ml-jec sets the rate only when the key is given)
    learning_rate: pls ? pls.learning_rate[0] : num(file, 'train.learning_rate', t.learning_rate, optimizer.algorithm === 'sgd' ? 1e-2 : 1e-3),
    weight_decay: num(file, 'train.weight_decay', t.weight_decay, 0),
    clip_norm: num(file, 'train.clip_norm', t.clip_norm, 0),
    reduce_lr_on_plateau: rop,
    early_stopping: es,
    piecewise_linear_schedule: pls,
    seed: num(file, 'train.seed', t.seed, 1),
  };
  const tr = obj(file, 'transform', root.transform, false);
  noUnknown(file, 'transform', tr, ['steps', 'categorical']);
  let steps: Record<string, TransformStepSpec[]> | undefined;
  if (tr.steps !== undefined) {
    steps = {};
    for (const [k, v] of Object.entries(obj(file, 'transform.steps', tr.steps))) steps[k] = parseTransformSteps(file, `transform.steps.${k}`, v);
  }
  const categorical: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(obj(file, 'transform.categorical', tr.categorical, false))) {
    if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x))) fail(file, `transform.categorical.${k}`, 'expected a list of integer values');
    categorical[k] = v as number[];
  }
  if (root.output !== undefined && typeof root.output !== 'string') fail(file, 'output', `expected the bundle folder, got ${JSON.stringify(root.output)}`);
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
  return { file, data, jet, global, types, head, loss, optimizer, train, init, transform: { steps, categorical }, output, apply, notes };
}

/**
 * ml-jec's categorical_branches: the branches read for the categorical features. ntcorr builds no
 * categorical features, so each feature must be one of them (as ml-jec needs in practice); extra branches
 * would only be read and dropped.
 */
function categoricalBranches(file: string, key: string, categorical: string[], v: unknown): void {
  if (v === undefined) return;
  const b = strs(file, `${key}.categorical_branches`, v);
  for (const c of categorical) if (!b.includes(c)) fail(file, `${key}.categorical_branches`, `does not list the categorical feature ${c} (a categorical feature is read from the branch of the same name)`);
  for (const x of b) if (!categorical.includes(x)) fail(file, `${key}.categorical_branches`, `${x} is not a categorical feature of ${key} (ntcorr derives no categorical features from other branches)`);
}

/**
 * `model: <path>`: ml-jec passes it to keras.models.load_model. Here it must be an ntcorr jet bundle (its
 * architecture, its weights as the start); a Keras SavedModel / .h5 is refused with what to do instead.
 * Returns the `model` section equivalent to the bundle's architecture.
 */
function modelFromBundle(file: string, path: string, features: Record<string, unknown>): Record<string, unknown> {
  remote(file, 'model', path);
  const manifest = readNtcorrBundleManifest(file, 'model', path);
  const arch = manifest.config.arch as { types: { name: string; block: BlockConfig; embeddings: number[]; unknown?: string }[]; head: BlockConfig; format?: number; globalEmbeddings?: number[] };
  const feats = manifest.config.features as { global: string[]; globalCategorical?: string[]; types: { name: string; categorical: string[] }[] };
  const fix = (b: BlockConfig) => ({ type: !arch.format && b.type === 'resnet' ? 'resnet_per_unit' : b.type, num_units: b.num_units, batch_norm: b.batch_norm ?? false, dropout: b.dropout ?? 0 });
  const m: Record<string, unknown> = {};
  const cfgTypes = Object.keys(features).filter((k) => k !== 'global');
  const bundleTypes = arch.types.map((t) => t.name);
  if (cfgTypes.join(',') !== bundleTypes.join(',')) fail(file, 'model', `bundle ${path} has constituent types [${bundleTypes.join(', ')}], features has [${cfgTypes.join(', ')}]`);
  arch.types.forEach((t, k) => {
    const cats = feats.types[k].categorical;
    m[t.name] = { ...fix(t.block), embeddings: Object.fromEntries(cats.map((c, j) => [c, t.embeddings[j]])), unknown_category: t.unknown ?? 'row' };
  });
  const gc = feats.globalCategorical ?? [];
  m.head = { ...fix(arch.head), embeddings: Object.fromEntries(gc.map((c, j) => [c, arch.globalEmbeddings![j]])) };
  return m;
}

/** model.json of an ntcorr jet-regression bundle (folder or its model.json); clear errors for Keras files. */
export function readNtcorrBundleManifest(file: string, key: string, path: string): { config: Record<string, unknown>; dir: string } {
  const dir = path.endsWith('model.json') ? dirname(path) : path;
  const keras = /\.(h5|hdf5|keras)$/i.test(path) || existsSync(join(dir, 'saved_model.pb')) || existsSync(`${path}.index`) || /variables\/variables$/.test(path);
  if (keras) fail(file, key, `${path} is a Keras/TensorFlow model or checkpoint, which ntcorr cannot read or train further; give an ntcorr jet bundle or checkpoint (state.bin) instead (a trained Keras model can be applied after exporting it to ONNX)`);
  if (!existsSync(join(dir, 'model.json'))) fail(file, key, `${path}: not an ntcorr jet bundle (no model.json)`);
  let man: { kind?: string; config?: Record<string, unknown> };
  try {
    man = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  } catch (e) {
    return fail(file, key, `${join(dir, 'model.json')} is not valid JSON (${(e as Error).message})`);
  }
  if (man.kind !== 'jet-regression' || !man.config?.arch) fail(file, key, `${path} is a ${JSON.stringify(man.kind)} bundle, expected a jet-regression bundle written by ntcorr train jet`);
  return { config: man.config, dir };
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
