import type { Bundle } from '../../bundle/bundle.js';
import { writeBundle } from '../../bundle/bundle.js';
import type { BundleProvenance, OutputSpec } from '../../bundle/manifest.js';
import { TOOL } from '../../core/version.js';
import type { FlowWeights } from './arch.js';
import { type FlowConfig, checkFlowConfig, outputName, resolveColumn } from './config.js';
import { weightsFromZuko, type NamedTensor } from './zuko.js';

/**
 * Flow bundles: model.json (kind "flow", config = FlowConfig) + weights.bin holding the MADE weights and
 * biases under zuko's state-dict names (`transform.transforms.{t}.hyper.{2l}.weight`, shape (out, in)).
 * Masks are not stored: they follow from the architecture and are rebuilt exactly as zuko builds them.
 */
export function flowTensors(w: FlowWeights): { name: string; shape: number[]; data: Float32Array }[] {
  return w.transforms.flatMap((tr, t) => tr.layers.flatMap((L, l) => {
    const name = `transform.transforms.${t}.hyper.${2 * l}`;
    return [
      { name: `${name}.weight`, shape: [L.out, L.in], data: L.weight },
      { name: `${name}.bias`, shape: [L.out], data: L.bias },
    ];
  }));
}

/** Input and output columns a config reads and writes, over all its collections. */
export function flowColumns(cfg: FlowConfig): { inputs: string[]; outputs: OutputSpec[] } {
  const inputs = new Set<string>();
  const outputs: OutputSpec[] = [];
  for (const col of cfg.collections) {
    for (const v of [...cfg.variables, ...cfg.conditions]) inputs.add(resolveColumn(col, v));
    for (const v of cfg.variables) outputs.push({ name: outputName(cfg, col, v), type: 'float32', description: `${resolveColumn(col, v)} corrected by the flow` });
  }
  return { inputs: [...inputs], outputs };
}

/** Writes a flow bundle into `dir` (created if missing). */
export async function saveFlowBundle(dir: string, opts: { name: string; config: FlowConfig; weights: FlowWeights; provenance: { source: string; [key: string]: unknown } }): Promise<void> {
  checkFlowConfig(opts.config, dir);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const { inputs, outputs } = flowColumns(opts.config);
  await writeBundle(dir, {
    name: opts.name,
    kind: 'flow',
    inputs,
    outputs,
    config: opts.config as unknown as Record<string, unknown>,
    provenance: { createdBy: TOOL, created: new Date().toISOString(), ...opts.provenance },
  }, flowTensors(opts.weights));
}

/** Reads config and weights of a flow bundle, validating both. */
export function flowFromBundle(bundle: Bundle): { config: FlowConfig; weights: FlowWeights } {
  const config = checkFlowConfig(bundle.manifest.config as unknown as FlowConfig, bundle.dir);
  const tensors = bundle.tensors() as Map<string, NamedTensor>;
  return { config, weights: weightsFromZuko(tensors, config.architecture, `${bundle.dir}/weights.bin`) };
}
