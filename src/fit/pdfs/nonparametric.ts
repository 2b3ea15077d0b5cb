import { sampleAcceptReject, type Pdf } from './pdf.js';
import type { Rng } from '../../core/random.js';
import { normCdf, normPdf } from '../special.js';

export type Bandwidth = number | 'scott' | 'silverman';

export interface KdeOptions {
  samples: Float64Array;
  weights?: Float64Array;
  /** Absolute kernel width, or a rule on the (weighted) sample standard deviation and effective count. */
  bandwidth: Bandwidth;
  /** Abramson's adaptive widths h_i = h (f_pilot(x_i) / g)^(-1/2), g the geometric mean of the pilot. */
  adaptive: boolean;
  /** 'exact': the kernel sum at each x; 'fft': the sum on a grid by FFT convolution, linearly interpolated. */
  method: 'exact' | 'fft';
  /** Grid points for 'fft' (power of two). */
  grid?: number;
  /** A fit parameter `smear`: the KDE convolved with a Gaussian of that width (widths add in quadrature). */
  smear: boolean;
}

/** Weighted mean, standard deviation (unbiased for weights, as numpy.cov(aweights)) and effective count. */
function moments(x: Float64Array, w?: Float64Array): { sd: number; neff: number } {
  let sw = 0;
  let sw2 = 0;
  let sx = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i] : 1;
    sw += wi;
    sw2 += wi * wi;
    sx += wi * x[i];
  }
  const mean = sx / sw;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (w ? w[i] : 1) * (x[i] - mean) ** 2;
  const variance = ss / (sw - sw2 / sw);
  return { sd: Math.sqrt(variance), neff: (sw * sw) / sw2 };
}

/** The bandwidth from a rule as scipy.stats.gaussian_kde applies it (factor x standard deviation). */
export function kdeBandwidth(bw: Bandwidth, x: Float64Array, w?: Float64Array): number {
  if (typeof bw === 'number') return bw;
  const { sd, neff } = moments(x, w);
  const factor = bw === 'scott' ? Math.pow(neff, -1 / 5) : Math.pow((neff * 3) / 4, -1 / 5);
  return factor * sd;
}

/**
 * Gaussian kernel density estimate of simulated samples, normalised on [lo, hi]. Exact: sum_i w_i N(x; x_i, h_i)
 * (kernels beyond 9 widths skipped, samples sorted), normalised analytically (sum of Gaussian CDF
 * differences). FFT: the weights binned linearly on a grid, convolved with the kernel by FFT, interpolated
 * linearly and normalised by the interpolant's exact integral. With `smear` the kernel widths become
 * sqrt(h_i^2 + smear^2): the KDE convolved with a Gaussian resolution (a fit parameter).
 */
export class Kde implements Pdf {
  readonly kind = 'kde';
  readonly params: readonly string[];
  readonly h: number;
  private readonly xs: Float64Array;
  private readonly ws: Float64Array;
  private readonly hs: Float64Array;
  private readonly wsum: number;
  private cacheKey = NaN;
  private cacheNorm = NaN;
  private grid: { x0: number; dx: number; f: Float64Array } | null = null;

