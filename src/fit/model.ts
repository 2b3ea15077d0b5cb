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

/** Builds a Model from parsed YAML (see examples/fit/*.yaml for the format). */
export function buildModel(doc: unknown, source = '<model>'): Model {
  const fail = (msg: string): never => {
    throw new NtcorrError(`${source}: ${msg}`, { file: source });
  };
  const num = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what} must be a finite number (got ${JSON.stringify(v)})`);
    return v as number;
  };
  const keys = (o: Obj, path: string, allowed: readonly string[]): void => {
    const m = unknownKeys(o, path, allowed);
    if (m) fail(m);
  };
  if (!isObj(doc)) return fail('expected a mapping with observable, parameters, components (or categories)');
  const simultaneous = doc.categories !== undefined;
  keys(doc, '', simultaneous ? ['parameters', 'categories', 'constraints'] : ['observable', 'parameters', 'components', 'constraints', 'toys']);

  const params: ParamDef[] = [];
  if (!isObj(doc.parameters)) return fail('missing "parameters:" mapping (name: {value, step, limits, fixed})');
  for (const [name, spec] of Object.entries(doc.parameters)) {
    const s: Obj = typeof spec === 'number' ? { value: spec } : isObj(spec) ? spec : fail(`parameters.${name} must be a number or {value, step, limits, fixed}`);
    keys(s, `parameters.${name}`, ['value', 'step', 'limits', 'fixed']);
    const value = num(s.value, `parameters.${name}.value`);
    if (s.fixed !== undefined && typeof s.fixed !== 'boolean') fail(`parameters.${name}.fixed must be true or false`);
    const step = s.step === undefined ? (value !== 0 ? 0.1 * Math.abs(value) : 0.1) : num(s.step, `parameters.${name}.step`);
    if (!(step > 0)) fail(`parameters.${name}.step must be > 0`);
    const p: ParamDef = { name, value, step, fixed: s.fixed === true };
    if (s.limits !== undefined && s.limits !== null) {
      if (!Array.isArray(s.limits) || s.limits.length !== 2) fail(`parameters.${name}.limits must be [lo, hi]`);
      const l = s.limits as unknown[];
      const llo = l[0] === null ? -Infinity : num(l[0], `parameters.${name}.limits[0]`);
      const lhi = l[1] === null ? Infinity : num(l[1], `parameters.${name}.limits[1]`);
      if (!(lhi > llo)) fail(`parameters.${name}.limits must have lo < hi`);
      if (value < llo || value > lhi) fail(`parameters.${name}.value ${value} is outside its limits [${llo}, ${lhi}]`);
      p.limits = [llo, lhi];
    }
    params.push(p);
  }
  const index = (ref: unknown, where: string): number => {
    if (typeof ref === 'number') {
      // A number in place of a parameter name: a fixed constant.
      params.push({ name: where, value: ref, step: 0.1, fixed: true });
      return params.length - 1;
    }
    if (typeof ref !== 'string') return fail(`${where} must name a parameter or be a number`);
    const i = params.findIndex((p) => p.name === ref);
    if (i < 0) fail(`${where} refers to unknown parameter "${ref}" (known: ${params.map((p) => p.name).join(', ')})`);
    return i;
  };

  /** One category (the whole model when not simultaneous): observable, components, toys. */
  const parseCategory = (cd: Obj, path: string, category?: string): Model => {
    const at = (k: string) => (path ? `${path}.${k}` : k);
    const obs = cd.observable;
    if (!isObj(obs)) return fail(`missing "${at('observable')}: {name: m, range: [lo, hi]}"`);
    keys(obs, at('observable'), ['name', 'range']);
    const range = obs.range;
    if (!Array.isArray(range) || range.length !== 2) return fail(`${at('observable.range')} must be [lo, hi]`);
    const lo = num(range[0], at('observable.range[0]'));
    const hi = num(range[1], at('observable.range[1]'));
    if (!(hi > lo)) fail(`${at('observable.range')} must have lo < hi (got [${lo}, ${hi}])`);
    const observable = { name: typeof obs.name === 'string' ? obs.name : 'x', lo, hi };
    const comps = cd.components;
    if (!Array.isArray(comps) || comps.length === 0) return fail(`missing "${at('components')}:" list`);
    const components: Component[] = [];
    let withYield = 0;
    let withFraction = 0;
    comps.forEach((c: unknown, ci: number) => {
      if (!isObj(c)) fail(`${at('components')}[${ci}] must be a mapping`);
      const cc = c as Obj;
      const name = typeof cc.name === 'string' ? cc.name : `c${ci}`;
      const cp = at(`components.${name}`);
      if (components.some((x) => x.name === name)) fail(`${cp}: two components with the same name`);
      const kind = cc.pdf as PdfKind;
      if (!PDF_KINDS.includes(kind)) fail(`${cp}.pdf must be one of ${PDF_KINDS.join(', ')} (got ${JSON.stringify(cc.pdf)})`);
      let order = 0;
      let coefRefs: unknown[] = [];
      if (kind === 'chebyshev' || kind === 'polynomial') {
        if (!Array.isArray(cc.coefficients)) fail(`${cp}.coefficients must be a list of parameter names or numbers`);
        coefRefs = cc.coefficients as unknown[];
        order = coefRefs.length;
      }
      const npKeys = kind === 'kde' ? KDE_KEYS : kind === 'template' ? TEMPLATE_KEYS : [];
      let pdf: Pdf;
      try {
        pdf = makePdf(kind, lo, hi, order, nonParametric(kind, cc, cp, lo, hi, fail));
      } catch (e) {
        if (e instanceof NtcorrError) throw e;
        return fail(`${cp}: ${(e as Error).message}`);
      }
      keys(cc, cp, ['name', 'role', 'pdf', 'yield', 'fraction', ...npKeys, ...(kind === 'chebyshev' || kind === 'polynomial' ? ['coefficients'] : pdf.params)]);
      if (cc.role !== undefined && cc.role !== 'signal' && cc.role !== 'background') fail(`${cp}.role must be signal or background (got ${JSON.stringify(cc.role)})`);
      // Constants given as numbers become fixed parameters named after where they appear.
      const constName = (pn: string) => (category ? `${category}.${name}.${pn}` : `${name}.${pn}`);
      const paramIdx = pdf.params.map((pn, j) => {
        const ref = order > 0 ? coefRefs[j] : cc[pn];
        if (ref === undefined) fail(`${cp} (${kind}) needs "${pn}:" (a parameter name or a number)`);
        return index(ref, constName(pn));
      });
      let coefIndex = -1;
      if (cc.yield !== undefined) {
        coefIndex = index(cc.yield, constName('yield'));
        withYield++;
      } else if (cc.fraction !== undefined) {
        coefIndex = index(cc.fraction, constName('fraction'));
        withFraction++;
      }
      const role = cc.role === 'signal' || cc.role === 'background' ? cc.role : ci === 0 ? 'signal' : 'background';
      components.push({ name, role, pdf, paramIndex: paramIdx, coefIndex });
    });
    const where = path ? `${path}: ` : '';
    const extended = withYield > 0;
    if (extended && withYield !== components.length) fail(`${where}either every component has a "yield:" (extended fit) or none`);
    if (withFraction > 0 && withFraction !== components.length - 1) fail(`${where}with fractions, every component but the last has a "fraction:"`);
    if (!extended && withFraction === 0 && components.length > 1) fail(`${where}several components need "yield:" (extended) or "fraction:" on all but the last`);
    const m: Model = { observable, params, components, extended, constraints: [], source };
    if (category !== undefined) m.category = category;
    if (cd.toys !== undefined) {
      if (!isObj(cd.toys)) fail(`${at('toys')} must be a mapping {events: N}`);
      keys(cd.toys as Obj, at('toys'), ['events']);
      if ((cd.toys as Obj).events !== undefined) m.toyEvents = num((cd.toys as Obj).events, at('toys.events'));
    }
    if (!extended && m.toyEvents === undefined) m.toyEvents = 1000;
    const bad = checkStart(m);
    if (bad) fail(path ? `${path}.${bad}` : bad);
    return m;
  };

  let cats: Model[];
  if (simultaneous) {
    if (!isObj(doc.categories) || Object.keys(doc.categories).length === 0) return fail('categories must be a mapping name: {observable, components, toys}');
    cats = Object.entries(doc.categories).map(([cname, cd]) => {
      if (!isObj(cd)) return fail(`categories.${cname} must be a mapping {observable, components, toys}`);
      keys(cd, `categories.${cname}`, ['observable', 'components', 'toys']);
      return parseCategory(cd, `categories.${cname}`, cname);
    });
  } else cats = [parseCategory(doc, '')];

  const constraints: Constraint[] = [];
  const cons = doc.constraints ?? [];
  if (isObj(cons)) {
    // rx's form: named sections {kind: GaussianConstraint, parameters, observation, cov | uncertainty} and
    // {kind: PoissonConstraint, parameters, observation} (one Poisson term per parameter).
    for (const [sec, spec] of Object.entries(cons)) {
      const at = `constraints.${sec}`;
      if (!isObj(spec)) fail(`${at} must be a mapping {kind, parameters, observation, ...}`);
      const cs = spec as Obj;
      const kind = cs.kind;
      if (kind !== 'GaussianConstraint' && kind !== 'PoissonConstraint') fail(`${at}.kind must be GaussianConstraint or PoissonConstraint (got ${JSON.stringify(kind)})`);
      keys(cs, at, kind === 'GaussianConstraint' ? ['kind', 'parameters', 'observation', 'cov', 'uncertainty'] : ['kind', 'parameters', 'observation']);
      const names = typeof cs.parameters === 'string' ? [cs.parameters] : cs.parameters;
      if (!Array.isArray(names) || names.length === 0) fail(`${at}.parameters must be a list of parameter names`);
      const indices = (names as unknown[]).map((pn) => {
        if (typeof pn !== 'string') fail(`${at}.parameters must name parameters`);
        return index(pn, `${at}.parameters`);
      });
      const n = indices.length;
      const obsRaw = typeof cs.observation === 'number' ? [cs.observation] : cs.observation;
      if (!Array.isArray(obsRaw) || obsRaw.length !== n) fail(`${at}.observation must be a list of ${n} number${n > 1 ? 's' : ''} (one per parameter)`);
      const observation = (obsRaw as unknown[]).map((v) => num(v, `${at}.observation`));
      if (kind === 'PoissonConstraint') {
        observation.forEach((o, j) => {
          if (!(o >= 0)) fail(`${at}.observation must be >= 0 (got ${o})`);
          constraints.push({ kind: 'poisson', index: indices[j], observed: o, scale: 1 });
        });
        continue;
      }
      let cov: number[][];
      if (cs.cov !== undefined && cs.uncertainty !== undefined) fail(`${at}: give cov or uncertainty, not both`);
      if (cs.cov !== undefined) {
        const c = typeof cs.cov === 'number' ? [[cs.cov]] : cs.cov;
        if (!Array.isArray(c) || c.length !== n || c.some((r) => !Array.isArray(r) || r.length !== n)) fail(`${at}.cov must be a ${n}x${n} matrix`);
        cov = (c as unknown[][]).map((r) => r.map((v) => num(v, `${at}.cov`)));
      } else if (cs.uncertainty !== undefined) {
        const u = typeof cs.uncertainty === 'number' ? [cs.uncertainty] : cs.uncertainty;
        if (!Array.isArray(u) || u.length !== n) fail(`${at}.uncertainty must be a list of ${n} numbers`);
        const sd = (u as unknown[]).map((v) => num(v, `${at}.uncertainty`));
        cov = sd.map((a, i) => sd.map((_, j) => (i === j ? a * a : 0)));
      } else return fail(`${at} (GaussianConstraint) needs cov (or uncertainty)`);
      if (n === 1) {
        if (!(cov[0][0] > 0)) fail(`${at}.cov must be > 0`);
        constraints.push({ kind: 'gaussian', index: indices[0], mean: observation[0], sigma: Math.sqrt(cov[0][0]) });
        continue;
      }
      if (cov.some((r, i) => r.some((v, j) => Math.abs(v - cov[j][i]) > 1e-12 * Math.max(Math.abs(v), 1)))) fail(`${at}.cov must be symmetric`);
      const chol = cholesky(cov);
      if (!chol) return fail(`${at}.cov is not positive definite`);
      constraints.push({ kind: 'multigauss', indices, mean: observation, cov, chol, inv: invertFromCholesky(chol) });
    }
  } else if (!Array.isArray(cons)) fail('constraints must be a list, or named sections as rx writes them');
  else
  (cons as unknown[]).forEach((c, k) => {
    if (!isObj(c)) fail(`constraints[${k}] must be a mapping`);
    const cc = c as Obj;
    const type = cc.type;
    const allowed: Record<string, string[]> = { gaussian: ['parameter', 'mean', 'sigma'], multigauss: ['parameters', 'mean', 'covariance'], poisson: ['parameter', 'observed', 'scale'] };
    if (typeof type === 'string' && allowed[type]) keys(cc, `constraints[${k}]`, ['type', ...allowed[type]]);
    if (type === 'gaussian') {
      const sigma = num(cc.sigma, `constraints[${k}].sigma`);
      if (!(sigma > 0)) fail(`constraints[${k}].sigma must be > 0`);
      constraints.push({ kind: 'gaussian', index: index(cc.parameter, `constraints[${k}].parameter`), mean: num(cc.mean, `constraints[${k}].mean`), sigma });
    } else if (type === 'multigauss') {
      if (!Array.isArray(cc.parameters) || !Array.isArray(cc.mean) || !Array.isArray(cc.covariance)) fail(`constraints[${k}] (multigauss) needs parameters, mean, covariance`);
      const indices = (cc.parameters as unknown[]).map((p) => index(p, `constraints[${k}].parameters`));
      const mean = (cc.mean as unknown[]).map((v) => num(v, `constraints[${k}].mean`));
      const cov = (cc.covariance as unknown[]).map((row) => (Array.isArray(row) ? row.map((v) => num(v, `constraints[${k}].covariance`)) : fail(`constraints[${k}].covariance must be a matrix`)));
      const n = indices.length;
      if (mean.length !== n || cov.length !== n || cov.some((r) => r.length !== n)) fail(`constraints[${k}]: mean and covariance must match ${n} parameters`);
      const chol = cholesky(cov);
      if (!chol) return fail(`constraints[${k}].covariance is not positive definite`);
      constraints.push({ kind: 'multigauss', indices, mean, cov, chol, inv: invertFromCholesky(chol) });
    } else if (type === 'poisson') {
      const observed = num(cc.observed, `constraints[${k}].observed`);
      const scale = cc.scale === undefined ? 1 : num(cc.scale, `constraints[${k}].scale`);
      constraints.push({ kind: 'poisson', index: index(cc.parameter, `constraints[${k}].parameter`), observed, scale });
    } else {
      fail(`constraints[${k}].type must be gaussian, multigauss or poisson (got ${JSON.stringify(type)})`);
    }
  });

  for (const c of cats) c.constraints = [];
  // The model is its first category plus the constraints; a simultaneous one lists every category.
  const model: Model = { ...cats[0], constraints };
  delete model.category;
  if (simultaneous) model.categories = cats;
  return model;
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
