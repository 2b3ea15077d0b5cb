/** Everything `ntcorr validate` needs; the CLI fills it from flags. */
export interface ValidateOptions {
  data: string[];
  mc: string[];
  /** Event-weight column of the simulation (data is unweighted unless dataWeights is given). */
  weights?: string;
  dataWeights?: string;
  /** Variables to compare (raw names, e.g. probe_r9); default: every column X of the simulation that has X_corr and is also in data. */
  vars?: string[];
  /** Suffix of corrected columns (default "_corr"). */
  suffix: string;
  out: string;
  /** Selection expression applied to both samples (src/expr), e.g. "80 < mass < 100". */
  where?: string;
  /** |region variable| < 1.5 = barrel; default "<prefix>ScEta" of the variables' common prefix. */
  regionVar?: string;
  /** Profile x variables (default: <prefix>pt, <prefix>ScEta, <prefix>phi, fixedGridRhoAll when present). */
  profileVars?: string[];
  /** Reweight simulation to data in these variables first (equal-population grid, as flow training does). */
  reweight?: string[];
  reweightBins: number;
  /** XGBoost bundle used to recompute mvaID before/after when the columns are absent. */
  mvaidModel?: string;
  bins: number;
  /** Bootstrap toys for the classifier-test p-value. */
  toys: number;
  /** Rows per sample used by the classifier test (seeded subsample). */
  classifierRows: number;
  /** Rows read per sample at most (first rows of the files in order). */
  maxEvents: number;
  seed: number;
  png: boolean;
  quiet: boolean;
  tree?: string;
  /** Command line recorded in the report's provenance (the CLI passes it). */
  command?: string;
}

/** A variable's per-region numbers, before (simulation) and after (corrected simulation), vs data. */
export interface VarMetrics {
  variable: string;
  region: string;
  corrected: boolean;
  ks: { before: number; after: number | null };
  wasserstein: { before: number; after: number | null };
  chi2ndf: { before: number; after: number | null };
}

export interface ValidateSummary {
  tool: string;
  time: string;
  command: string;
  seed: number;
  data: { files: string[]; rows: number; sumWeights: number };
  mc: { files: string[]; rows: number; sumWeights: number; weights?: string };
  variables: string[];
  regions: string[];
  metrics: VarMetrics[];
  /** Mean KS after / mean KS before over corrected variables (all region). */
  meanKsRatio: number | null;
  classifier: { before: ClassifierNumbers; after: ClassifierNumbers | null } | null;
  correlations: Record<string, { meanAbsDiffBefore: number; meanAbsDiffAfter: number | null }>;
  mvaid: { source: string; ks: { before: number; after: number | null } } | null;
  plots: string[];
  notes: string[];
}

export interface ClassifierNumbers {
  auc: number;
  /** null (NaN in memory) when no toys were run. */
  pValue: number;
  toys: number[];
  nTrain: number;
  nTest: number;
}
