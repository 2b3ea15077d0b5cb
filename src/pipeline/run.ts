import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import pLimit from 'p-limit';
import { loadBundle, type Bundle } from '../bundle/bundle.js';
import { isJagged, type Column } from '../core/columns.js';
import type { OutputSpec } from '../bundle/manifest.js';
import { NtcorrError, errorMessage } from '../core/errors.js';
import { settings } from '../core/settings.js';
import { TOOL } from '../core/version.js';
import { compileSelection, type CompiledExpression } from '../expr/index.js';
import { formatFor, openTable, pathProblem } from '../io/formats.js';
import type { OutputWriter, ProvenanceRecord, TableSource } from '../io/table.js';
import { correctionKind } from '../models/registry.js';
import type { Corrector, FileContext } from '../models/types.js';
import { createProgress, type ProgressBar } from '../core/progress.js';
import { lockFile, type FileLock } from '../core/lock.js';
import { unmatchedMessage } from '../io/files.js';
import { baseFor, checkOutputPlan, cleanStaleTemps, drawKey, ensureFolder, expandInputs, outputPathFor } from './files.js';
import type { ApplyOptions, ApplySummary, FileResult } from './options.js';

/**
 * Whether a file already went through this model. `same`: the identical bundle (content hash) was applied,
 * so --skip-done may skip it; otherwise (same model name with other contents, or the output columns exist)
 * the file is only refused without --force, never silently skipped with a stale correction.
 */
export function alreadyDone(source: TableSource, bundle: Bundle, outputs: string[]): { reason: string; same: boolean } | undefined {
  const prov = [...source.provenance].reverse();
  const exact = prov.find((p) => p.modelHash === bundle.hash);
  if (exact) return { reason: `already corrected by model ${exact.model} (${exact.modelHash.slice(0, 12)}) at ${exact.time}`, same: true };
  const named = prov.find((p) => p.model === bundle.manifest.name && p.kind === bundle.manifest.kind);
  if (named) return { reason: `already corrected by another version of model ${named.model} (${String(named.modelHash).slice(0, 12)}, this one is ${bundle.hash.slice(0, 12)}) at ${named.time}`, same: false };
  const have = new Set(source.columns.map((c) => c.name));
  const present = outputs.filter((o) => have.has(o));
  if (present.length) return { reason: `already has column${present.length > 1 ? 's' : ''} ${present.join(', ')}`, same: false };
  return undefined;
}

function countNonFinite(c: Column, rows: number, selected: Uint8Array | undefined): number {
  let n = 0;
  if (isJagged(c)) {
    const v = c.values as ArrayLike<number>;
    for (let i = 0; i < rows; i++) {
      if (selected && !selected[i]) continue;
      for (let k = c.offsets[i]; k < c.offsets[i + 1]; k++) if (typeof v[k] === 'number' && !Number.isFinite(v[k])) n++;
    }
    return n;
  }
  if (!(c instanceof Float32Array || c instanceof Float64Array)) return 0;
  for (let i = 0; i < rows; i++) if ((!selected || selected[i]) && !Number.isFinite(c[i])) n++;
  return n;
}

interface RunContext {
  opts: ApplyOptions;
  bundle: Bundle;
  binder: { bind(file: FileContext): Corrector };
  where?: CompiledExpression;
  /** Outputs and draw keys are relative to this folder. */
  base: string;
  eventsBar: ProgressBar;
  /** Called once per opened file with its row count (grows the events bar's total). */
  addRows(rows: number): void;
}

