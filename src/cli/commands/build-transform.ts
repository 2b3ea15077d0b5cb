import type { CommandModule } from 'yargs';

interface Args {
  dataset: string;
  config: string;
  output?: string;
  all: boolean;
}

/** `ntcorr build-transform <dataset> --config jet.yaml`: fits the jet preprocessing and writes transform.yaml. */
export const command: CommandModule<object, Args> = {
  command: 'build-transform <dataset>',
  describe: 'Fit the jet-regression preprocessing (non-linear steps + min-max rescaling, category lists) and write transform.yaml',
  builder: (y) =>
    y
      .positional('dataset', { type: 'string', demandOption: true, describe: 'Dataset folder with data.yaml (ml-jec layout)' })
      .option('config', { type: 'string', demandOption: true, describe: 'Jet YAML: features and transform.steps (e.g. ch_dxy: [abs, {arcsinh: 0.001}]); without transform.steps, ml-jec build_transform.py\'s steps per feature' })
      .option('output', { type: 'string', describe: 'Where to write (default <dataset>/transform.yaml)' })
      .option('all', { type: 'boolean', default: false, describe: 'Fit on every file of data.yaml, not only the training split' })
      .example('ntcorr build-transform data/jets --config examples/jet/jet.yaml', 'Writes data/jets/transform.yaml from the training files')
      .example('ntcorr build-transform data/jets --config jet.yaml --output /tmp/transform.yaml --all', 'Fit on all files, write elsewhere'),
  handler: async (argv) => {
    const { resolve, join } = await import('node:path');
    const { loadJetConfig } = await import('../../models/jet/config.js');
    const { datasetFiles, splitFiles } = await import('../../train/jet/dataset.js');
    const { fitTransform } = await import('../../train/jet/fit-transform.js');
    const { transformToYaml } = await import('../../models/jet/transform.js');
    const { writeFileAtomic } = await import('../../core/atomic.js');
    const cfg = loadJetConfig(argv.config);
    const location = resolve(argv.dataset);
    cfg.data.location = location;
    const files = datasetFiles(location);
    const use = argv.all ? files : splitFiles(files, cfg.data.split, cfg.file).train;
    if (!cfg.transform.steps) console.log(`${argv.config} has no transform.steps: using ml-jec's bin/build_transform.py steps per feature`);
    const tr = await fitTransform(cfg, use);
    const out = argv.output ? resolve(argv.output) : join(location, 'transform.yaml');
    await writeFileAtomic(out, `# ntcorr build-transform: fitted on ${use.length} file(s) of ${location}\n` + transformToYaml(tr));
    console.log(`transform for ${Object.keys(tr.numerical).length} numerical and ${Object.keys(tr.categorical).length} categorical features written to ${out}`);
    process.exitCode = 0;
  },
};
