import type { Pdf } from './pdf.js';
import { Gauss } from './gauss.js';
import { Exponential } from './exponential.js';
import { Uniform } from './uniform.js';
import { Chebyshev } from './chebyshev.js';
import { DoubleCrystalBall } from './crystalball.js';

export type { Pdf } from './pdf.js';

/** PDF kinds a model YAML may name, with the parameter names each takes. */
export const PDF_KINDS = ['gauss', 'exponential', 'uniform', 'chebyshev', 'polynomial', 'crystalball', 'dscb'] as const;
export type PdfKind = (typeof PDF_KINDS)[number];

/** Builds a PDF on [lo, hi]; `order` is the number of coefficients for chebyshev/polynomial. */
export function makePdf(kind: PdfKind, lo: number, hi: number, order = 0): Pdf {
  switch (kind) {
    case 'gauss': return new Gauss(lo, hi);
    case 'exponential': return new Exponential(lo, hi);
    case 'uniform': return new Uniform(lo, hi);
    case 'chebyshev': return new Chebyshev(lo, hi, order, 'chebyshev');
    case 'polynomial': return new Chebyshev(lo, hi, order, 'polynomial');
    case 'crystalball': return new DoubleCrystalBall(lo, hi, 'crystalball');
    case 'dscb': return new DoubleCrystalBall(lo, hi, 'dscb');
  }
}
