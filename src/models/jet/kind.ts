import type { Column, JaggedColumn } from '../../core/columns.js';
import { NtcorrError } from '../../core/errors.js';
import type { OutputSpec } from '../../bundle/manifest.js';
import { initBackend } from '../../compute/backend.js';
import { onnxAvailable } from '../../compute/engine.js';
import { openJetPredictor } from './pool.js';
import { computeThreads } from '../threads.js';
import { unsupportedBlocks } from './onnx-graph.js';
import { Params } from '../../nn/params.js';
import { fillPlan } from '../fill.js';
import type { ChunkStats, CorrectionKind, Corrector, FileContext, KindOptions } from '../types.js';
import type { JetConfig } from './config.js';
import { buildJetBlock, jetInputColumns } from './features.js';
import { normalizeArch, predictBlock, type JetArch } from './network.js';
import type { Transform } from './transform.js';
import { fileColumnName, toEventJets, type CollectionSpec } from './collection.js';

/** What a jet-regression bundle's model.json `config` holds (written by train jet). */
export interface JetBundleConfig {
  arch: JetArch;
  transform: Transform;
  features: { global: string[]; globalCategorical?: string[]; types: ({ name: string } & JetConfig['types'][number]['features'])[] };
  jet: JetConfig['jet'];
  apply?: ApplySettings;
}

export interface ApplySettings {
  /** Corrected pt column (default pt_corr; with a collection, <prefix>pt_corr). */
  output?: string;
  /** Also write the raw prediction log(pt_gen/pt) under this name. */
  raw_output?: string;
  /** Jets as a per-event collection (jagged jet columns with this prefix); see collection.ts. */
  collection?: CollectionSpec;
}

/** Rebuilds the JetConfig subset that feature building needs from a bundle. */
export function configFromBundle(c: JetBundleConfig): JetConfig {
  const arch = normalizeArch(c.arch);
  return {
    jet: c.jet,
    global: { numerical: c.features.global, numerical_branches: c.features.global, categorical: c.features.globalCategorical ?? [], embeddings: {}, unknown: arch.globalUnknown ?? 'row' },
    types: c.features.types.map((t, k) => ({ name: t.name, features: t, block: arch.types[k].block, embeddings: {}, unknown: arch.types[k].unknown })),
  } as unknown as JetConfig;
}

export const kind: CorrectionKind = {
  kind: 'jet-regression',
  async load(bundle, options: KindOptions) {
    const c = bundle.manifest.config as unknown as JetBundleConfig;
    if (!c?.arch || !c.transform || !c.features) throw new NtcorrError(`model bundle ${bundle.dir}: config lacks arch/transform/features (not a jet-regression bundle written by train jet?)`, { file: bundle.dir });
    const cfg = configFromBundle(c);
    const arch = normalizeArch(c.arch);
    // --backend onnx, or auto where ONNX Runtime loads and the graph emitter knows the whole arch: the engine;
    // else tfjs (wasm/cpu/tensorflow)
    const request = options.backend ?? 'auto';
    const missing = unsupportedBlocks(c.arch); // the stored arch: normalizeArch drops what it does not know
    if (request === 'onnx' && missing.length) throw new NtcorrError(`model bundle ${bundle.dir}: --backend onnx: the ONNX graph emitter does not know ${missing.join(', ')} yet (use --backend wasm)`, { file: bundle.dir });
    const useOnnx = request === 'onnx' || (request === 'auto' && missing.length === 0 && onnxAvailable());
    const tensors = bundle.tensors();
    const weight = (name: string): Float32Array => {
      const t = tensors.get(name);
      if (!t) throw new NtcorrError(`model bundle ${bundle.dir}: weights.bin has no tensor ${name}`, { file: bundle.dir });
      return t.data as Float32Array;
    };
    const device = options.device ?? 'cpu';
    const runner = useOnnx ? await openJetPredictor(c.arch, weight, { device, threads: computeThreads(options), label: `model bundle ${bundle.dir}` }) : undefined;
    if (!runner) await initBackend(request);
    const params = new Params();
    if (!runner) for (const [name, t] of tensors) params.add(name, t.shape, t.data as Float32Array);
    const apply = c.apply ?? {};
    const coll = apply.collection;
    const out = apply.output ?? `${coll?.prefix ?? ''}pt_corr`;
    const raw = apply.raw_output;
    const needed = jetInputColumns(cfg, false);
    return {
      bind(file: FileContext): Corrector {
        const has = new Set(file.columns);
        const inputs = coll ? [...needed.map((n) => fileColumnName(cfg, coll, n)), ...Object.values(coll.constituent_jet_index)] : needed;
        for (const n of inputs) if (!has.has(n)) throw new NtcorrError(`${file.file}: column ${n} not found (input of jet-regression model ${bundle.manifest.name})`, { file: file.file, column: n });
        const outputs: OutputSpec[] = [{ name: out, type: 'float32', jagged: !!coll, description: 'pt * exp(DNN prediction of log(pt_gen/pt))' }];
        if (raw) outputs.push({ name: raw, type: 'float32', jagged: !!coll, description: 'DNN prediction of log(pt_gen/pt)' });
        // --fill (models/fill.ts): jets of unselected events
        const fills = fillPlan(options.fill, has, outputs);
        inputs.push(...fills.reads);
        return {
          inputs: [...new Set(inputs)],
          outputs,
          async process(chunk, selected) {
            const stats: ChunkStats = { nonFinite: 0, outOfRange: 0 };
            // one jet per entry, or a per-event collection flattened to jets (eventOf maps jet -> entry)
            const view = coll ? toEventJets(chunk.columns, chunk.rows, cfg, coll, file.file, needed) : { columns: chunk.columns, jets: chunk.rows, eventOffsets: undefined };
            const block = buildJetBlock(view.columns, view.jets, cfg, c.transform, file.file, false);
            const pred = runner ? await runner.predict(block) : predictBlock(params, arch, block);
            const keepCorr = fills.elements(out, chunk, view.jets, file.file);
            const keepRaw = raw ? fills.elements(raw, chunk, view.jets, file.file) : undefined;
            const corr = new Float32Array(view.jets);
            const rawOut = new Float32Array(view.jets);
            for (let j = 0; j < view.jets; j++) {
              const ev = view.eventOffsets ? eventOf(view.eventOffsets, j) : j;
              if (selected && !selected[ev]) { corr[j] = keepCorr ? keepCorr[j] : NaN; rawOut[j] = keepRaw ? keepRaw[j] : NaN; continue; }
              const v = block.pt[j] * Math.exp(pred[j]);
              if (!Number.isFinite(v)) stats.nonFinite++;
              corr[j] = Number.isFinite(v) ? v : NaN;
              rawOut[j] = pred[j];
            }
            const wrap = (a: Float32Array): Column => (view.eventOffsets ? ({ offsets: view.eventOffsets, values: a } as JaggedColumn) : a);
            const cols = new Map<string, Column>([[out, wrap(corr)]]);
            if (raw) cols.set(raw, wrap(rawOut));
            return { columns: cols, stats };
          },
        };
      },
      async close() { params.dispose(); await runner?.close(); },
    };
  },
};

function eventOf(offsets: Int32Array, jet: number): number {
  let lo = 0, hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= jet) lo = mid; else hi = mid - 1;
  }
  return lo;
}

