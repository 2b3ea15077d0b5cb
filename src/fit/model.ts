import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { NtcorrError } from '../core/errors.js';
import { makePdf, PDF_KINDS, type Pdf, type PdfData, type PdfKind } from './pdfs/index.js';
import { cholesky, invertFromCholesky, type Mat } from './minuit/linalg.js';
import { UniformHist } from '../stats/histogram.js';

/** A fit parameter as Minuit sees it: start value, step (initial error), optional limits, fixed flag. */
export interface ParamDef {
  name: string;
  value: number;
  step: number;
  limits?: [number, number];
  fixed: boolean;
}

export interface Component {
  name: string;
  /** For toys' --vary: which yields fluctuate. */
  role: 'signal' | 'background';
  pdf: Pdf;
  /** Index into Model.params of each PDF parameter, in pdf.params order. */
  paramIndex: number[];
  /** Extended models: index of the yield parameter; fraction models: index of the fraction (-1 for the last). */
  coefIndex: number;
}

export type Constraint =
  | { kind: 'gaussian'; index: number; mean: number; sigma: number }
  | { kind: 'multigauss'; indices: number[]; mean: number[]; cov: number[][]; /** inverse covariance */ inv: Mat; chol: Mat }
  | { kind: 'poisson'; index: number; observed: number; scale: number };

export interface Model {
  observable: { name: string; lo: number; hi: number };
  params: ParamDef[];
  components: Component[];
  /** Yields per component (extended NLL) or fractions (the last component takes 1 - sum). */
  extended: boolean;
  constraints: Constraint[];
  /** Events per toy for non-extended models (extended models use the sum of yields). */
  toyEvents?: number;
  /** Where the model came from, for messages. */
  source: string;
  /**
   * Simultaneous fits: one Model per category (sharing `params`, without constraints, which live here once).
   * The top-level observable/components are then those of the first category.
   */
  categories?: Model[];
  /** The category's name (on each entry of `categories`). */
  category?: string;
}

/** The categories of a model: its `categories`, or the model itself when it is not simultaneous. */
export function modelCategories(model: Model): Model[] {
  return model.categories ?? [model];
}

export function paramIndex(model: Model, name: string): number {
  return model.params.findIndex((p) => p.name === name);
}

/** Reads and validates a model YAML file. Errors name the file and the offending key. */
export function loadModel(path: string): Model {
  return buildModel(readModelDoc(path), path);
}

/** The parsed YAML of a model file (what toy workers receive to rebuild the model). */
export function readModelDoc(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NtcorrError(`${path}: cannot read model file (${(e as Error).message})`, { file: path });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new NtcorrError(`${path}: not valid YAML (${(e as Error).message})`, { file: path });
  }
  return doc;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An unknown key is an error (a typo such as `stpe:` must not silently fall back to a default): returns the
 * message naming the key path and the keys allowed there, with the closest one when it is a likely typo.
 */
