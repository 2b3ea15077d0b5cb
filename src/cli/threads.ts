/** Throws the CLI's message for a `--threads` value that is not a whole number >= 1 (undefined: not given). */
export function checkThreads(threads: number | undefined): void {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads: expected a whole number >= 1, got ${threads}`);
}
