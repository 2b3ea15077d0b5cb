import type { CommandModule } from 'yargs';
import { backendOption, commandLine, quietOption, seedOption, threadsOption, treeOption } from '../options.js';

interface ApplyArgs {
  files: string[];
  model: string;
  'out-dir'?: string;
  'in-place': boolean;
  'chunk-rows': number;
  jobs: number;
  where?: string;
  fill: 'nan' | 'keep';
  force: boolean;
  'skip-done': boolean;
  quiet: boolean;
  seed: number;
  backend: string;
  device: string;
  threads?: number;
  compression?: string;
  tree?: string;
  friend: boolean;
  'drop-unreadable': boolean;
  base?: string;
  'wait-lock': number;
}

/**
 * `ntcorr apply <globs...> --model DIR (--out-dir D | --in-place)`: streams every file through a model
 * bundle and writes the new columns. The pipeline is imported in the handler so `--help` stays fast.
 */
export const command: CommandModule<object, ApplyArgs> = {
  command: 'apply <files..>',
  describe: 'Add a model\'s corrected/derived columns to parquet (or ROOT) files, safely and in bulk',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Files or globs (quote globs: "out/*.parquet")' })
      .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Model bundle folder (with model.json), e.g. models/sigma-m-over-m' })
      .option('out-dir', { alias: 'o', type: 'string', describe: 'Write <out-dir>/<path of the file below --base>; inputs are never modified' })
      .option('base', { type: 'string', describe: 'Outputs keep the inputs\' paths below this folder (default: the longest common folder of the inputs); also the root of random-draw keys' })
      .option('wait-lock', { type: 'number', default: 0, describe: 'Seconds to wait for another ntcorr run\'s lock on a file being replaced (default 0: that file fails at once)' })
      .option('in-place', { type: 'boolean', default: false, describe: 'Replace each input: temp file in the same folder, fsync, verify rows + schema, rename (a crash leaves the original intact)' })
      .option('chunk-rows', { type: 'number', default: 100_000, describe: 'Rows per chunk (memory is bounded by this, not by the file size)' })
      .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'Files processed at the same time' })
      .option('where', { type: 'string', describe: 'Correct only rows passing this expression, e.g. "abs(probe_ScEta) < 1.4442 and 80 < mass < 100"; row count and order never change' })
      .option('fill', { choices: ['nan', 'keep'] as const, default: 'nan' as const, describe: 'Rows outside --where (and rows a flow cannot correct): NaN, or keep the value the file already has in that output column (else, for a flow, the uncorrected input; else NaN)' })
      .option('force', { type: 'boolean', default: false, describe: 'Re-apply to files this model already corrected (their output columns are replaced) / overwrite existing outputs' })
      .option('skip-done', { type: 'boolean', default: false, describe: 'Skip files already corrected by this model (resubmitted batches)' })
      .option('quiet', quietOption('No progress bars; one line per file (batch logs)'))
      .option('seed', seedOption({ default: 12345, describe: 'Base seed for kinds that draw random numbers (recorded in provenance)' }))
      .option('backend', backendOption('Inference engine for neural-network kinds: ONNX Runtime (auto: where it loads), or a tfjs backend'))
      .option('device', { type: 'string', default: 'cpu', describe: 'ONNX Runtime execution provider: cpu, cuda, cuda:N, tensorrt[:N] (GPU providers need npm ci --onnxruntime-node-install=cuda12), auto (cuda if installed)' })
      .option('threads', threadsOption({ describe: 'Compute threads (cores) for flow corrections and jet regression on ONNX Runtime (worker threads, one single-threaded engine each); default NTCORR_THREADS, else every core' }))
      .option('compression', { type: 'string', describe: 'Codec of written files (parquet default zstd: zstd, snappy, gzip, uncompressed; ROOT default zlib: zlib, lz4, zstd, none)' })
      .option('tree', treeOption())
      .option('drop-unreadable', { type: 'boolean', default: false, describe: 'ROOT full copies: if the input cannot be carried over whole, write only its readable branches instead of failing (each dropped branch and key is named)' })
      .option('friend', { type: 'boolean', default: false, describe: 'ROOT files: write only the new branches (same tree name and entries) to <out-dir>/<file>, for use as a friend tree' })
      .example('ntcorr apply samples/zee_mc.parquet -m models/sigma-m-over-m -o corrected/', 'Add sigma_m_over_m to a copy of the file in corrected/')
      .example('ntcorr apply "prod/*.parquet" -m models/zee-flow --in-place --jobs 2 --skip-done', 'Correct production files in place; resubmissions skip finished files')
      .example('ntcorr apply data.parquet -m models/sigma-m-over-m -o out/ --where "abs(probe_ScEta) < 1.4442" --fill nan', 'Barrel probes only; other rows get NaN')
      .example('ntcorr apply "out/*.parquet" -m models/sigma-m-over-m --in-place --force', 'Re-apply a changed model, replacing its columns')
      .example('ntcorr apply "ntuples/*.root" -m models/jet-dnn --tree Jets -o friends/ --friend', 'ROOT: small friend trees holding only the corrected branches')
      .example('ntcorr apply "prod/*.parquet" -m models/zee-flow -o out/ --device cuda:0', 'Run the flow on GPU 0 (CUDA execution provider installed)'),
  handler: async (argv) => {
    const { runApply, formatSummary } = await import('../../pipeline/index.js');
    if (argv.friend && argv['in-place']) {
      const { NtcorrError } = await import('../../core/errors.js');
      throw new NtcorrError('--friend writes a separate file with only the new branches: use it with --out-dir, not --in-place');
    }
    const quiet = argv.quiet || !process.stderr.isTTY;
    const summary = await runApply({
      inputs: argv.files,
      model: argv.model,
      outDir: argv['out-dir'],
      inPlace: argv['in-place'],
      chunkRows: argv['chunk-rows'],
      jobs: argv.jobs,
      where: argv.where,
      fill: argv.fill,
      force: argv.force,
      skipDone: argv['skip-done'],
      quiet: argv.quiet,
      seed: argv.seed,
      backend: argv.backend,
      device: argv.device,
      threads: argv.threads,
      compression: argv.compression,
      tree: argv.tree,
      mode: argv.friend ? 'friend' : 'full',
      dropUnreadable: argv['drop-unreadable'],
      base: argv.base,
      waitLock: argv['wait-lock'],
      command: commandLine(),
      log: quiet ? (line) => console.error(line) : undefined,
    });
    console.log(formatSummary(summary));
    process.exitCode = summary.failed > 0 ? 1 : 0;
  },
};
