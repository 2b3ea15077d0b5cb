import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import type { Bundle } from '../../bundle/bundle.js';
import { NtcorrError } from '../../core/errors.js';

interface ExportArgs {
  bundle: string;
  out: string;
  force: boolean;
}

type Exporter = (bundle: Bundle, out: string) => Promise<{ files: string[]; summary: string }>;

/** One exporter per bundle kind, loaded lazily; kinds add a line here. */
const EXPORTERS: Record<string, () => Promise<{ exportOnnx: Exporter }>> = {
  'jet-regression': () => import('../../models/jet/export-onnx.js'),
};

/** `ntcorr export-onnx BUNDLE -o FILE`: a bundle's network as ONNX, for Python onnxruntime, CMSSW, ... */
export const command: CommandModule<object, ExportArgs> = {
  command: 'export-onnx <bundle>',
  describe: 'Write a model bundle\'s network as an ONNX file (loadable by onnxruntime)',
  builder: (y) =>
    y
      .positional('bundle', { type: 'string', demandOption: true, describe: 'Model bundle folder (model.json)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'ONNX file to write' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite an existing output' })
      .example('ntcorr export-onnx models/jet-deepsets-small -o jet.onnx', 'The jet network: inputs global, <type>_num, <type>_cat<j>, <type>_mask; output pred'),
  handler: async (argv) => {
    const { loadBundle } = await import('../../bundle/bundle.js');
    const bundle = loadBundle(argv.bundle);
    const load = EXPORTERS[bundle.manifest.kind];
    if (!load) throw new NtcorrError(`export-onnx: bundles of kind ${bundle.manifest.kind} cannot be exported (exportable: ${Object.keys(EXPORTERS).join(', ')})`, { file: argv.bundle });
    if (existsSync(argv.out) && !argv.force) throw new NtcorrError(`export-onnx: ${argv.out} exists (use --force to overwrite)`, { file: argv.out });
    const r = await (await load()).exportOnnx(bundle, argv.out);
    console.log(`wrote ${r.files.join(', ')} (${bundle.manifest.kind} ${bundle.manifest.name}); ${r.summary}`);
  },
};
