import type { CommandModule } from 'yargs';
import { ZUKO_SLOPE_TABLE } from '../../models/flow/zuko-version.js';
import { commandLine } from '../options.js';

interface ImportArgs {
  checkpoint: string;
  features?: number;
  context?: number;
  bins?: number;
  transforms?: number;
  hidden?: string;
  passes?: number;
  'zuko-version'?: string;
  slope?: number;
  bound: number;
  preprocessing?: string;
  era?: string;
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
 * `ntcorr import-zuko best_model_.pth --zuko-version 1.0.1 -o DIR`: reads a zuko NSF state dict natively
 * (no Python) and writes a `flow` bundle. The architecture is read off the checkpoint; architecture flags
 * are optional checks (a contradiction is an error naming the tensor). The spline slope is not in the
 * checkpoint, so the zuko version (or --slope) is required.
 */
export const command: CommandModule<object, ImportArgs> = {
  command: 'import-zuko <checkpoint>',
  describe: 'Import a zuko NSF state dict (torch.save .pth, e.g. HiggsDNA\'s best_model_.pth) as an ntcorr flow bundle',
  builder: (y) =>
    y
      .positional('checkpoint', { type: 'string', demandOption: true, describe: 'torch.save(flow.state_dict(), path) of a zuko.flows.NSF' })
      .option('zuko-version', { type: 'string', describe: `zuko release the flow was trained with; sets the spline slope (${ZUKO_SLOPE_TABLE}). HiggsDNA and Flows_for_sim_correction pin 1.0.1. Required unless --slope is given` })
      .option('slope', { type: 'number', describe: 'Minimum spline slope, when the zuko version is unknown or NSF(slope=...) was set (zuko >= 1.6)' })
      .option('features', { type: 'number', describe: 'Check: NSF(features=...) (read from the checkpoint)' })
      .option('context', { type: 'number', describe: 'Check: NSF(context=...): conditions + the is-data flag (last)' })
      .option('bins', { type: 'number', describe: 'Check: NSF(bins=...)' })
      .option('transforms', { type: 'number', describe: 'Check: NSF(transforms=...)' })
      .option('hidden', { type: 'string', describe: 'Check: NSF(hidden_features=...), comma-separated, e.g. 256,256' })
      .option('passes', { type: 'number', describe: 'Check: NSF(passes=...); the checkpoint\'s order buffers give it' })
      .option('bound', { type: 'number', default: 5, describe: 'Spline bound (zuko: 5)' })
      .option('preprocessing', { type: 'string', describe: 'HiggsDNA flow folder: input_means.npy, input_std.npy, conditions_means.npy, conditions_std.npy (float32 or float64), optional min_values.npy/max_values.npy' })
      .option('era', { type: 'string', describe: 'HiggsDNA era (2022preEE, 2022postEE, 2023, 2024, 2025, 2016..2018): picks the isolation shifts of the describe file\'s higgsdna.Isolation_transform_order' })
      .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'Bundle folder to write (model.json + weights.bin)' })
      .option('name', { type: 'string', describe: 'Bundle name (default: the folder name)' })
      .option('variables', { type: 'string', describe: 'Comma-separated input variable names, in feature order (default x0,x1,...)' })
      .option('conditions', { type: 'string', describe: 'Comma-separated condition names, in context order, without the is-data flag (default c0,c1,...)' })
      .option('is-data-flag', { type: 'string', default: 'is_data', describe: 'Name of the last context input (set to 0/1 by the correction)' })
      .option('collections', { type: 'string', default: '', describe: 'Comma-separated column prefixes, e.g. probe_,tag_ (default: no prefix)' })
      .option('note', { type: 'string', describe: 'Free text stored in the bundle provenance (how the flow was trained, caveats)' })
      .option('describe', { type: 'string', describe: 'YAML/JSON file with FlowConfig fields (variables, conditions, collections with column maps, outputPattern, validity, preprocessing) and a higgsdna block (Isolation_transform_order, era, shifts); overrides the flags' })
      .example('ntcorr import-zuko postEE/best_model_.pth --zuko-version 1.0.1 --preprocessing postEE --era 2022postEE --describe examples/higgsdna/photon-flow.yaml -o models/flow-2022postEE', 'A HiggsDNA flow from EOS, with its .npy files')
      .example('ntcorr import-zuko flow.pth --zuko-version 1.6.0 --variables r9,sieie,etaWidth --conditions pt --collections probe_,tag_ -o models/zee', 'Name the variables and correct probe_* and tag_* columns')
      .example('ntcorr import-zuko old.pth --slope 1e-4 --transforms 6 --describe flow.yaml -o models/old', 'Known slope; fail unless the checkpoint has 6 transforms'),
  handler: async (argv) => {
    const { importZuko } = await import('../../models/flow/import.js');
    const list = (s: string | undefined) => s?.split(',').map((x) => x.trim());
    const r = await importZuko({
      checkpoint: argv.checkpoint,
      flags: {
        features: argv.features, context: argv.context, bins: argv.bins, transforms: argv.transforms,
        hidden: argv.hidden === undefined ? undefined : String(argv.hidden).split(',').map((s) => Number(s.trim())),
        passes: argv.passes,
      },
      zukoVersion: argv['zuko-version'],
      slope: argv.slope,
      bound: argv.bound,
      preprocessing: argv.preprocessing,
      era: argv.era,
      out: argv.out,
      name: argv.name,
      variables: list(argv.variables),
      conditions: list(argv.conditions),
      isDataFlag: argv['is-data-flag'],
      collections: argv.collections.split(',').map((s) => s.trim()).filter((s, i, a) => s !== '' || a.length === 1),
      describe: argv.describe,
      note: argv.note,
      command: commandLine(),
    });
    const a = r.arch;
    console.log(`wrote ${argv.out}: flow with ${r.parameters} parameters: ${a.features} features, ${a.context} context inputs, ${a.bins} bins, ${a.transforms} transforms, hidden ${a.hidden.join(',')}, ${a.passes === undefined ? 'fully autoregressive' : `passes=${a.passes}`}, slope ${a.slope}${a.zukoVersion ? ` (zuko ${a.zukoVersion})` : ''}; outputs ${r.outputs.join(', ')}`);
  },
};