async function processFile(file: string, ctx: RunContext): Promise<FileResult> {
  const t0 = Date.now();
  const { opts, bundle } = ctx;
  const result: FileResult = { file, status: 'failed', rows: 0, selected: 0, nonFiniteInputs: 0, nonFiniteOutputs: 0, outOfRange: 0, seconds: 0 };
  let source: TableSource | undefined;
  let writer: OutputWriter | undefined;
  let lock: FileLock | undefined;
  try {
    const outPath = outputPathFor(file, { ...opts, base: ctx.base });
    result.output = outPath;
    checkOutputPath(file, outPath, opts);
    // The file about to be replaced (the input with --in-place, else the output) is locked against a
    // concurrent run for the whole read-correct-verify-rename.
    // (A missing input has nothing to lock: openTable below says "file not found".)
    if (!opts.inPlace || existsSync(file)) lock = await lockFile(outPath, { waitSeconds: opts.waitLock });
    cleanStaleTemps(outPath);
    source = await openTable(file, { tree: opts.tree });
    result.rows = source.rows;
    ctx.addRows(source.rows);
    if (source.rows === 0) throw new NtcorrError(`${file}: the file has 0 rows; nothing to correct`, { file });
    const corrector = ctx.binder.bind({ file, key: drawKey(file, ctx.base), columns: source.columns.map((c) => c.name), rows: source.rows });
    checkDeclared(bundle, corrector.outputs);
    const outputs = corrector.outputs.map((o) => o.name);
    const skip = await skipOrRefuse(file, outPath, source, outputs, ctx);
    if (skip) { result.status = 'skipped'; result.reason = skip; return result; }

    const missing = ctx.where?.missing(source.columns.map((c) => c.name)) ?? [];
    if (missing.length) throw new NtcorrError(`${file}: --where needs column "${missing[0]}", which the file does not have`, { file, column: missing[0] });
    const provenance = provenanceRecord(ctx, outputs);
    writer = await (await formatFor(outPath)).createWriter(source, outPath, corrector.outputs, { mode: opts.mode ?? 'full', compression: opts.compression, provenance, dropUnreadable: opts.dropUnreadable });
    await correctChunks(file, source, corrector, writer, ctx, result);
    provenance.counts = { rows: result.rows, selected: result.selected, nonFiniteInputs: result.nonFiniteInputs, nonFiniteOutputs: result.nonFiniteOutputs, outOfRange: result.outOfRange };
    await corrector.close?.();
    await source.close();
    source = undefined;
    await writer.finish();
    writer = undefined;
    result.status = 'done';
  } catch (e) {
    result.status = 'failed';
    result.reason = failureReason(file, e);
  } finally {
    await writer?.abort().catch(() => {});
    await source?.close().catch(() => {});
    lock?.release();
    result.seconds = (Date.now() - t0) / 1000;
  }
  return result;
}

/** A new output file must be a writable path in an existing (or creatable) folder. */
function checkOutputPath(file: string, outPath: string, opts: ApplyOptions): void {
  if (opts.inPlace) return;
  const problem = pathProblem(outPath);
  if (problem) throw new NtcorrError(`${file}: output ${outPath}: ${problem}`, { file });
  ensureFolder(dirname(outPath), 'output folder');
}

/**
 * A file this model already corrected (or an existing output): the reason to skip it with --skip-done
 * (identical bundle only), else an error without --force; undefined to go on.
 */
async function skipOrRefuse(file: string, outPath: string, source: TableSource, outputs: string[], ctx: RunContext): Promise<string | undefined> {
  const { opts, bundle } = ctx;
  if (opts.force) return undefined;
  const done = alreadyDone(source, bundle, outputs);
  if (done) {
    if (opts.skipDone && done.same) return done.reason;
    throw new NtcorrError(`${file}: ${done.reason}; use --force to re-apply${done.same ? ' or --skip-done to skip such files' : ''}`, { file });
  }
  if (!opts.inPlace && existsSync(outPath)) {
    if (opts.skipDone) {
      const prev = await openTable(outPath, { tree: opts.tree }).catch(() => undefined);
      const why = prev && alreadyDone(prev, bundle, outputs);
      await prev?.close();
      if (why?.same) return `output ${outPath} exists: ${why.reason}`;
    }
    throw new NtcorrError(`${file}: output ${outPath} already exists; use --force to overwrite`, { file });
  }
  return undefined;
}

function provenanceRecord({ opts, bundle }: RunContext, outputs: string[]): ProvenanceRecord {
  return {
    tool: TOOL,
    model: bundle.manifest.name,
    modelHash: bundle.hash,
    kind: bundle.manifest.kind,
    columnsAdded: outputs,
    time: new Date().toISOString(),
    command: opts.command,
    seed: opts.seed,
    ...(opts.where ? { where: opts.where, fill: opts.fill } : {}),
  };
}

