import type { Options } from 'yargs';

/**
 * Option builders shared by every command, so the same option has the same name, alias, type and check
 * everywhere. Each returns a yargs Options object: `.option('seed', seedOption({ default: 12345, ... }))`
 * keeps a command's option list readable in one place. Defaults differ where a command's seeded outputs
 * depend on them (apply/closure/validate 12345, toys 1, training: the config's), so they are explicit.
 */

/** tfjs backends a user can pick; a new backend (e.g. onnx) is added here once for every command. */
export const BACKENDS: readonly string[] = ['auto', 'onnx', 'tensorflow', 'wasm', 'cpu'];

export function backendOption(describe = 'tfjs backend for neural networks (auto: tensorflow if installed, else wasm, else cpu)') {
  return { type: 'string' as const, default: 'auto', choices: [...BACKENDS], describe };
}

export function seedOption(o: { default: number; describe: string }): { type: 'number'; default: number; describe: string };
export function seedOption(o: { describe: string }): { type: 'number'; describe: string };
export function seedOption(o: { default?: number; describe: string }): Options {
  return { type: 'number', ...(o.default === undefined ? {} : { default: o.default }), describe: o.describe };
}

export function quietOption(describe = 'No progress bars; one line per file or epoch (batch logs)') {
  return { alias: 'q', type: 'boolean' as const, default: false, describe };
}

export function treeOption(describe = 'ROOT files: the TTree to read (default: the only one; an error lists them when there are several)') {
  return { type: 'string' as const, describe };
}

/** `--threads` always means compute threads (cores); `--jobs` means files at a time (apply only). */
export function threadsOption(o: { default: number; describe: string }): { type: 'number'; default: number; describe: string; coerce: (v: number) => number };
export function threadsOption(o: { describe: string }): { type: 'number'; describe: string; coerce: (v: number) => number };
export function threadsOption(o: { default?: number; describe: string }): Options {
  const coerce = (v: number) => { checkThreads(v); return v; };
  return { type: 'number', ...(o.default === undefined ? {} : { default: o.default }), coerce, describe: o.describe };
}

/** The CLI's message for a `--threads` value that is not a whole number >= 1 (undefined: not given). */
export function checkThreads(threads: number | undefined, flag = '--threads'): void {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`${flag}: expected a whole number >= 1, got ${threads}`);
}

let invocation: readonly string[] = [];

/** Set once by main(): the arguments of this run (without node and the script). */
export function setInvocation(args: readonly string[]): void {
  invocation = [...args];
}

/**
 * The command line recorded in provenance: `ntcorr` plus the arguments, each quoted (JSON-style) when it
 * holds anything but plain path/flag characters, so it can be pasted back into a shell.
 */
export function commandLine(args: readonly string[] = invocation): string {
  return ['ntcorr', ...args.map((a) => (/^[\w./=:,@+-]+$/.test(a) ? a : JSON.stringify(a)))].join(' ');
}
