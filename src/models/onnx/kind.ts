import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allocate, isJagged, type Column, type DType, type NumericArray } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import type { Bundle } from '../../bundle/bundle.js';
import { compileExpression, type CompiledExpression } from '../../expr/index.js';
import { fillPlan } from '../fill.js';
import type { ChunkStats, CorrectionKind, Corrector, FileContext, KindOptions } from '../types.js';
import { parseOnnxConfig, type OnnxConfig } from './config.js';
import { evalColumn } from './expressions.js';
import { mljecBuilder } from './mljec.js';
import { specBuilder, type FeedBuilder } from './pack.js';
import { Session } from '../../compute/engine.js';
import { describeInputs, readSignature, type Signature, type TensorInfo } from './signature.js';

/**
 * `onnx`: any ONNX network applied like a bundle (config in config.ts, README "ONNX models"). Rows are
 * evaluated in batches of the selected rows only; outputs are per row (a chosen position of an output
 * tensor's per-row values), then post expressions; the columns written are the manifest's outputs.
 */
function compile(bundle: Bundle, key: string, name: string, src: string): CompiledExpression {
  try {
    return compileExpression(src);
  } catch (e) {
    throw new NtcorrError(`model bundle ${bundle.dir}: config.${key}.${name}: ${(e as Error).message}`, { file: bundle.dir });
  }
}

/** Checks the config against the model's declared inputs and outputs. */
function checkSignature(bundle: Bundle, cfg: OnnxConfig, model: Signature, builder: FeedBuilder): void {
  const have = new Set(model.inputs.map((i) => i.name));
  const sig = `model inputs: ${describeInputs(model)}`;
  for (const f of builder.fills) if (!have.has(f)) throw new NtcorrError(`model bundle ${bundle.dir}: the config feeds "${f}", which ${cfg.model} does not have (${sig})`, { file: bundle.dir });
  const unfed = model.inputs.filter((i) => !builder.fills.includes(i.name));
  if (unfed.length) throw new NtcorrError(`model bundle ${bundle.dir}: ${cfg.model} input${unfed.length > 1 ? 's' : ''} ${unfed.map((i) => i.name).join(', ')} not fed by the config (${sig})`, { file: bundle.dir });
  const outs = new Set(model.outputs.map((o) => o.name));
  for (const o of cfg.outputs) if (!outs.has(o.tensor)) throw new NtcorrError(`model bundle ${bundle.dir}: config.outputs.${o.column}: ${cfg.model} has no output "${o.tensor}" (outputs: ${[...outs].join(', ')})`, { file: bundle.dir });
}

/** A fixed batch dimension declared by the model (first dim of a row-batched input), if any. */
function fixedBatch(model: Signature, batched: string[]): number | undefined {
  let fixed: number | undefined;
  for (const i of model.inputs) if (batched.includes(i.name) && typeof i.shape[0] === 'number' && i.shape[0] > 0) fixed = i.shape[0];
  return fixed;
}

export interface OnnxRunner {
  session: Session;
  builder: FeedBuilder;
  batch: number;
  fixed: boolean;
}

/** Runs the network on rows `idx` and returns each bound output's per-row values (float64, NaN elsewhere). */
export async function runRows(r: OnnxRunner, cfg: OnnxConfig, env: Map<string, Column>, rows: number, idx: Int32Array, bad: Uint8Array, file: string): Promise<Map<string, Float64Array>> {
  const out = new Map(cfg.outputs.map((o) => [o.column, new Float64Array(rows).fill(NaN)]));
  const fetch = [...new Set(cfg.outputs.map((o) => o.tensor))];
  for (let s = 0; s < idx.length; s += r.batch) {
    const part = idx.subarray(s, Math.min(s + r.batch, idx.length));
    const B = r.fixed ? r.batch : part.length;
    const feeds = r.builder.build(env, part, B, bad, file);
    let res;
    try {
      res = await r.session.run(feeds, fetch);
    } catch (e) {
      throw new NtcorrError(`${file}: ONNX model ${cfg.model} failed on rows ${part[0]}..${part[part.length - 1]} of the chunk: ${(e as Error).message}`, { file });
    }
    for (const o of cfg.outputs) {
      const t = res[o.tensor];
      if (t.dims[0] !== B) throw new NtcorrError(`${file}: ONNX output ${o.tensor} has shape [${t.dims.join(', ')}], expected ${B} rows first`, { file });
      const per = t.data.length / B;
      if (o.index === undefined && per !== 1) throw new NtcorrError(`model bundle: config.outputs.${o.column}: output ${o.tensor} has ${per} values per row (shape [${t.dims.join(', ')}]); give index`, { file });
      const k = o.index ?? 0;
      if (k >= per) throw new NtcorrError(`model bundle: config.outputs.${o.column}: index ${k} is outside the ${per} values per row of ${o.tensor}`, { file });
      const dst = out.get(o.column)!;
      for (let j = 0; j < part.length; j++) dst[part[j]] = Number(t.data[j * per + k]);
    }
  }
  return out;
}

