import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cleanStaleTempsIn, writeFileAtomic } from '../../core/atomic.js';
import { TOOL } from '../../core/version.js';
import { buildModel, readModelDoc } from '../model.js';
import type { MinimizeOptions } from '../minuit/migrad.js';
import { runToyPool } from './pool.js';
import { resolveModelFiles } from '../data.js';
import { ToyTableWriter } from './table.js';
import { ToySummary } from './summary.js';
import { writeToyPlots } from './plots.js';
import type { Vary } from './generate.js';

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
  onProgress?: (done: number, valid: number) => void;
}

export interface ToyStudyResult {
  summary: Record<string, unknown>;
  files: string[];
  warnings: string[];
  seconds: number;
}

/**
 * A full toy study: toys over worker threads, streamed into OUT/toys.parquet (long format), OUT/summary.yaml
 * (pull mean and width with uncertainties, fraction valid, per parameter) and OUT/plots/.
 */
export async function runToyStudy(o: ToyStudyOptions): Promise<ToyStudyResult> {
  const t0 = Date.now();
  // Simulation samples of kde/template components are read here and travel inline to the workers.
  const doc = await resolveModelFiles(readModelDoc(o.model), o.model);
  const model = buildModel(doc, o.model);
  const names = model.params.map((p) => p.name);
  const gen = Float64Array.from(model.params, (p) => p.value);
  const fixed = model.params.map((p) => p.fixed);
  mkdirSync(o.out, { recursive: true });
  // A killed study leaves `.ntcorr-tmp-*` files (its toys.parquet in the making...); remove those of dead runs.
  for (const d of [o.out, join(o.out, 'plots')]) cleanStaleTempsIn(d);
  const provenance = {
    tool: TOOL,
    model: o.model,
    modelHash: createHash('sha256').update(readFileSync(o.model)).digest('hex'),
    kind: 'toys',
    columnsAdded: [],
    time: new Date().toISOString(),
    command: o.command ?? 'ntcorr toys',
    seed: o.seed,
    toys: o.toys,
    vary: o.vary,
    strategy: o.minimize?.strategy ?? 1,
    tol: o.minimize?.tol ?? 0.1,
  };
  const table = new ToyTableWriter(join(o.out, 'toys.parquet'), names, gen, fixed, { 'ntcorr.provenance': JSON.stringify([provenance]) });
  const summary = new ToySummary(names, gen, fixed.map((f) => !f));
  try {
    await runToyPool(doc, o.model, { toys: o.toys, seed: o.seed, vary: o.vary, jobs: o.jobs, minimize: o.minimize }, (r) => {
      summary.add(r);
      table.add(r);
      o.onProgress?.(summary.total, summary.valid);
    });
    await table.finish();
  } catch (e) {
    await table.abort();
    throw e;
  }
  summary.finish();
  const doc2: Record<string, unknown> = {
    model: o.model,
    toys: summary.total,
    seed: o.seed,
    vary: o.vary,
    valid: summary.valid,
    fraction_valid: summary.total ? summary.valid / summary.total : 0,
    failed: summary.failed,
    pull: '(value - gen) / Hesse error, over valid fits',
    parameters: summary.params(),
    provenance,
  };
  const files = [join(o.out, 'toys.parquet'), join(o.out, 'summary.yaml')];
  await writeFileAtomic(files[1], stringify(doc2));
  let warnings: string[] = [];
  if (o.plots !== false) {
    const dir = join(o.out, 'plots');
    mkdirSync(dir, { recursive: true });
    const p = await writeToyPlots(dir, summary);
    files.push(...p.files);
    warnings = [...new Set(p.warnings)];
  }
  return { summary: doc2, files, warnings, seconds: (Date.now() - t0) / 1000 };
}