/** Reads, selects, corrects and writes chunk by chunk, counting into `result`. */
async function correctChunks(file: string, source: TableSource, corrector: Corrector, writer: OutputWriter, ctx: RunContext, result: FileResult): Promise<void> {
  const { opts, bundle } = ctx;
  const read = [...new Set([...corrector.inputs, ...(ctx.where?.columns ?? [])])];
  for await (const chunk of source.chunks(read, opts.chunkRows)) {
    let selected: Uint8Array | undefined;
    if (ctx.where) {
      try {
        selected = ctx.where.evalMask(chunk.columns, chunk.rows);
      } catch (e) {
        throw new NtcorrError(`${file}: --where: ${errorMessage(e)}`, { file });
      }
      for (let i = 0; i < chunk.rows; i++) result.selected += selected[i];
    } else {
      result.selected += chunk.rows;
    }
    const { columns, stats } = await corrector.process(chunk, selected);
    for (const o of corrector.outputs) {
      const c = columns.get(o.name);
      const len = c === undefined ? -1 : isJagged(c) ? c.offsets.length - 1 : c.length;
      // Row alignment is the pipeline's invariant: a corrector must return exactly one value per row.
      if (len !== chunk.rows) throw new Error(`internal: ${bundle.manifest.kind} corrector returned ${len} rows for ${o.name}, chunk has ${chunk.rows}`);
      result.nonFiniteOutputs += countNonFinite(c!, chunk.rows, selected);
    }
    result.nonFiniteInputs += stats.nonFinite;
    result.outOfRange += stats.outOfRange;
    await writer.append(columns, chunk.rows);
    ctx.eventsBar.increment(chunk.rows);
  }
}

/**
 * Every reason names its file (a corrector's or expression's error may only name the column). An error
 * that is not an NtcorrError is a bug in ntcorr (or a library), and says so.
 */
function failureReason(file: string, e: unknown): string {
  const msg = e instanceof NtcorrError ? errorMessage(e) : `internal error: ${errorMessage(e)}${settings.debug ? '' : ' (NTCORR_DEBUG=1 prints the stack)'}`;
  if (!(e instanceof NtcorrError) && settings.debug) console.error(e);
  return msg.includes(file) ? msg : `${file}: ${msg}`;
}

/**
 * A bundle writes only the columns its model.json declares (`outputs`), with the declared type and
 * nesting: what `inspect`, `--skip-done` and downstream tools read from model.json is what files get.
 */
export function checkDeclared(bundle: Bundle, outputs: readonly OutputSpec[]): void {
  const declared = new Map(bundle.manifest.outputs.map((o) => [o.name, o]));
  for (const o of outputs) {
    const d = declared.get(o.name);
    const where = `model bundle ${bundle.dir}`;
    if (!d) throw new NtcorrError(`${where}: writes column "${o.name}", which its model.json does not declare (outputs: ${[...declared.keys()].join(', ')}); add it to "outputs"`, { file: bundle.dir, column: o.name });
    if ((d.type ?? 'float32') !== (o.type ?? 'float32')) throw new NtcorrError(`${where}: column "${o.name}" is declared ${d.type ?? 'float32'} in model.json but written as ${o.type ?? 'float32'}`, { file: bundle.dir, column: o.name });
    if (!!d.jagged !== !!o.jagged) throw new NtcorrError(`${where}: column "${o.name}" is declared ${d.jagged ? 'jagged' : 'flat'} in model.json but written ${o.jagged ? 'jagged' : 'flat'}`, { file: bundle.dir, column: o.name });
  }
}

