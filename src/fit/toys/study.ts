import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cleanStaleTempsIn, writeFileAtomic } from '../../core/atomic.js';
import { TOOL } from '../../core/version.js';
import { readModelDoc } from '../model.js';
import type { MinimizeOptions } from '../minuit/migrad.js';
import { poolSpec, runToyPool, type PoolOptions } from './pool.js';
import { resolveModelFiles } from '../data.js';
import { ToyTableWriter, type ToyColumns } from './table.js';
import { ToySummary } from './summary.js';
import { GofSummary, RxSummary } from './extras.js';
import { writeToyPlots } from './plots.js';
import type { Vary } from './generate.js';
import type { ToyResult } from './run-toy.js';
import { configHash, prepareToys, readFitCovariance, readFitResult, type RandomizeStart } from './setup.js';
import { NtcorrError } from '../../core/errors.js';

export interface ToyStudyOptions {
  model: string;
  toys: number;
  seed: number;
  jobs: number;
  vary: Vary;
  out: string;
  minimize?: MinimizeOptions;
  plots?: boolean;
  command?: string;
  /** First toy index (a Condor job's share of a study); default 0. */
  first?: number;
  /** Generating model YAML when it differs from --model. */
  genModel?: string;
  /** Fit result JSON (ntcorr fit): generating values and start values. */
  fromFit?: string;
  /** 'sampled': each toy's generating values drawn from the fit result's covariance; default 'fitted'. */
  genValues?: 'fitted' | 'sampled';
  randomizeStart?: RandomizeStart;
  /** Bins per category of the binned chi2 GOF; 0 switches it off. Default DEFAULT_GOF_BINS (40). */
  gofBins?: number;
  columns?: ToyColumns;
  onProgress?: (done: number, valid: number) => void;
}

export interface ToyStudyResult {
  summary: Record<string, unknown>;
  files: string[];
  warnings: string[];
  seconds: number;
}

export const DEFAULT_GOF_BINS = 40;

/** What a study's outputs are made from, besides the toy results: also what `toys merge` reads back. */
export interface StudyHeader {
  model: string;
  gen_model: string | null;
  from_fit: string | null;
  gen_values: 'fitted' | 'sampled';
  seed: number;
  vary: Vary;
  randomize_start: RandomizeStart | null;
  gof_bins: number;
  config_hash: string;
  /** Fit parameters in order, their generating values (NaN: none in the generating model) and fixed flags. */
  names: string[];
  gen: Float64Array;
  fixed: boolean[];
  /** Generating model's values by name. */
  generating: Record<string, number>;
  provenance: Record<string, unknown>;
}

/**
 * Streams toy results (in toy order) into OUT/toys.parquet, and at the end writes OUT/summary.yaml and
 * OUT/plots/. A study and `toys merge` both write through it, so equal results give equal outputs.
 */
export class StudyWriter {
  readonly table: ToyTableWriter;
  readonly summary: ToySummary;
  readonly gof = new GofSummary();
  readonly rx: RxSummary;
  first = Infinity;

  constructor(readonly out: string, readonly h: StudyHeader, readonly columns: ToyColumns) {
    mkdirSync(out, { recursive: true });
    // A killed study leaves `.ntcorr-tmp-*` files (its toys.parquet in the making...); remove those of dead runs.
    for (const d of [out, join(out, 'plots')]) cleanStaleTempsIn(d);
    this.table = new ToyTableWriter(join(out, 'toys.parquet'), h.names, h.gen, h.fixed, { 'ntcorr.provenance': JSON.stringify([h.provenance]) }, 2_000, columns);
    // Pulls only where there is a generating value to pull against.
    const pulled = h.fixed.map((f, j) => !f && !Number.isNaN(h.gen[j]));
    this.summary = new ToySummary(h.names, h.gen, pulled);
    this.rx = new RxSummary(h.names, h.fixed.map((f) => !f));
  }

  add(r: ToyResult): void {
    if (r.toy < this.first) this.first = r.toy;
    this.summary.add(r);
    this.gof.add(r);
    this.rx.add(r);
    this.table.add(r);
  }

  async abort(): Promise<void> {
    await this.table.abort();
  }

