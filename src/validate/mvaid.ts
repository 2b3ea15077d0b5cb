import { loadBundle } from '../bundle/bundle.js';
import type { Column } from '../core/columns.js';
import { parseXgbConfig, type XgbConfig } from '../models/xgboost/config.js';
import { evaluatePlan, planFile } from '../models/xgboost/kind.js';
import type { Forest } from '../models/xgboost/forest.js';
import { loadForest } from '../models/xgboost/storage.js';

/**
 * Re-evaluates the photon mvaID BDT (an `xgboost` bundle) on raw or corrected inputs, as the CMS analysis
 * did to judge its corrections: same model, inputs swapped for their `_corr` versions.
 */
export interface MvaidEvaluator {
  /** Columns to read from a sample so that `evaluate` can run (raw and, for 'corrected', _corr ones). */
  columnsFor(available: Set<string>, which: 'raw' | 'corrected'): string[];
  evaluate(columns: Map<string, Float64Array>, rows: number, which: 'raw' | 'corrected'): Float64Array;
  name: string;
}

export function mvaidEvaluator(bundleDir: string, prefix: string, suffix: string): MvaidEvaluator {
  const bundle = loadBundle(bundleDir);
  const base = parseXgbConfig(bundleDir, bundle.manifest.config);
  const cfg: XgbConfig = { ...base, collections: [prefix], optionalCollections: [] };
  const forests: Forest[] = cfg.regions.map((r) => loadForest(bundle, r.model, `region ${r.name}`));
  const mapping = (which: 'raw' | 'corrected') => ({ ...cfg.inputs, suffix, prefer: which === 'raw' ? ('raw' as const) : ('corrected' as const) });
  const plan = (names: Iterable<string>, which: 'raw' | 'corrected') =>
    planFile(cfg, forests, { file: '(sample)', columns: [...names], rows: 0 }, () => 'mvaid', mapping(which))[0];
  return {
    name: bundle.manifest.name,
    columnsFor(available, which) {
      const p = plan(available, which);
      return [...new Set([...(p.selector ? [p.selector] : []), ...p.regions.flatMap((r) => r.columns)])];
    },
    evaluate(columns, rows, which) {
      const p = plan(columns.keys(), which);
      const r = evaluatePlan(cfg, p, columns as Map<string, Column>, rows);
      return Float64Array.from(r.out);
    },
  };
}
