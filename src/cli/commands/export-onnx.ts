import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';

interface ExportArgs {
  bundle: string;
  out: string;
  graphs: string;
  precision: string;
  force: boolean;
}

/** FILE.onnx -> FILE.<graph>.onnx (several graphs); one graph is written to FILE itself. */
export function exportPaths(out: string, graphs: string[]): string[] {
  if (graphs.length === 1) return [out];
  const stem = out.endsWith('.onnx') ? out.slice(0, -5) : out;
  return graphs.map((g) => `${stem}.${g}.onnx`);
}

/**
 * `ntcorr export-onnx BUNDLE -o FILE.onnx`: a bundle's network as ONNX models that ONNX Runtime (Python,
 * C++, CMSSW) loads. Flow bundles: one model per graph (forward, correction, inverse); jet-regression
 * bundles: the Deep Sets network (inputs global, <type>_num, <type>_cat<j>, <type>_mask; output pred).
 */
export const command: CommandModule<object, ExportArgs> = {
  command: 'export-onnx <bundle>',
  describe: 'Export a flow or jet-regression bundle as ONNX (loadable by onnxruntime)',
  builder: (y) =>
    y
      .positional('bundle', { type: 'string', demandOption: true, describe: 'Model bundle folder (with model.json)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'ONNX file; for a flow with several --graphs, FILE.<graph>.onnx each' })
      .option('graphs', { type: 'string', default: 'forward,correction,inverse', describe: 'Flows: comma list of forward (outputs y, ladj, log_prob), correction (x_corr), inverse (x_inv from input z)' })
      .option('precision', { type: 'string', default: 'float64', choices: ['float64', 'float32'], describe: 'Flows: arithmetic of the spline and of values between transforms (MADE layers are float32 either way)' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite existing output files' })
      .example('ntcorr export-onnx models/zee-flow -o zee-flow.onnx', 'zee-flow.forward.onnx, zee-flow.correction.onnx, zee-flow.inverse.onnx')
      .example('ntcorr export-onnx models/zee-flow -o corr.onnx --graphs correction', 'The correction alone, in corr.onnx')
      .example('ntcorr export-onnx models/jet-deepsets-small -o jet.onnx', 'The jet network'),
  handler: async (argv) => {
    const { NtcorrError } = await import('../../core/errors.js');
    const { loadBundle } = await import('../../bundle/bundle.js');
    const bundle = loadBundle(argv.bundle);
    const kind = bundle.manifest.kind;
    if (kind === 'jet-regression') {
      if (existsSync(argv.out) && !argv.force) throw new NtcorrError(`export-onnx: ${argv.out} exists (use --force to overwrite)`, { file: argv.out });
      const { exportOnnx } = await import('../../models/jet/export-onnx.js');
      const r = await exportOnnx(bundle, argv.out);
      console.log(`wrote ${r.files.join(', ')} (${kind} ${bundle.manifest.name}); ${r.summary}`);
      return;
    }
    if (kind !== 'flow') throw new NtcorrError(`export-onnx: bundles of kind ${kind} cannot be exported (exportable: jet-regression, flow)`, { file: argv.bundle });
    const { writeFileAtomic } = await import('../../core/atomic.js');
    const { exportFlowOnnx, EXPORT_GRAPHS } = await import('../../models/flow/export-onnx.js');
    const graphs = [...new Set(argv.graphs.split(',').map((g) => g.trim()).filter(Boolean))];
    const bad = graphs.find((g) => !(EXPORT_GRAPHS as string[]).includes(g));
    if (bad !== undefined || graphs.length === 0) throw new NtcorrError(`--graphs: expected a comma list of ${EXPORT_GRAPHS.join(', ')}, got "${argv.graphs}"`);
    const paths = exportPaths(argv.out, graphs);
    const taken = paths.find((p) => existsSync(p));
    if (taken && !argv.force) throw new NtcorrError(`${taken} exists; give --force to overwrite it`, { file: taken });
    for (let i = 0; i < graphs.length; i++) {
      const bytes = exportFlowOnnx(bundle, graphs[i] as (typeof EXPORT_GRAPHS)[number], argv.precision as 'float64' | 'float32');
      await writeFileAtomic(paths[i], bytes);
      console.log(`${paths[i]}: ONNX opset 18, ${(bytes.length / 1e6).toFixed(1)} MB, ${graphs[i]} of flow ${bundle.manifest.name}`);
    }
  },
};
