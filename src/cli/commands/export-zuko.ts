import type { CommandModule } from 'yargs';
import { ZUKO_SLOPE_TABLE } from '../../models/flow/zuko-version.js';

interface ExportArgs {
  bundle: string;
  out: string;
  'zuko-version'?: string;
}

/**
 * `ntcorr export-zuko BUNDLE -o DIR`: a flow bundle as HiggsDNA loads flows (best_model_.pth for
 * zuko's NSF + the .npy standardisation files), so a flow trained or imported by ntcorr drops into HiggsDNA.
 */
export const command: CommandModule<object, ExportArgs> = {
  command: 'export-zuko <bundle>',
  describe: 'Write a flow bundle as a zuko NSF state dict (best_model_.pth) + HiggsDNA\'s .npy files',
  builder: (y) =>
    y
      .positional('bundle', { type: 'string', demandOption: true, describe: 'flow bundle folder (model.json + weights.bin)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Folder to write best_model_.pth, input_means.npy, input_std.npy, conditions_means.npy, conditions_std.npy (+ min/max_values.npy), nsf.json, ntcorr-describe.json' })
      .option('zuko-version', { type: 'string', describe: `zuko release to write for (default: the one the bundle records). Its NSF must have the flow's slope (${ZUKO_SLOPE_TABLE}; NSF(slope=...) from 1.6)` })
      .example('ntcorr export-zuko models/flow-2022postEE -o eos/postEE', 'Back to the HiggsDNA form (same zuko version as imported)')
      .example('ntcorr export-zuko models/zee-flow --zuko-version 1.6.0 -o export/zee-flow', 'A flow trained by ntcorr (slope 1e-3) for zuko 1.6'),
  handler: async (argv) => {
    const { exportZuko } = await import('../../models/flow/export.js');
    const r = await exportZuko(argv.bundle, argv.out, { zukoVersion: argv['zuko-version'] });
    console.log(`wrote ${argv.out}: ${r.files.join(', ')}`);
    console.log(`load with zuko ${r.zukoVersion}: flow = ${r.nsfCall}; flow.load_state_dict(torch.load('${argv.out}/best_model_.pth', map_location='cpu'))`);
    for (const w of r.warnings) console.error(`warning: ${w}; HiggsDNA's code will not reproduce it (ntcorr-describe.json keeps the full preprocessing)`);
  },
};
