import type { Pdf } from './pdf.js';
import { Gauss } from './gauss.js';
import { Exponential } from './exponential.js';
import { Uniform } from './uniform.js';
import { Chebyshev } from './chebyshev.js';
import { DoubleCrystalBall } from './crystalball.js';
import { Argus, BreitWigner, HypExp, JohnsonSU, ModExp, StudentT, Voigtian } from './shapes.js';
import { Hypatia } from './hypatia.js';
import { Kde, Template, type KdeOptions, type TemplateOptions } from './nonparametric.js';

export type { Pdf } from './pdf.js';
export type { KdeOptions, TemplateOptions } from './nonparametric.js';

/** PDF kinds a model YAML may name, with the parameter names each takes. */
export const PDF_KINDS = ['gauss', 'exponential', 'uniform', 'chebyshev', 'polynomial', 'crystalball', 'dscb', 'johnsonsu', 'studentt', 'breitwigner', 'voigtian', 'argus', 'hypexp', 'modexp', 'hypatia', 'kde', 'template'] as const;
export type PdfKind = (typeof PDF_KINDS)[number];

/** Non-parametric shapes built from data rather than parameters. */
export interface PdfData {
  kde?: KdeOptions;
  template?: TemplateOptions;
}

/** Builds a PDF on [lo, hi]; `order` is the number of coefficients for chebyshev/polynomial; `data` for kde/template. */
export function makePdf(kind: PdfKind, lo: number, hi: number, order = 0, data: PdfData = {}): Pdf {
  switch (kind) {
    case 'gauss': return new Gauss(lo, hi);
    case 'exponential': return new Exponential(lo, hi);
    case 'uniform': return new Uniform(lo, hi);
    case 'chebyshev': return new Chebyshev(lo, hi, order, 'chebyshev');
    case 'polynomial': return new Chebyshev(lo, hi, order, 'polynomial');
    case 'crystalball': return new DoubleCrystalBall(lo, hi, 'crystalball');
    case 'dscb': return new DoubleCrystalBall(lo, hi, 'dscb');
    case 'johnsonsu': return new JohnsonSU(lo, hi);
    case 'studentt': return new StudentT(lo, hi);
    case 'breitwigner': return new BreitWigner(lo, hi);
    case 'voigtian': return new Voigtian(lo, hi);
    case 'argus': return new Argus(lo, hi);
    case 'hypexp': return new HypExp(lo, hi);
    case 'modexp': return new ModExp(lo, hi);
    case 'hypatia': return new Hypatia(lo, hi);
    case 'kde':
      if (!data.kde) throw new Error('kde needs samples');
      return new Kde(lo, hi, data.kde);
    case 'template':
      if (!data.template) throw new Error('template needs a histogram or samples');
      return new Template(lo, hi, data.template);
  }
}
