import type { CommandModule } from 'yargs';
import { commandLine } from '../options.js';

interface ImportArgs {
  checkpoint: string;
  features: number;
  context: number;
  bins: number;
  transforms: number;
  hidden: string;
  passes?: number;
  slope: number;
  bound: number;
  out: string;
  name?: string;
  variables?: string;
  conditions?: string;
  'is-data-flag': string;
  collections: string;
  describe?: string;
  note?: string;
}

/**
 * `ntcorr import-zuko state_dict.pth --features .. --context .. --out DIR`: reads a zuko NSF checkpoint
 * natively (no Python) and writes a `flow` bundle. The masks in the checkpoint are compared with the
 * ones the given settings imply, so wrong flags fail instead of importing a different flow.
 */
export const command: CommandModule<object, ImportArgs> = {
  command: 'import-zuko <checkpoint>',
  describe: 'Import a zuko NSF state dict (torch.save .pth) as an ntcorr flow bundle',
  builder: (y) =>
    y
      .positional('checkpoint', { type: 'string', demandOption: true, describe: 'torch.save(flow.state_dict(), path) of a zuko.flows.NSF' })
      .option('features', { type: 'number', demandOption: true, describe: 'NSF(features=...): corrected variables' })
      .option('context', { type: 'number', demandOption: true, describe: 'NSF(context=...): conditions + the is-data flag (last)' })
      .option('bins', { type: 'number', default: 8, describe: 'NSF(bins=...)' })
      .option('transforms', { type: 'number', default: 3, describe: 'NSF(transforms=...)' })
      .option('hidden', { type: 'string', default: '64,64', describe: 'NSF(hidden_features=...), comma-separated, e.g. 256,256,256' })
      .option('passes', { type: 'number', describe: 'NSF(passes=...); default fully autoregressive' })
      .option('slope', { type: 'number', default: 1e-3, describe: 'Minimum spline slope: 1e-3 for zuko 1.0 and >= 1.5, 1e-4 for zuko 1.1-1.4' })
      .option('bound', { type: 'number', default: 5, describe: 'Spline bound (zuko: 5)' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Bundle folder to write (model.json + weights.bin)' })
      .option('name', { type: 'string', describe: 'Bundle name (default: the folder name)' })
      .option('variables', { type: 'string', describe: 'Comma-separated input variable names, in feature order (default x0,x1,...)' })
      .option('conditions', { type: 'string', describe: 'Comma-separated condition names, in context order, without the is-data flag (default c0,c1,...)' })
      .option('is-data-flag', { type: 'string', default: 'is_data', describe: 'Name of the last context input (set to 0/1 by the correction)' })
      .option('collections', { type: 'string', default: '', describe: 'Comma-separated column prefixes, e.g. probe_,tag_ (default: no prefix)' })
      .option('note', { type: 'string', describe: 'Free text stored in the bundle provenance (how the flow was trained, caveats)' })
      .option('describe', { type: 'string', describe: 'YAML/JSON file with any FlowConfig fields (variables, conditions, collections with column maps, outputPattern, validity, preprocessing); overrides the flags' })
      .example('ntcorr import-zuko flow.pth --features 16 --context 5 --bins 10 --transforms 6 --hidden 256,256,256 -o models/my-flow', 'Import a 16-feature zuko NSF')
      .example('ntcorr import-zuko flow.pth --features 3 --context 2 --bins 8 --hidden 32,32 --variables r9,sieie,etaWidth --conditions pt --collections probe_,tag_ -o models/zee', 'Name the variables and correct probe_* and tag_* columns')
      .example('ntcorr import-zuko old.pth --features 4 --context 3 --slope 1e-4 --describe flow.yaml -o models/old', 'A flow trained with zuko 1.2 (slope 1e-4), columns and preprocessing from flow.yaml'),
  handler: async (argv) => {
    const { importZuko } = await import('../../models/flow/import.js');
    const r = await importZuko({
      checkpoint: argv.checkpoint,
      arch: {
        features: argv.features, context: argv.context, bins: argv.bins, transforms: argv.transforms,
        hidden: String(argv.hidden).split(',').map((s) => Number(s.trim())),
        passes: argv.passes, slope: argv.slope, bound: argv.bound,
      },
      out: argv.out,
      name: argv.name,
      variables: argv.variables?.split(',').map((s) => s.trim()),
      conditions: argv.conditions?.split(',').map((s) => s.trim()),
      isDataFlag: argv['is-data-flag'],
      collections: argv.collections.split(',').map((s) => s.trim()).filter((s, i, a) => s !== '' || a.length === 1),
      describe: argv.describe,
      note: argv.note,
      command: commandLine(),
    });
    console.log(`wrote ${argv.out}: flow with ${r.parameters} parameters, ${argv.features} features, ${argv.context} context inputs; outputs ${r.outputs.join(', ')}`);
  },
};
