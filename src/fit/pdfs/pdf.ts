import type { Rng } from '../../core/random.js';

/**
 * A one-dimensional PDF normalised analytically on the observable range [lo, hi] (fixed at construction).
 * Parameters arrive as a small array in the order of `params`. Everything is float64.
 */
export interface Pdf {
  readonly kind: string;
  /** Parameter names in the order `p` is given. */
  readonly params: readonly string[];
  readonly lo: number;
  readonly hi: number;
  /** Normalised density at each x (x inside [lo, hi]). */
  density(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, n?: number): void;
  /**
   * Density plus d(log f)/d(p_j) at each x into dlog[j]. Present only where the PDF has analytic derivatives;
   * models fall back to Minuit-style numerical gradients otherwise.
   */
  densityGrad?(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], n?: number): void;
  /**
   * densityGrad plus the second derivatives d2(log f)/(dp_j dp_l) for j <= l into d2log[j * J + l]
   * (J = number of parameters; entries with j > l are not written). Enables the analytic HESSE.
   */
  densityHess?(xs: Float64Array, p: ArrayLike<number>, out: Float64Array, dlog: Float64Array[], d2log: Float64Array[], n?: number): void;
  /** Fraction of the normalised PDF between a and b (clipped to the range): for binned fits and plots. */
  integral(a: number, b: number, p: ArrayLike<number>): number;
  /** Fills out[offset .. offset+count) with draws. */
  sample(rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void;
  /** Throws a message naming the bad parameter when p is outside the PDF's domain (e.g. sigma <= 0); else null. */
  check(p: ArrayLike<number>): string | null;
}

/**
 * Accept-reject sampling against a flat envelope: the largest density on a fine grid times a margin.
 * Used by the PDFs without a closed-form inverse CDF (Crystal Ball, polynomials).
 */
export function sampleAcceptReject(pdf: Pdf, rng: Rng, p: ArrayLike<number>, count: number, out: Float64Array, offset: number): void {
  const grid = 2049;
  const xs = new Float64Array(grid);
  const fs = new Float64Array(grid);
  const w = pdf.hi - pdf.lo;
  for (let i = 0; i < grid; i++) xs[i] = pdf.lo + (w * i) / (grid - 1);
  pdf.density(xs, p, fs);
  let fmax = 0;
  for (let i = 0; i < grid; i++) if (fs[i] > fmax) fmax = fs[i];
  // Peaks narrower than the grid step are caught by the margin; 20% is generous for smooth PDFs.
  fmax *= 1.2;
  const one = new Float64Array(1);
  const f1 = new Float64Array(1);
  let k = 0;
  while (k < count) {
    one[0] = pdf.lo + w * rng.uniform();
    pdf.density(one, p, f1, 1);
    if (rng.uniform() * fmax < f1[0]) out[offset + k++] = one[0];
  }
}
