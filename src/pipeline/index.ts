/** The `apply` pipeline: globs -> files (p-limit) -> chunks -> corrector -> atomic writer. */
export { runApply, formatSummary, alreadyDone } from './run.js';
export type { ApplyOptions, ApplySummary, FileResult } from './options.js';
export { expandInputs, outputPathFor, cleanStaleTemps } from './files.js';