function convert(f: Float64Array, type: DType): NumericArray {
  if (type === 'float64') return f;
  const out = allocate(type, f.length);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) for (let i = 0; i < f.length; i++) out[i] = BigInt(Number.isFinite(f[i]) ? Math.trunc(f[i]) : 0);
  else if (type === 'bool') for (let i = 0; i < f.length; i++) out[i] = f[i] !== 0 && f[i] === f[i] ? 1 : 0;
  else (out as Float32Array).set(f);
  return out;
}

export const kind: CorrectionKind = {
  kind: 'onnx',
  async load(bundle, options: KindOptions) {
    const cfg = parseOnnxConfig(bundle.dir, bundle.manifest.config);
    const path = join(bundle.dir, cfg.model);
    if (!existsSync(path)) throw new NtcorrError(`model bundle ${bundle.dir}: ${cfg.model} is missing (config.model names the .onnx file inside the bundle folder)`, { file: bundle.dir });
    const { bytes, signature: model } = readSignature(path);
    const infos = new Map<string, TensorInfo>(model.inputs.map((i) => [i.name, i]));
    const builder = cfg.mljec ? mljecBuilder(bundle.dir, cfg.mljec, infos) : specBuilder(cfg.inputs, infos);
    checkSignature(bundle, cfg, model, builder);
    // ONNX Runtime on the device asked for (default cpu), one intra-op thread unless --threads says more
    const device = options.device ?? 'cpu';
    const session = await Session.create(bytes, { device, threads: options.threads ?? 1, label: `model bundle ${bundle.dir}: ${cfg.model}` });
    const fb = fixedBatch(model, builder.batched);
    const runner: OnnxRunner = { session, builder, batch: fb ?? cfg.batchSize, fixed: fb !== undefined };
    const pre = cfg.pre.map(([n, e]) => ({ name: n, expr: compile(bundle, 'pre', n, e) }));
    const post = cfg.post.map(([n, e]) => ({ name: n, expr: compile(bundle, 'post', n, e) }));
    const computed = new Set([...cfg.outputs.map((o) => o.column), ...post.map((p) => p.name)]);
    const written: OutputSpec[] = bundle.manifest.outputs.map((o) => ({ ...o, type: o.type ?? 'float32' }));
    if (written.length === 0) throw new NtcorrError(`model bundle ${bundle.dir}: model.json lists no outputs (the columns to write: config.outputs or config.post names)`, { file: bundle.dir });
    for (const o of written) {
      if (!computed.has(o.name)) throw new NtcorrError(`model bundle ${bundle.dir}: output ${o.name} is neither in config.outputs nor config.post`, { file: bundle.dir });
      if (o.jagged) throw new NtcorrError(`model bundle ${bundle.dir}: output ${o.name}: onnx outputs are one value per row (jagged outputs are not supported)`, { file: bundle.dir });
    }
    // columns to read from the file: everything referenced that no earlier step defines
    const defined = new Set<string>();
    const reads = new Set<string>();
    const use = (c: string) => { if (!defined.has(c)) reads.add(c); };
    for (const p of pre) { p.expr.columns.forEach(use); defined.add(p.name); }
    builder.columns.forEach(use);
    cfg.outputs.forEach((o) => defined.add(o.column));
    for (const p of post) { p.expr.columns.forEach(use); defined.add(p.name); }
    return {
      bind(file: FileContext): Corrector {
        const has = new Set(file.columns);
        for (const c of reads) if (!has.has(c)) throw new NtcorrError(`${file.file}: column ${c} not found (needed by ONNX model ${bundle.manifest.name})`, { file: file.file, column: c });
        // --fill (models/fill.ts): rows outside the selection
        const fills = fillPlan(options.fill, has, written);
        return {
          inputs: [...new Set([...reads, ...fills.reads])],
          outputs: written,
          async process(chunk, selected) {
            const rows = chunk.rows;
            const env = new Map(chunk.columns);
            for (const p of pre) env.set(p.name, evalColumn(p.expr, env, rows, file.file));
            builder.prepare?.(env, rows, file.file);
            let n = 0;
            const idx = new Int32Array(rows);
            for (let i = 0; i < rows; i++) if (!selected || selected[i]) idx[n++] = i;
            const bad = new Uint8Array(rows);
            const outs = await runRows(runner, cfg, env, rows, idx.subarray(0, n), bad, file.file);
            for (const [k, v] of outs) env.set(k, v);
            for (const p of post) {
              const v = evalColumn(p.expr, env, rows, file.file);
              if (isJagged(v)) throw new NtcorrError(`model bundle ${bundle.dir}: config.post.${p.name} uses list columns; post expressions give one value per row`, { file: bundle.dir });
              env.set(p.name, v);
            }
            const columns = new Map<string, Column>();
            for (const o of written) {
              const v = Float64Array.from(env.get(o.name) as Float64Array);
              if (selected) {
                const fill = fills.flat(o.name, chunk);
                for (let i = 0; i < rows; i++) if (!selected[i]) v[i] = fill(i);
              }
              columns.set(o.name, convert(v, o.type!));
            }
            const stats: ChunkStats = { nonFinite: bad.reduce((a, b) => a + b, 0), outOfRange: 0 };
            return { columns, stats };
          },
        };
      },
      close: () => session.dispose(),
    };
  },
};