  constructor(readonly lo: number, readonly hi: number, readonly opts: KdeOptions) {
    this.params = opts.smear ? ['smear'] : [];
    const n = opts.samples.length;
    if (n < 2) throw new Error(`kde needs at least 2 samples (got ${n})`);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => opts.samples[a] - opts.samples[b]);
    this.xs = Float64Array.from(order, (i) => opts.samples[i]);
    this.ws = Float64Array.from(order, (i) => (opts.weights ? opts.weights[i] : 1));
    this.wsum = this.ws.reduce((a, b) => a + b, 0);
    this.h = kdeBandwidth(opts.bandwidth, opts.samples, opts.weights);
    if (!(this.h > 0)) throw new Error(`kde bandwidth must be > 0 (got ${this.h})`);
    this.hs = new Float64Array(n).fill(this.h);
    if (opts.adaptive) {
      if (opts.method === 'fft') throw new Error('kde: adaptive widths need method: exact');
      const pilot = new Float64Array(n);
      this.sum(this.xs, pilot, n, 0);
      let lg = 0;
      for (let i = 0; i < n; i++) lg += this.ws[i] * Math.log(pilot[i]);
      const g = Math.exp(lg / this.wsum);
      for (let i = 0; i < n; i++) this.hs[i] = this.h / Math.sqrt(pilot[i] / g);
    }
  }

  check(p: ArrayLike<number>): string | null {
    return this.opts.smear && !(p[0] >= 0) ? `smear must be >= 0 (got ${p[0]})` : null;
  }

  /** Unnormalised kernel sum / W at each x (exact), with kernel widths sqrt(h_i^2 + s^2). */
  private sum(x: Float64Array, out: Float64Array, n: number, s: number): void {
    const xs = this.xs;
    const m = xs.length;
    let hmax = 0;
    for (let i = 0; i < m; i++) hmax = Math.max(hmax, this.hs[i]);
    const reach = 9 * Math.sqrt(hmax * hmax + s * s);
    const s2 = s * s;
    for (let k = 0; k < n; k++) {
      const xk = x[k];
      let a = lowerBound(xs, xk - reach);
      let acc = 0;
      for (; a < m && xs[a] <= xk + reach; a++) {
        const hh = Math.sqrt(this.hs[a] * this.hs[a] + s2);
        const z = (xk - xs[a]) / hh;
        acc += (this.ws[a] * Math.exp(-0.5 * z * z)) / hh;
      }
      out[k] = acc / (this.wsum * Math.sqrt(2 * Math.PI));
    }
  }

  /** Fraction of the (unbounded) KDE between a and b, exact. */
  private massExact(a: number, b: number, s: number): number {
    let acc = 0;
    for (let i = 0; i < this.xs.length; i++) {
      const hh = Math.sqrt(this.hs[i] * this.hs[i] + s * s);
      const za = (a - this.xs[i]) / hh;
      const zb = (b - this.xs[i]) / hh;
      acc += this.ws[i] * (za > 0 ? normCdf(-za) - normCdf(-zb) : normCdf(zb) - normCdf(za));
    }
    return acc / this.wsum;
  }

  private prepare(s: number): void {
    if (s === this.cacheKey) return;
    this.cacheKey = s;
    if (this.opts.method === 'fft') {
      this.grid = this.fftGrid(Math.sqrt(this.h * this.h + s * s));
      this.cacheNorm = this.gridIntegral(this.lo, this.hi);
    } else this.cacheNorm = this.massExact(this.lo, this.hi, s);
  }

  /** Kernel sum on a grid covering the range plus 6 kernel widths, by FFT convolution of linearly binned weights. */
  private fftGrid(hh: number): { x0: number; dx: number; f: Float64Array } {
    const G = this.opts.grid ?? 4096;
    const x0 = Math.min(this.lo, this.xs[0]) - 6 * hh;
    const x1 = Math.max(this.hi, this.xs[this.xs.length - 1]) + 6 * hh;
    // Zero-padded to twice the grid so the circular convolution does not wrap.
    const N = 2 * G;
    const dx = (x1 - x0) / (G - 1);
    const re = new Float64Array(N);
    const im = new Float64Array(N);
    for (let i = 0; i < this.xs.length; i++) {
      const t = (this.xs[i] - x0) / dx;
      const j = Math.min(G - 2, Math.floor(t));
      const f = t - j;
      re[j] += this.ws[i] * (1 - f);
      re[j + 1] += this.ws[i] * f;
    }
    const kr = new Float64Array(N);
    const ki = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      const d = (j <= N / 2 ? j : j - N) * dx;
      kr[j] = normPdf(d / hh) / hh;
    }
    fft(re, im, false);
    fft(kr, ki, false);
    for (let j = 0; j < N; j++) {
      const r = re[j] * kr[j] - im[j] * ki[j];
      im[j] = re[j] * ki[j] + im[j] * kr[j];
      re[j] = r;
    }
    fft(re, im, true);
    const f = new Float64Array(G);
    for (let j = 0; j < G; j++) f[j] = Math.max(0, re[j]) / this.wsum;
    return { x0, dx, f };
  }

  private gridAt(x: number): number {
    const g = this.grid!;
    const t = (x - g.x0) / g.dx;
    const j = Math.min(g.f.length - 2, Math.max(0, Math.floor(t)));
    const u = t - j;
    return g.f[j] * (1 - u) + g.f[j + 1] * u;
  }

  /** Exact integral of the piecewise-linear interpolant over [a, b]. */
  private gridIntegral(a: number, b: number): number {
    const g = this.grid!;
    const ja = Math.floor((a - g.x0) / g.dx);
    const jb = Math.floor((b - g.x0) / g.dx);
    if (ja === jb) return 0.5 * (this.gridAt(a) + this.gridAt(b)) * (b - a);
    let s = 0.5 * (this.gridAt(a) + g.f[ja + 1]) * (g.x0 + (ja + 1) * g.dx - a);
    for (let j = ja + 1; j < jb; j++) s += 0.5 * (g.f[j] + g.f[j + 1]) * g.dx;
    s += 0.5 * (g.f[jb] + this.gridAt(b)) * (b - (g.x0 + jb * g.dx));
    return s;
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    const s = this.opts.smear ? p[0] : 0;
    this.prepare(s);
    if (this.opts.method === 'fft') for (let i = 0; i < n; i++) out[i] = this.gridAt(xs[i]) / this.cacheNorm;
    else {
      this.sum(xs, out, n, s);
      for (let i = 0; i < n; i++) out[i] /= this.cacheNorm;
    }
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    const s = this.opts.smear ? p[0] : 0;
    this.prepare(s);
    return (this.opts.method === 'fft' ? this.gridIntegral(lo, hi) : this.massExact(lo, hi, s)) / this.cacheNorm;
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    // Exact: pick a sample by weight, add its kernel; keep draws inside the range.
    const s = this.opts.smear ? p[0] : 0;
    const cum = new Float64Array(this.ws.length);
    let acc = 0;
    for (let i = 0; i < cum.length; i++) cum[i] = acc += this.ws[i];
    let k = 0;
    while (k < count) {
      const i = Math.min(cum.length - 1, lowerBound(cum, rng.uniform() * acc));
      const x = this.xs[i] + Math.sqrt(this.hs[i] * this.hs[i] + s * s) * rng.normal();
      if (x >= this.lo && x <= this.hi) out[offset + k++] = x;
    }
  }
}