  async finish(plots: boolean): Promise<{ summary: Record<string, unknown>; files: string[]; warnings: string[] }> {
    await this.table.finish();
    const s = this.summary;
    s.finish();
    const h = this.h;
    const doc: Record<string, unknown> = {
      model: h.model,
      gen_model: h.gen_model,
      from_fit: h.from_fit,
      gen_values: h.gen_values,
      toys: s.total,
      first_toy: Number.isFinite(this.first) ? this.first : 0,
      seed: h.seed,
      vary: h.vary,
      randomize_start: h.randomize_start,
      config_hash: h.config_hash,
      columns: this.columns,
      valid: s.valid,
      fraction_valid: s.total ? s.valid / s.total : 0,
      failed: s.failed,
      pull: `(value - gen) / Hesse error, over valid fits; gen = the value of the same-named parameter of the generating model${h.gen_values === 'sampled' ? ' drawn for that toy from the fit covariance (table column gen); parameters.*.gen is the fitted value' : ''}`,
      not_generated: h.names.filter((_, j) => !h.fixed[j] && Number.isNaN(h.gen[j])),
      parameters: s.params(),
      gof: this.gof.toJson(h.gof_bins),
      // rx's toy summary keys, beside ours.
      ntoys: s.total,
      ...this.rx.toJson(),
      generating_values: h.generating,
      provenance: h.provenance,
    };
    const files = [join(this.out, 'toys.parquet'), join(this.out, 'summary.yaml')];
    await writeFileAtomic(files[1], stringify(doc));
    let warnings: string[] = [];
    if (plots) {
      const dir = join(this.out, 'plots');
      mkdirSync(dir, { recursive: true });
      const p = await writeToyPlots(dir, s);
      files.push(...p.files);
      warnings = [...new Set(p.warnings)];
    }
    return { summary: doc, files, warnings };
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * A full toy study: toys over worker threads, streamed into OUT/toys.parquet (long format), OUT/summary.yaml
 * (pull mean and width with uncertainties, fraction valid, GOF, per parameter) and OUT/plots/.
 */
export async function runToyStudy(o: ToyStudyOptions): Promise<ToyStudyResult> {
  const t0 = Date.now();
  // Simulation samples of kde/template components are read here and travel inline to the workers.
  const doc = await resolveModelFiles(readModelDoc(o.model), o.model);
  const genDoc = o.genModel ? await resolveModelFiles(readModelDoc(o.genModel), o.genModel) : undefined;
  const fromFit = o.fromFit ? readFitResult(o.fromFit) : undefined;
  const sampleGen = o.genValues === 'sampled';
  if (sampleGen && !o.fromFit) throw new NtcorrError('--gen-values sampled needs --from-fit (the fit result whose covariance the generating values are drawn from)');
  const fromFitCov = sampleGen ? readFitCovariance(o.fromFit!) : undefined;
  const popts: PoolOptions = {
    toys: o.toys, seed: o.seed, vary: o.vary, jobs: o.jobs, minimize: o.minimize, first: o.first ?? 0,
    genDoc, genSource: o.genModel, fromFit, fromFitSource: o.fromFit, fromFitCov, sampleGen, randomizeStart: o.randomizeStart, gofBins: o.gofBins ?? DEFAULT_GOF_BINS,
  };
  const spec = poolSpec(doc, o.model, popts);
  // Built here first so a bad model or fit result fails before any worker starts.
  const prep = prepareToys(spec);
  const hash = configHash(spec);
  const provenance = {
    tool: TOOL,
    model: o.model,
    modelHash: sha(o.model),
    ...(o.genModel ? { genModel: o.genModel, genModelHash: sha(o.genModel) } : {}),
    ...(o.fromFit ? { fromFit: o.fromFit, fromFitHash: sha(o.fromFit), genValues: o.genValues ?? 'fitted' } : {}),
    kind: 'toys',
    columnsAdded: [],
    time: new Date().toISOString(),
    command: o.command ?? 'ntcorr toys',
    seed: o.seed,
    toys: o.toys,
    firstToy: o.first ?? 0,
    vary: o.vary,
    strategy: o.minimize?.strategy ?? 1,
    tol: o.minimize?.tol ?? 0.1,
    randomizeStart: o.randomizeStart ?? null,
    gofBins: spec.gofBins,
    configHash: hash,
  };
  const header: StudyHeader = {
    model: o.model, gen_model: o.genModel ?? null, from_fit: o.fromFit ?? null, gen_values: o.genValues ?? 'fitted', seed: o.seed, vary: o.vary,
    randomize_start: o.randomizeStart ?? null, gof_bins: spec.gofBins, config_hash: hash,
    names: prep.fit.params.map((p) => p.name), gen: prep.genForFit, fixed: prep.fit.params.map((p) => p.fixed),
    generating: Object.fromEntries(prep.gen.params.map((p, i) => [p.name, prep.genValues[i]])),
    provenance,
  };
  const w = new StudyWriter(o.out, header, o.columns ?? 'ntcorr');
  try {
    await runToyPool(doc, o.model, popts, (r) => {
      w.add(r);
      o.onProgress?.(w.summary.total, w.summary.valid);
    });
  } catch (e) {
    await w.abort();
    throw e;
  }
  const res = await w.finish(o.plots !== false);
  return { ...res, seconds: (Date.now() - t0) / 1000 };
}
