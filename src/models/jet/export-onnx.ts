import type { Bundle } from '../../bundle/bundle.js';
import { writeFileAtomic } from '../../core/atomic.js';
import { NtcorrError } from '../../core/errors.js';
import { TOOL } from '../../core/version.js';
import type { JetBundleConfig } from './kind.js';
import { normalizeArch } from './network.js';
import { jetOnnxGraph, unsupportedBlocks } from './onnx-graph.js';

/**
 * `ntcorr export-onnx` for jet-regression bundles: the network (onnx-graph.ts; inputs are the transformed
 * features, see its comment) as one .onnx file. The bundle's feature settings and transform go into the
 * model's metadata_props (`ntcorr.config`, JSON) so the file documents how its inputs are made.
 */
export async function exportOnnx(bundle: Bundle, out: string): Promise<{ files: string[]; summary: string }> {
  const c = bundle.manifest.config as unknown as JetBundleConfig;
  if (!c?.arch) throw new NtcorrError(`model bundle ${bundle.dir}: config has no arch (not a jet-regression bundle written by train jet?)`, { file: bundle.dir });
  const missing = unsupportedBlocks(c.arch);
  if (missing.length) throw new NtcorrError(`model bundle ${bundle.dir}: its network has ${missing.join(', ')}, which this version cannot write as ONNX (a newer ntcorr's bundle?)`, { file: bundle.dir });
  const arch = normalizeArch(c.arch);
  const tensors = bundle.tensors();
  const bytes = jetOnnxGraph(arch, (name) => {
    const t = tensors.get(name);
    if (!t) throw new NtcorrError(`model bundle ${bundle.dir}: weights.bin has no tensor ${name}`, { file: bundle.dir });
    return t.data as Float32Array;
  }, {
    producerVersion: TOOL,
    doc: `ntcorr jet-regression network of bundle ${bundle.manifest.name}: pred = log(pt_gen / pt); pt_corr = pt * exp(pred)`,
    metadata: {
      'ntcorr.bundle': bundle.manifest.name,
      'ntcorr.bundle_hash': bundle.hash,
      'ntcorr.kind': bundle.manifest.kind,
      'ntcorr.config': JSON.stringify({ features: c.features, transform: c.transform, jet: c.jet, arch }), // normalized: block types as the graph has them
    },
  });
  await writeFileAtomic(out, bytes);
  const inputs = [
    ...(arch.global ? [`global [jets, ${arch.global}]`] : []),
    ...(arch.globalCategories ?? []).map((_, j) => `global_cat${j} int64 [jets]`),
    ...arch.types.flatMap((t) => [`${t.name}_num [jets, L, ${t.numerical}]`, ...t.categories.map((_, j) => `${t.name}_cat${j} int64 [jets, L]`), `${t.name}_mask [jets, L]`]),
  ];
  return { files: [out], summary: `inputs: ${inputs.join('; ')}; output: pred [jets, 1] = log(pt_gen / pt)` };
}
