/**
 * An error a user can act on: it names the file and, where known, the tree/column and what was expected.
 * The batch runner prints `message` alone (no stack) and counts the file as failed.
 */
export class NtcorrError extends Error {
  readonly file?: string;
  readonly column?: string;
  constructor(message: string, context: { file?: string; column?: string; cause?: unknown } = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'NtcorrError';
    this.file = context.file;
    this.column = context.column;
  }
}

/** Message of any thrown value, without stack, for summaries and logs. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