/** Runs `apply` over every input; never throws for a bad file (it fails alone), only for bad options/models. */
export async function runApply(opts: ApplyOptions): Promise<ApplySummary> {
  const t0 = Date.now();
  if (opts.inPlace && opts.outDir) throw new NtcorrError('give either --out-dir or --in-place, not both');
  if (!opts.inPlace && !opts.outDir) throw new NtcorrError('give --out-dir DIR (new files) or --in-place (replace inputs safely)');
  if (opts.force && opts.skipDone) throw new NtcorrError('--force and --skip-done contradict each other');
  if (!(opts.chunkRows >= 1)) throw new NtcorrError(`--chunk-rows must be >= 1 (got ${opts.chunkRows})`);
  if (!(opts.jobs >= 1)) throw new NtcorrError(`--jobs must be >= 1 (got ${opts.jobs})`);
  if (opts.waitLock !== undefined && !(opts.waitLock >= 0)) throw new NtcorrError(`--wait-lock must be a number of seconds >= 0 (got ${opts.waitLock})`);
  if (opts.outDir !== undefined) {
    if (opts.outDir === '') throw new NtcorrError('--out-dir "": give a folder');
    if (existsSync(opts.outDir) && !statSync(opts.outDir).isDirectory()) throw new NtcorrError(`--out-dir ${opts.outDir}: is a file, expected a folder`, { file: opts.outDir });
  }
  const where = compileSelection(opts.where);
  const { files, unmatched } = await expandInputs(opts.inputs);
  if (files.length === 0 && unmatched.length === 0) throw new NtcorrError('no input files');
  const base = baseFor(files, opts.base);
  // Output paths are fixed (and checked for collisions) before any file is touched.
  if (!opts.inPlace) checkOutputPlan(files, files.map((f) => outputPathFor(f, { ...opts, base })));
  const bundle = loadBundle(opts.model);
  const kind = await correctionKind(bundle.manifest.kind, bundle.dir);
  const loaded = await kind.load(bundle, { backend: opts.backend, device: opts.device, seed: opts.seed, fill: opts.fill, threads: opts.threads });

  const progress = createProgress({ quiet: opts.quiet });
  const filesBar = progress.bar('files ', files.length, 'files');
  const eventsBar = progress.bar('events', 0, 'events');
  let totalRows = 0;
  const ctx: RunContext = {
    opts, bundle, where, base,
    binder: loaded,
    eventsBar,
    addRows(n) {
      totalRows += n;
      eventsBar.setTotal(Math.max(totalRows, 1));
    },
  };
  const limit = pLimit(opts.jobs);
  const results = await Promise.all(files.map((f) => limit(async () => {
    const r = await processFile(f, ctx);
    filesBar.increment(1);
    opts.log?.(`${r.status.padEnd(7)} ${r.status === 'failed' ? r.reason : `${f}${r.reason ? `: ${r.reason}` : ` (${r.rows} rows, ${r.seconds.toFixed(1)} s)`}`}`);
    return r;
  })));
  progress.stop();
  await loaded.close?.();
  // A pattern that matched nothing fails like a bad file: the others ran, the exit code says so.
  for (const u of unmatched) {
    const r: FileResult = { file: u, status: 'failed', reason: unmatchedMessage(u), rows: 0, selected: 0, nonFiniteInputs: 0, nonFiniteOutputs: 0, outOfRange: 0, seconds: 0 };
    opts.log?.(`failed  ${r.reason}`);
    results.push(r);
  }
  return {
    files: results,
    done: results.filter((r) => r.status === 'done').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    failed: results.filter((r) => r.status === 'failed').length,
    rows: results.reduce((a, r) => a + (r.status === 'done' ? r.rows : 0), 0),
    seconds: (Date.now() - t0) / 1000,
  };
}

/** The end-of-run table: one line per file, then totals. */
export function formatSummary(s: ApplySummary): string {
  const lines = ['status   rows        selected    nan/inf-in  nan/inf-out  time(s)  file / reason'];
  for (const r of s.files) {
    const num = (n: number) => String(n).padEnd(11);
    lines.push(`${r.status.padEnd(8)} ${num(r.rows)} ${num(r.selected)} ${num(r.nonFiniteInputs)} ${num(r.nonFiniteOutputs)} ${r.seconds.toFixed(1).padEnd(8)} ${r.file}${r.reason ? `\n         -> ${r.reason}` : ''}`);
  }
  const rate = s.seconds > 0 ? Math.round(s.rows / s.seconds) : 0;
  lines.push(`${s.done} done, ${s.skipped} skipped, ${s.failed} failed; ${s.rows} rows in ${s.seconds.toFixed(1)} s (${rate} events/s)`);
  return lines.join('\n');
}
