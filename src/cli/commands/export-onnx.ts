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
 * `ntcorr export-onnx BUNDLE -o FILE.onnx`: writes a flow bundle as ONNX models that ONNX Runtime (Python,
 * C++, CMSSW) loads: one model per graph (forward, correction, inverse).
 */
export const command: CommandModule<object, ExportArgs> = {
  command: 'export-onnx <bundle>',
  describe: 'Export a flow bundle as ONNX models (forward + log_prob, correction, inverse)',
  builder: (y) =>
    y
      .positional('bundle', { type: 'string', demandOption: true, describe: 'Model bundle folder (with model.json)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'ONNX file; with several --graphs, FILE.<graph>.onnx each' })
      .option('graphs', { type: 'string', default: 'forward,correction,inverse', describe: 'Comma list: forward (outputs y, ladj, log_prob), correction (x_corr), inverse (x_inv from input z)' })
      .option('precision', { type: 'string', default: 'float64', choices: ['float64', 'float32'], describe: 'Arithmetic of the spline and of values between transforms (MADE layers are float32 either way)' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite existing output files' })
      .example('ntcorr export-onnx models/zee-flow -o zee-flow.onnx', 'zee-flow.forward.onnx, zee-flow.correction.onnx, zee-flow.inverse.onnx')
      .example('ntcorr export-onnx models/zee-flow -o corr.onnx --graphs correction', 'The correction alone, in corr.onnx'),
  handler: async (argv) => {
    const { NtcorrError } = await import('../../core/errors.js');
    const { loadBundle } = await import('../../bundle/bundle.js');
    const { writeFileAtomic } = await import('../../core/atomic.js');
    const { exportFlowOnnx, EXPORT_GRAPHS } = await import('../../models/flow/export-onnx.js');
    const bundle = loadBundle(argv.bundle);
    if (bundle.manifest.kind !== 'flow') throw new NtcorrError(`${argv.bundle}: export-onnx supports flow bundles; this bundle is kind "${bundle.manifest.kind}"`, { file: argv.bundle });
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
