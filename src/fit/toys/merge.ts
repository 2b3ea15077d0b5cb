import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parquetReadObjects } from 'hyparquet';
import { NtcorrError } from '../../core/errors.js';
import { TOOL } from '../../core/version.js';
import type { ToyResult } from './run-toy.js';
import { StudyWriter, type StudyHeader } from './study.js';
import type { ToyColumns } from './table.js';

interface JobOutput {
  dir: string;
  summary: Record<string, unknown>;
  first: number;
  toys: number;
}

const KEYS_EQUAL = ['config_hash', 'model', 'gen_model', 'from_fit', 'gen_values', 'seed', 'vary', 'randomize_start'] as const;

function readJob(dir: string): JobOutput {
  const sp = join(dir, 'summary.yaml');
  const tp = join(dir, 'toys.parquet');
  for (const p of [sp, tp]) if (!existsSync(p)) throw new NtcorrError(`${dir}: no ${p.slice(dir.length + 1)} (not the output of ntcorr toys, or the job has not finished)`, { file: p });
  let s: Record<string, unknown>;
  try {
    s = parse(readFileSync(sp, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new NtcorrError(`${sp}: not valid YAML (${(e as Error).message})`, { file: sp });
  }
  if (typeof s?.config_hash !== 'string' || typeof s.toys !== 'number' || typeof s.first_toy !== 'number') {
    throw new NtcorrError(`${sp}: no config_hash/toys/first_toy: written by an ntcorr older than toys merge`, { file: sp });
  }
  if (s.columns !== 'ntcorr') throw new NtcorrError(`${tp}: written with --columns ${String(s.columns)}, which does not keep every field; run the jobs with ntcorr's columns and give --columns to toys merge`, { file: tp });
  return { dir, summary: s, first: s.first_toy, toys: s.toys };
}

const bufferOf = (p: string): ArrayBuffer => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

/** The toys of one job's toys.parquet, rebuilt as the ToyResults the study streamed (floats are stored exactly). */
async function readToys(dir: string, np: number, perToyGen: boolean): Promise<{ results: ToyResult[]; names: string[]; gen: Float64Array; fixed: boolean[] }> {
  const path = join(dir, 'toys.parquet');
  const rows = (await parquetReadObjects({ file: bufferOf(path) })) as Array<Record<string, unknown>>;
  if (rows.length % np !== 0) throw new NtcorrError(`${path}: ${rows.length} rows is not a whole number of toys of ${np} parameters`, { file: path });
  const names = rows.slice(0, np).map((r) => String(r.parameter));
  const gen = Float64Array.from(rows.slice(0, np), (r) => r.gen as number);
  const fixed = rows.slice(0, np).map((r) => r.fixed as boolean);
  const results: ToyResult[] = [];
  for (let k = 0; k < rows.length; k += np) {
    const r0 = rows[k];
    const status = String(r0.status);
    const r: ToyResult = {
      toy: r0.toy as number,
      events: r0.events as number,
      values: Float64Array.from(rows.slice(k, k + np), (r) => r.value as number),
      errors: Float64Array.from(rows.slice(k, k + np), (r) => r.error as number),
      valid: r0.valid as boolean,
      converged: r0.converged as boolean,
      accurateCovar: r0.accurate_covar as boolean,
      nll: r0.nll as number,
      edm: r0.edm as number,
      nfcn: r0.nfcn as number,
      gofPvalue: r0.gof_pvalue as number,
      gofChi2: r0.gof_chi2 as number,
      gofNdf: r0.gof_ndf as number,
    };
    if (status.startsWith('failed: ')) r.error = status.slice('failed: '.length);
    if (perToyGen) r.gen = Float64Array.from(rows.slice(k, k + np), (r) => r.gen as number);
    results.push(r);
  }
  return { results, names, gen, fixed };
}

export interface MergeOptions {
  dirs: string[];
  out: string;
  columns?: ToyColumns;
  plots?: boolean;
  command?: string;
}

/**
 * Merges the outputs of toy jobs (each `ntcorr toys --first-toy F -N n` of one study) into one toys.parquet +
 * summary.yaml + plots, identical to a single run over all their toys: the jobs must share the configuration
 * hash and their toy ranges must tile one range without gaps or overlaps.
 */
export async function mergeToys(o: MergeOptions): Promise<{ summary: Record<string, unknown>; files: string[]; warnings: string[] }> {
  if (o.dirs.length === 0) throw new NtcorrError('toys merge: give the job output folders');
  const jobs = o.dirs.map(readJob).sort((a, b) => a.first - b.first);
  const ref = jobs[0];
  for (const j of jobs.slice(1)) {
    for (const k of KEYS_EQUAL) {
      if (JSON.stringify(j.summary[k]) !== JSON.stringify(ref.summary[k])) {
        throw new NtcorrError(`${j.dir}: ${k} ${JSON.stringify(j.summary[k])} differs from ${ref.dir}'s ${JSON.stringify(ref.summary[k])}: not the same toy study`, { file: j.dir });
      }
    }
  }
  for (let i = 1; i < jobs.length; i++) {
    const end = jobs[i - 1].first + jobs[i - 1].toys;
    if (jobs[i].first !== end) {
      const what = jobs[i].first < end ? `overlaps ${jobs[i - 1].dir} (toys ${jobs[i - 1].first}..${end - 1})` : `leaves toys ${end}..${jobs[i].first - 1} missing after ${jobs[i - 1].dir}`;
      throw new NtcorrError(`${jobs[i].dir}: its toys ${jobs[i].first}..${jobs[i].first + jobs[i].toys - 1} ${what}`, { file: jobs[i].dir });
    }
  }
  const s = ref.summary;
  // Parameters per toy: the rows of its first toy.
  const np = ((await parquetReadObjects({ file: bufferOf(join(ref.dir, 'toys.parquet')), columns: ['toy'] })) as Array<{ toy: number }>).filter((r, _, a) => r.toy === a[0].toy).length;
  const perToyGen = s.gen_values === 'sampled';
  const first = await readToys(ref.dir, np, perToyGen);
  const generating = s.generating_values as Record<string, number>;
  const prov = s.provenance as Record<string, unknown>;
  const total = jobs.reduce((a, j) => a + j.toys, 0);
  const header: StudyHeader = {
    model: s.model as string, gen_model: s.gen_model as string | null, from_fit: s.from_fit as string | null, seed: s.seed as number,
    vary: s.vary as StudyHeader['vary'], randomize_start: s.randomize_start as StudyHeader['randomize_start'], gof_bins: (s.gof as { bins: number }).bins,
    config_hash: s.config_hash as string, names: first.names, fixed: first.fixed, gen_values: (s.gen_values as 'fitted' | 'sampled') ?? 'fitted',
    // The central generating values by name, as the study had them (its table's gen column is per toy when sampled).
    gen: Float64Array.from(first.names, (n) => (n in generating ? generating[n] : NaN)),
    generating,
    provenance: {
      ...prov, tool: TOOL, kind: 'toys', time: new Date().toISOString(), command: o.command ?? 'ntcorr toys merge', toys: total, firstToy: ref.first,
      mergedFrom: jobs.map((j) => ({ dir: j.dir, firstToy: j.first, toys: j.toys, time: (j.summary.provenance as Record<string, unknown>)?.time ?? null })),
    },
  };
  const w = new StudyWriter(o.out, header, o.columns ?? 'ntcorr');
  try {
    for (const j of jobs) {
      const t = j === ref ? first : await readToys(j.dir, np, perToyGen);
      if (t.names.join('\0') !== first.names.join('\0')) throw new NtcorrError(`${j.dir}: parameters ${t.names.join(', ')} differ from ${ref.dir}'s`, { file: j.dir });
      if (t.results.length !== j.toys) throw new NtcorrError(`${j.dir}/toys.parquet: ${t.results.length} toys, its summary.yaml says ${j.toys}`, { file: j.dir });
      for (const r of t.results) w.add(r);
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  return w.finish(o.plots !== false);
}
