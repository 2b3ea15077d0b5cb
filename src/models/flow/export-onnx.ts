import type { Bundle } from '../../bundle/bundle.js';
import { TOOL, VERSION } from '../../core/version.js';
import { flowFromBundle } from './bundle-io.js';
import { flowOnnxModel, type FlowGraphKind, type SplineDType } from './onnx-flow.js';

/**
 * `export-onnx` for flow bundles: one ONNX model (opset 18) per graph, because ONNX Runtime runs every node
 * of a model whatever outputs are requested (measured: asking a forward+correction model for y alone costs
 * as much as the correction), so one model with all outputs would make every use pay for all of them:
 *   forward    inputs x [N, F], c [N, C] -> y [N, F] (latent z = T(x | c)), ladj [N] (log|det dT/dx|), log_prob [N]
 *   correction inputs x, c                -> x_corr [N, F] = T^-1(T(x | c, is-data 0) | c, is-data 1) (c's last column ignored)
 *   inverse    inputs z, c                -> x_inv [N, F] = T^-1(z | c)
 * Values are in the flow's preprocessed space (the bundle's preprocessing, stored as metadata, stays on the
 * host: its isolation draws are seeded per file and row).
 */
export type ExportGraph = 'forward' | 'correction' | 'inverse';
export const EXPORT_GRAPHS: ExportGraph[] = ['forward', 'correction', 'inverse'];

const KINDS: Record<ExportGraph, FlowGraphKind[]> = { forward: ['forward', 'log_prob'], correction: ['correction'], inverse: ['inverse'] };

export function exportFlowOnnx(bundle: Bundle, graph: ExportGraph, precision: SplineDType = 'float64'): Uint8Array {
  const { config, weights } = flowFromBundle(bundle);
  const graphs = KINDS[graph];
  return flowOnnxModel(weights, graphs, {
    precision,
    producer: 'ntcorr',
    producerVersion: VERSION,
    doc: `zuko-compatible NSF "${bundle.manifest.name}" exported by ${TOOL}; inputs are preprocessed values (see metadata ntcorr.preprocessing)`,
    metadata: {
      'ntcorr.model': bundle.manifest.name,
      'ntcorr.bundle_hash': bundle.hash,
      'ntcorr.graph': graph,
      'ntcorr.spline_precision': precision,
      'ntcorr.variables': JSON.stringify(config.variables),
      'ntcorr.conditions': JSON.stringify([...config.conditions, config.isDataFlag]),
      'ntcorr.architecture': JSON.stringify(config.architecture),
      'ntcorr.preprocessing': JSON.stringify(config.preprocessing ?? null),
    },
  });
}