/** First index with a[i] >= v (a sorted ascending). */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** In-place radix-2 complex FFT (length a power of two); the inverse includes the 1/N. Hand-written: 30 lines. */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let j = 0; j < len / 2; j++) {
        const a = i + j;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
  if (inverse) for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] /= n;
  }
}

export interface TemplateOptions {
  edges: Float64Array;
  counts: Float64Array;
  /** A fit parameter `smear`: the histogram convolved with a Gaussian of that width (analytic). */
  smear: boolean;
}

/**
 * A binned template (piecewise-constant density from a histogram, e.g. simulation), normalised on the part
 * of the range it covers; with `smear` convolved analytically with a Gaussian: per bin
 * (c_b / width_b) [Phi((x - e_b)/s) - Phi((x - e_b+1)/s)], normalised by its closed-form integral over the range.
 */
export class Template implements Pdf {
  readonly kind = 'template';
  readonly params: readonly string[];
  private readonly dens: Float64Array;
  private cacheKey = NaN;
  private cacheNorm = NaN;

  constructor(readonly lo: number, readonly hi: number, readonly opts: TemplateOptions) {
    this.params = opts.smear ? ['smear'] : [];
    const { edges, counts } = opts;
    if (edges.length !== counts.length + 1) throw new Error(`template: ${counts.length} counts need ${counts.length + 1} edges (got ${edges.length})`);
    for (let b = 0; b < counts.length; b++) {
      if (!(edges[b + 1] > edges[b])) throw new Error('template: edges must increase');
      if (!(counts[b] >= 0)) throw new Error(`template: counts must be >= 0 (bin ${b}: ${counts[b]})`);
    }
    this.dens = Float64Array.from(counts, (c, b) => c / (edges[b + 1] - edges[b]));
  }

  check(p: ArrayLike<number>): string | null {
    return this.opts.smear && !(p[0] >= 0) ? `smear must be >= 0 (got ${p[0]})` : null;
  }

  /** Integral of the (smeared) template over [a, b], unnormalised. */
  private mass(a: number, b: number, s: number): number {
    const e = this.opts.edges;
    let acc = 0;
    if (!(s > 0)) {
      for (let k = 0; k < this.dens.length; k++) acc += this.dens[k] * Math.max(0, Math.min(b, e[k + 1]) - Math.max(a, e[k]));
      return acc;
    }
    // int_a^b Phi((x - e)/s) dx = Psi(b - e) - Psi(a - e), Psi(t) = t Phi(t/s) + s phi(t/s).
    const psi = (t: number) => t * normCdf(t / s) + s * normPdf(t / s);
    for (let k = 0; k < this.dens.length; k++) {
      acc += this.dens[k] * (psi(b - e[k]) - psi(a - e[k]) - psi(b - e[k + 1]) + psi(a - e[k + 1]));
    }
    return acc;
  }

  private norm(s: number): number {
    if (s !== this.cacheKey) {
      this.cacheKey = s;
      this.cacheNorm = this.mass(this.lo, this.hi, s);
    }
    return this.cacheNorm;
  }

  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n = xs.length): void {
    const s = this.opts.smear ? p[0] : 0;
    const inv = 1 / this.norm(s);
    const e = this.opts.edges;
    const B = this.dens.length;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      if (!(s > 0)) {
        const b = binOf(e, x);
        out[i] = b >= 0 ? this.dens[b] * inv : 0;
        continue;
      }
      let acc = 0;
      for (let k = 0; k < B; k++) {
        const za = (x - e[k]) / s;
        const zb = (x - e[k + 1]) / s;
        if (za < -38 || zb > 38) continue; // both CDFs equal to double precision beyond
        acc += this.dens[k] * (zb > 0 ? normCdf(-zb) - normCdf(-za) : normCdf(za) - normCdf(zb));
      }
      out[i] = acc * inv;
    }
  }

  integral(a: number, b: number, p: ArrayLike<number>): number {
    const lo = Math.max(a, this.lo);
    const hi = Math.min(b, this.hi);
    if (!(hi > lo)) return 0;
    const s = this.opts.smear ? p[0] : 0;
    return this.mass(lo, hi, s) / this.norm(s);
  }

  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
    sampleAcceptReject(this, rng, p, count, out, offset);
  }
}

/** Bin index of x in increasing edges (the last bin includes its upper edge), -1 outside. */
function binOf(e: Float64Array, x: number): number {
  if (!(x >= e[0] && x <= e[e.length - 1])) return -1;
  let lo = 0;
  let hi = e.length - 1;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (e[m] <= x) lo = m;
    else hi = m;
  }
  return lo;
}