export function unknownKeys(o: Obj, path: string, allowed: readonly string[]): string | null {
  for (const k of Object.keys(o)) {
    if (allowed.includes(k)) continue;
    const near = allowed.filter((a) => editDistance(a.toLowerCase(), k.toLowerCase()) <= Math.max(1, Math.floor(a.length / 4)));
    return `${path ? `${path}.` : ''}${k}: unknown key${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; allowed here: ${allowed.join(', ')}`;
  }
  return null;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (for "did you mean"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const KDE_KEYS = ['samples', 'weights', 'bandwidth', 'adaptive', 'method', 'grid'];
const TEMPLATE_KEYS = ['histogram', 'samples', 'weights', 'bins'];

/** Numbers from a YAML list (or the inline `values` of samples resolved from a file). */
function numbers(v: unknown, what: string, fail: (m: string) => never): Float64Array {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) fail(`${what} must be a list of finite numbers`);
  return Float64Array.from(v as number[]);
}

/**
 * The data of a kde/template component: samples inline (`samples: [..]`, or `{values, weights}` as
 * resolveModelFiles writes them from `{file, column, where, weight, tree}`), or a histogram {edges, counts}.
 */
function nonParametric(kind: PdfKind, cc: Obj, cp: string, lo: number, hi: number, fail: (m: string) => never): PdfData {
  if (kind !== 'kde' && kind !== 'template') return {};
  const smear = cc.smear !== undefined;
  let samples: Float64Array | undefined;
  let weights: Float64Array | undefined;
  if (cc.samples !== undefined) {
    if (isObj(cc.samples)) {
      if ('file' in cc.samples) fail(`${cp}.samples: {file: ...} must be resolved first (the CLI reads the file; in code call resolveModelFiles)`);
      const m = unknownKeys(cc.samples, `${cp}.samples`, ['values', 'weights']);
      if (m) fail(m);
      samples = numbers(cc.samples.values, `${cp}.samples.values`, fail);
      if (cc.samples.weights !== undefined) weights = numbers(cc.samples.weights, `${cp}.samples.weights`, fail);
    } else samples = numbers(cc.samples, `${cp}.samples`, fail);
    if (cc.weights !== undefined) weights = numbers(cc.weights, `${cp}.weights`, fail);
    if (weights && weights.length !== samples.length) fail(`${cp}: ${samples.length} samples but ${weights.length} weights`);
  }
  if (kind === 'kde') {
    if (!samples) return fail(`${cp} (kde) needs samples: a list, or {file, column[, where, weight, tree]}`);
    const bw = cc.bandwidth ?? 'scott';
    if (!(bw === 'scott' || bw === 'silverman' || (typeof bw === 'number' && bw > 0))) fail(`${cp}.bandwidth must be scott, silverman or a width > 0 (got ${JSON.stringify(bw)})`);
    const method = cc.method ?? 'exact';
    if (method !== 'exact' && method !== 'fft') fail(`${cp}.method must be exact or fft (got ${JSON.stringify(method)})`);
    if (cc.adaptive !== undefined && typeof cc.adaptive !== 'boolean') fail(`${cp}.adaptive must be true or false`);
    const grid = cc.grid === undefined ? undefined : (cc.grid as number);
    if (grid !== undefined && !(Number.isInteger(grid) && grid >= 64 && (grid & (grid - 1)) === 0)) fail(`${cp}.grid must be a power of two >= 64`);
    return { kde: { samples, weights, bandwidth: bw as number, adaptive: cc.adaptive === true, method: method as 'exact', grid, smear } };
  }
  if (cc.histogram !== undefined) {
    if (samples) fail(`${cp}: give histogram or samples, not both`);
    if (!isObj(cc.histogram)) return fail(`${cp}.histogram must be {edges: [...], counts: [...]}`);
    const m = unknownKeys(cc.histogram, `${cp}.histogram`, ['edges', 'counts']);
    if (m) fail(m);
    return { template: { edges: numbers(cc.histogram.edges, `${cp}.histogram.edges`, fail), counts: numbers(cc.histogram.counts, `${cp}.histogram.counts`, fail), smear } };
  }
  if (!samples) return fail(`${cp} (template) needs histogram: {edges, counts} or samples (with bins)`);
  const bins = cc.bins ?? 50;
  if (!(typeof bins === 'number' && Number.isInteger(bins) && bins > 0)) fail(`${cp}.bins must be a positive integer`);
  const nb = bins as number;
  const h = new UniformHist(lo, hi, nb, 'closed');
  samples.forEach((x, i) => h.fill(x, weights ? weights[i] : 1));
  return { template: { edges: h.edges(), counts: h.sumw, smear } };
}

/**
 * What every parse step shares: the source named in messages, and the model's parameter list, which grows
 * while components and constraints are read (a number written in place of a parameter name becomes a fixed
 * parameter, see paramRef). Every category's Model holds this same array.
 */
interface ParseCtx {
  source: string;
  params: ParamDef[];
}

/** Throws the model error: every message starts with the source so the user knows which file to fix. */
function fail(ctx: ParseCtx, msg: string): never {
  throw new NtcorrError(`${ctx.source}: ${msg}`, { file: ctx.source });
}

function finite(ctx: ParseCtx, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(ctx, `${what} must be a finite number (got ${JSON.stringify(v)})`);
  return v as number;
}

function onlyKeys(ctx: ParseCtx, o: Obj, path: string, allowed: readonly string[]): void {
  const m = unknownKeys(o, path, allowed);
  if (m) fail(ctx, m);
}

/** Builds a Model from parsed YAML (see examples/fit/*.yaml for the format). */
export function buildModel(doc: unknown, source = '<model>'): Model {
  const ctx: ParseCtx = { source, params: [] };
  if (!isObj(doc)) return fail(ctx, 'expected a mapping with observable, parameters, components (or categories)');
  const simultaneous = doc.categories !== undefined;
  onlyKeys(ctx, doc, '', simultaneous ? ['parameters', 'categories', 'constraints'] : ['observable', 'parameters', 'components', 'constraints', 'toys']);
  if (!isObj(doc.parameters)) return fail(ctx, 'missing "parameters:" mapping (name: {value, step, limits, fixed})');
  for (const [name, spec] of Object.entries(doc.parameters)) ctx.params.push(parseParameter(ctx, name, spec));
  // Categories before constraints: constants they add to the parameter list come in this order.
  const cats = simultaneous ? parseCategories(ctx, doc.categories) : [parseCategory(ctx, doc, '')];
  const constraints = parseConstraints(ctx, doc.constraints ?? []);
  // The model is its first category plus the constraints; a simultaneous one lists every category.
  const model: Model = { ...cats[0], constraints };
  delete model.category;
  if (simultaneous) model.categories = cats;
  return model;
}

/** `name: value` or `name: {value, step, limits, fixed}`; the default step is 10% of the value (0.1 at 0). */
function parseParameter(ctx: ParseCtx, name: string, spec: unknown): ParamDef {
  const s: Obj = typeof spec === 'number' ? { value: spec } : isObj(spec) ? spec : fail(ctx, `parameters.${name} must be a number or {value, step, limits, fixed}`);
  onlyKeys(ctx, s, `parameters.${name}`, ['value', 'step', 'limits', 'fixed']);
  const value = finite(ctx, s.value, `parameters.${name}.value`);
  if (s.fixed !== undefined && typeof s.fixed !== 'boolean') fail(ctx, `parameters.${name}.fixed must be true or false`);
  const step = s.step === undefined ? (value !== 0 ? 0.1 * Math.abs(value) : 0.1) : finite(ctx, s.step, `parameters.${name}.step`);
  if (!(step > 0)) fail(ctx, `parameters.${name}.step must be > 0`);
  const p: ParamDef = { name, value, step, fixed: s.fixed === true };
  if (s.limits !== undefined && s.limits !== null) p.limits = parseLimits(ctx, name, s.limits, value);
  return p;
}

/** `[lo, hi]` with null for an open side; the start value must lie inside. */
function parseLimits(ctx: ParseCtx, name: string, limits: unknown, value: number): [number, number] {
  if (!Array.isArray(limits) || limits.length !== 2) fail(ctx, `parameters.${name}.limits must be [lo, hi]`);
  const l = limits as unknown[];
  const llo = l[0] === null ? -Infinity : finite(ctx, l[0], `parameters.${name}.limits[0]`);
  const lhi = l[1] === null ? Infinity : finite(ctx, l[1], `parameters.${name}.limits[1]`);
  if (!(lhi > llo)) fail(ctx, `parameters.${name}.limits must have lo < hi`);
  if (value < llo || value > lhi) fail(ctx, `parameters.${name}.value ${value} is outside its limits [${llo}, ${lhi}]`);
  return [llo, lhi];
}

/** The index in ctx.params of a parameter named at `where`; a number there is appended as a fixed constant named `where`. */
function paramRef(ctx: ParseCtx, ref: unknown, where: string): number {
  const params = ctx.params;
  if (typeof ref === 'number') {
    params.push({ name: where, value: ref, step: 0.1, fixed: true });
    return params.length - 1;
  }
  if (typeof ref !== 'string') return fail(ctx, `${where} must name a parameter or be a number`);
  const i = params.findIndex((p) => p.name === ref);
  if (i < 0) fail(ctx, `${where} refers to unknown parameter "${ref}" (known: ${params.map((p) => p.name).join(', ')})`);
  return i;
}

/** `categories: {name: {observable, components, toys}}` of a simultaneous model, in file order. */
function parseCategories(ctx: ParseCtx, categories: unknown): Model[] {
  if (!isObj(categories) || Object.keys(categories).length === 0) return fail(ctx, 'categories must be a mapping name: {observable, components, toys}');
  return Object.entries(categories).map(([cname, cd]) => {
    if (!isObj(cd)) return fail(ctx, `categories.${cname} must be a mapping {observable, components, toys}`);
    onlyKeys(ctx, cd, `categories.${cname}`, ['observable', 'components', 'toys']);
    return parseCategory(ctx, cd, `categories.${cname}`, cname);
  });
}

/**
 * One category (the whole model when not simultaneous): observable, components, toys. `path` prefixes its key
 * paths in messages ('' at the top level). Its constraints stay empty: they live once on the top-level model.
 */
function parseCategory(ctx: ParseCtx, cd: Obj, path: string, category?: string): Model {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const observable = parseObservable(ctx, cd.observable, at);
  const comps = cd.components;
  if (!Array.isArray(comps) || comps.length === 0) return fail(ctx, `missing "${at('components')}:" list`);
  const components: Component[] = [];
  let withYield = 0;
  let withFraction = 0;
  comps.forEach((c: unknown, ci: number) => {
    const { component, coef } = parseComponent(ctx, c, ci, components, observable, at, category);
    if (coef === 'yield') withYield++;
    else if (coef === 'fraction') withFraction++;
    components.push(component);
  });
  const where = path ? `${path}: ` : '';
  const extended = withYield > 0;
  if (extended && withYield !== components.length) fail(ctx, `${where}either every component has a "yield:" (extended fit) or none`);
  if (withFraction > 0 && withFraction !== components.length - 1) fail(ctx, `${where}with fractions, every component but the last has a "fraction:"`);
  if (!extended && withFraction === 0 && components.length > 1) fail(ctx, `${where}several components need "yield:" (extended) or "fraction:" on all but the last`);
  const m: Model = { observable, params: ctx.params, components, extended, constraints: [], source: ctx.source };
  if (category !== undefined) m.category = category;
  const toyEvents = parseToys(ctx, cd.toys, at);
  if (toyEvents !== undefined) m.toyEvents = toyEvents;
  // Non-extended models have no yields to draw the toy size from.
  if (!extended && m.toyEvents === undefined) m.toyEvents = 1000;
  const bad = checkStart(m);
  if (bad) fail(ctx, path ? `${path}.${bad}` : bad);
  return m;
}

/** `observable: {name, range: [lo, hi]}`; the name defaults to x. */
function parseObservable(ctx: ParseCtx, obs: unknown, at: (k: string) => string): Model['observable'] {
  if (!isObj(obs)) return fail(ctx, `missing "${at('observable')}: {name: m, range: [lo, hi]}"`);
  onlyKeys(ctx, obs, at('observable'), ['name', 'range']);
  const range = obs.range;
  if (!Array.isArray(range) || range.length !== 2) return fail(ctx, `${at('observable.range')} must be [lo, hi]`);
  const lo = finite(ctx, range[0], at('observable.range[0]'));
  const hi = finite(ctx, range[1], at('observable.range[1]'));
  if (!(hi > lo)) fail(ctx, `${at('observable.range')} must have lo < hi (got [${lo}, ${hi}])`);
  return { name: typeof obs.name === 'string' ? obs.name : 'x', lo, hi };
}

/**
 * The ci-th entry of `components:` (`before`: the ones already read, for the duplicate-name check), and
 * whether it carries a yield or a fraction (parseCategory checks that they are used consistently).
 */
function parseComponent(
  ctx: ParseCtx, c: unknown, ci: number, before: readonly Component[], observable: Model['observable'], at: (k: string) => string, category?: string,
): { component: Component; coef: 'yield' | 'fraction' | null } {
  if (!isObj(c)) fail(ctx, `${at('components')}[${ci}] must be a mapping`);
  const cc = c as Obj;
  const name = typeof cc.name === 'string' ? cc.name : `c${ci}`;
  const cp = at(`components.${name}`);
  if (before.some((x) => x.name === name)) fail(ctx, `${cp}: two components with the same name`);
  const { kind, pdf, order, coefRefs } = parseComponentPdf(ctx, cc, cp, observable);
  if (cc.role !== undefined && cc.role !== 'signal' && cc.role !== 'background') fail(ctx, `${cp}.role must be signal or background (got ${JSON.stringify(cc.role)})`);
  // Constants given as numbers become fixed parameters named after where they appear.
  const constName = (pn: string) => (category ? `${category}.${name}.${pn}` : `${name}.${pn}`);
  const paramIdx = pdf.params.map((pn, j) => {
    const ref = order > 0 ? coefRefs[j] : cc[pn];
    if (ref === undefined) fail(ctx, `${cp} (${kind}) needs "${pn}:" (a parameter name or a number)`);
    return paramRef(ctx, ref, constName(pn));
  });
  let coefIndex = -1;
  let coef: 'yield' | 'fraction' | null = null;
  if (cc.yield !== undefined) {
    coefIndex = paramRef(ctx, cc.yield, constName('yield'));
    coef = 'yield';
  } else if (cc.fraction !== undefined) {
    coefIndex = paramRef(ctx, cc.fraction, constName('fraction'));
    coef = 'fraction';
  }
  // Without a role the first component is the signal (what toys' --vary fluctuates).
  const role = cc.role === 'signal' || cc.role === 'background' ? cc.role : ci === 0 ? 'signal' : 'background';
  return { component: { name, role, pdf, paramIndex: paramIdx, coefIndex }, coef };
}

/**
 * A component's PDF from `pdf:` (and `coefficients:` or the kde/template data). Its allowed keys depend on the
 * PDF's parameter names, so they are checked here, once the PDF exists.
 */
function parseComponentPdf(ctx: ParseCtx, cc: Obj, cp: string, observable: Model['observable']): { kind: PdfKind; pdf: Pdf; order: number; coefRefs: unknown[] } {
  const { lo, hi } = observable;
  const kind = cc.pdf as PdfKind;
  if (!PDF_KINDS.includes(kind)) fail(ctx, `${cp}.pdf must be one of ${PDF_KINDS.join(', ')} (got ${JSON.stringify(cc.pdf)})`);
  // Polynomial shapes take their parameters as a list whose length is the order; the others by name.
  const isPoly = kind === 'chebyshev' || kind === 'polynomial';
  let order = 0;
  let coefRefs: unknown[] = [];
  if (isPoly) {
    if (!Array.isArray(cc.coefficients)) fail(ctx, `${cp}.coefficients must be a list of parameter names or numbers`);
    coefRefs = cc.coefficients as unknown[];
    order = coefRefs.length;
  }
  const npKeys = kind === 'kde' ? KDE_KEYS : kind === 'template' ? TEMPLATE_KEYS : [];
  let pdf: Pdf;
  try {
    pdf = makePdf(kind, lo, hi, order, nonParametric(kind, cc, cp, lo, hi, (m) => fail(ctx, m)));
  } catch (e) {
    // Our own errors already name the key; a PDF constructor's error gets the component's path.
    if (e instanceof NtcorrError) throw e;
    return fail(ctx, `${cp}: ${(e as Error).message}`);
  }
  onlyKeys(ctx, cc, cp, ['name', 'role', 'pdf', 'yield', 'fraction', ...npKeys, ...(isPoly ? ['coefficients'] : pdf.params)]);
  return { kind, pdf, order, coefRefs };
}

/** `toys: {events: N}`: the events per toy (undefined when not given). */
function parseToys(ctx: ParseCtx, toys: unknown, at: (k: string) => string): number | undefined {
  if (toys === undefined) return undefined;
  if (!isObj(toys)) fail(ctx, `${at('toys')} must be a mapping {events: N}`);
  onlyKeys(ctx, toys as Obj, at('toys'), ['events']);
  const events = (toys as Obj).events;
  return events === undefined ? undefined : finite(ctx, events, at('toys.events'));
}

/** `constraints:` in either form: a list of {type, ...} entries, or rx's named sections. */
function parseConstraints(ctx: ParseCtx, cons: unknown): Constraint[] {
  if (isObj(cons)) return Object.entries(cons).flatMap(([sec, spec]) => parseRxConstraint(ctx, `constraints.${sec}`, spec));
  if (!Array.isArray(cons)) fail(ctx, 'constraints must be a list, or named sections as rx writes them');
  return (cons as unknown[]).map((c, k) => parseListConstraint(ctx, c, k));
}

/**
 * rx's form: named sections {kind: GaussianConstraint, parameters, observation, cov | uncertainty} and
 * {kind: PoissonConstraint, parameters, observation} (one Poisson term per parameter).
 */
function parseRxConstraint(ctx: ParseCtx, at: string, spec: unknown): Constraint[] {
  if (!isObj(spec)) fail(ctx, `${at} must be a mapping {kind, parameters, observation, ...}`);
  const cs = spec as Obj;
  const kind = cs.kind;
  if (kind !== 'GaussianConstraint' && kind !== 'PoissonConstraint') fail(ctx, `${at}.kind must be GaussianConstraint or PoissonConstraint (got ${JSON.stringify(kind)})`);
  onlyKeys(ctx, cs, at, kind === 'GaussianConstraint' ? ['kind', 'parameters', 'observation', 'cov', 'uncertainty'] : ['kind', 'parameters', 'observation']);
  // A single parameter (and its observation) may be written as a scalar.
  const names = typeof cs.parameters === 'string' ? [cs.parameters] : cs.parameters;
  if (!Array.isArray(names) || names.length === 0) fail(ctx, `${at}.parameters must be a list of parameter names`);
  const indices = (names as unknown[]).map((pn) => {
    if (typeof pn !== 'string') fail(ctx, `${at}.parameters must name parameters`);
    return paramRef(ctx, pn, `${at}.parameters`);
  });
  const n = indices.length;
  const obsRaw = typeof cs.observation === 'number' ? [cs.observation] : cs.observation;
  if (!Array.isArray(obsRaw) || obsRaw.length !== n) fail(ctx, `${at}.observation must be a list of ${n} number${n > 1 ? 's' : ''} (one per parameter)`);
  const observation = (obsRaw as unknown[]).map((v) => finite(ctx, v, `${at}.observation`));
  if (kind === 'PoissonConstraint') {
    return observation.map((o, j): Constraint => {
      if (!(o >= 0)) fail(ctx, `${at}.observation must be >= 0 (got ${o})`);
      return { kind: 'poisson', index: indices[j], observed: o, scale: 1 };
    });
  }
  const cov = parseRxCovariance(ctx, at, cs, n);
  if (n === 1) {
    if (!(cov[0][0] > 0)) fail(ctx, `${at}.cov must be > 0`);
    return [{ kind: 'gaussian', index: indices[0], mean: observation[0], sigma: Math.sqrt(cov[0][0]) }];
  }
  if (cov.some((r, i) => r.some((v, j) => Math.abs(v - cov[j][i]) > 1e-12 * Math.max(Math.abs(v), 1)))) fail(ctx, `${at}.cov must be symmetric`);
  const chol = cholesky(cov);
  if (!chol) return fail(ctx, `${at}.cov is not positive definite`);
  return [{ kind: 'multigauss', indices, mean: observation, cov, chol, inv: invertFromCholesky(chol) }];
}

/** A GaussianConstraint's n x n covariance: `cov` (a scalar when n = 1), or `uncertainty` (standard deviations, uncorrelated). */
function parseRxCovariance(ctx: ParseCtx, at: string, cs: Obj, n: number): number[][] {
  if (cs.cov !== undefined && cs.uncertainty !== undefined) fail(ctx, `${at}: give cov or uncertainty, not both`);
  if (cs.cov !== undefined) {
    const c = typeof cs.cov === 'number' ? [[cs.cov]] : cs.cov;
    if (!Array.isArray(c) || c.length !== n || c.some((r) => !Array.isArray(r) || r.length !== n)) fail(ctx, `${at}.cov must be a ${n}x${n} matrix`);
    return (c as unknown[][]).map((r) => r.map((v) => finite(ctx, v, `${at}.cov`)));
  }
  if (cs.uncertainty !== undefined) {
    const u = typeof cs.uncertainty === 'number' ? [cs.uncertainty] : cs.uncertainty;
    if (!Array.isArray(u) || u.length !== n) fail(ctx, `${at}.uncertainty must be a list of ${n} numbers`);
    const sd = (u as unknown[]).map((v) => finite(ctx, v, `${at}.uncertainty`));
    return sd.map((a, i) => sd.map((_, j) => (i === j ? a * a : 0)));
  }
  return fail(ctx, `${at} (GaussianConstraint) needs cov (or uncertainty)`);
}

const LIST_CONSTRAINT_KEYS: Record<string, string[]> = { gaussian: ['parameter', 'mean', 'sigma'], multigauss: ['parameters', 'mean', 'covariance'], poisson: ['parameter', 'observed', 'scale'] };

/** The k-th entry of the list form: {type: gaussian | multigauss | poisson, ...}. */
function parseListConstraint(ctx: ParseCtx, c: unknown, k: number): Constraint {
  const at = `constraints[${k}]`;
  if (!isObj(c)) fail(ctx, `${at} must be a mapping`);
  const cc = c as Obj;
  const type = cc.type;
  // Own keys only: `type: constructor` must reach the type error below, not Object.prototype.
  if (typeof type === 'string' && Object.hasOwn(LIST_CONSTRAINT_KEYS, type)) onlyKeys(ctx, cc, at, ['type', ...LIST_CONSTRAINT_KEYS[type]]);
  if (type === 'gaussian') {
    const sigma = finite(ctx, cc.sigma, `${at}.sigma`);
    if (!(sigma > 0)) fail(ctx, `${at}.sigma must be > 0`);
    return { kind: 'gaussian', index: paramRef(ctx, cc.parameter, `${at}.parameter`), mean: finite(ctx, cc.mean, `${at}.mean`), sigma };
  }
  if (type === 'multigauss') {
    if (!Array.isArray(cc.parameters) || !Array.isArray(cc.mean) || !Array.isArray(cc.covariance)) fail(ctx, `${at} (multigauss) needs parameters, mean, covariance`);
    const indices = (cc.parameters as unknown[]).map((p) => paramRef(ctx, p, `${at}.parameters`));
    const mean = (cc.mean as unknown[]).map((v) => finite(ctx, v, `${at}.mean`));
    const cov = (cc.covariance as unknown[]).map((row) => (Array.isArray(row) ? row.map((v) => finite(ctx, v, `${at}.covariance`)) : fail(ctx, `${at}.covariance must be a matrix`)));
    const n = indices.length;
    if (mean.length !== n || cov.length !== n || cov.some((r) => r.length !== n)) fail(ctx, `${at}: mean and covariance must match ${n} parameters`);
    const chol = cholesky(cov);
    if (!chol) return fail(ctx, `${at}.covariance is not positive definite`);
    return { kind: 'multigauss', indices, mean, cov, chol, inv: invertFromCholesky(chol) };
  }
  if (type === 'poisson') {
    const observed = finite(ctx, cc.observed, `${at}.observed`);
    const scale = cc.scale === undefined ? 1 : finite(ctx, cc.scale, `${at}.scale`);
    return { kind: 'poisson', index: paramRef(ctx, cc.parameter, `${at}.parameter`), observed, scale };
  }
  return fail(ctx, `${at}.type must be gaussian, multigauss or poisson (got ${JSON.stringify(type)})`);
}

/**
 * Degenerate set-ups caught before any fit: a PDF parameter outside its domain at the start values (e.g.
 * sigma <= 0, where the NLL is infinite and MIGRAD would return its seed), or a component whose density is
 * zero or not finite everywhere on the observable range (a peak far outside it: all results would be NaN).
 */
export function checkStart(model: Model, values: ArrayLike<number> = model.params.map((p) => p.value)): string | null {
  const { lo, hi } = model.observable;
  const grid = Float64Array.from({ length: 257 }, (_, i) => lo + ((hi - lo) * i) / 256);
  const out = new Float64Array(grid.length);
  for (const c of model.components) {
    const p = c.paramIndex.map((i) => values[i]);
    const desc = () =>
      c.pdf.params.map((n, j) => {
        const pn = model.params[c.paramIndex[j]].name;
        return pn === `${c.name}.${n}` || pn === n ? `${n} = ${p[j]}` : `${n} = ${pn} = ${p[j]}`;
      }).join(', ');
    const msg = c.pdf.check(p);
    if (msg) return `components.${c.name} (${c.pdf.kind}): ${msg} at the start values (${desc()})`;
    // Densities on a grid (non-finite: the normalisation underflowed) and integrals over the cells between
    // its points (a narrow peak between grid points still has its integral; negative: a polynomial below 0).
    c.pdf.density(grid, p, out);
    let finite = out.every((v) => Number.isFinite(v));
    let total = 0;
    let negativeAt = NaN;
    for (let i = 0; i + 1 < grid.length && finite; i++) {
      const w = c.pdf.integral(grid[i], grid[i + 1], p);
      if (!Number.isFinite(w)) finite = false;
      else if (w < -1e-12 && Number.isNaN(negativeAt)) negativeAt = out[i] < 0 ? grid[i] : grid[i + 1];
      total += w;
    }
    if (finite && !Number.isNaN(negativeAt)) return `components.${c.name} (${c.pdf.kind}): the density is negative near ${model.observable.name} = ${negativeAt} at the start values (${desc()})`;
    if (!finite || !(total > 0)) return `components.${c.name} (${c.pdf.kind}): no support in the observable range [${lo}, ${hi}] at the start values (${desc()}): its ${finite ? 'integral there is zero' : 'normalisation there underflows'}; move the start values or the range`;
  }
  return null;
}
