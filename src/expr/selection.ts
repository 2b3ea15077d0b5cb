import { NtcorrError } from '../core/errors.js';
import { compileExpression, type CompiledExpression } from './compile.js';

/**
 * A selection option (`--where`, a config's `selection`): absent means every row; an empty or blank string
 * is an error (it used to mean "every row" silently, hiding a shell variable that expanded to nothing).
 */
export function compileSelection(expr: string | undefined, what = '--where'): CompiledExpression | undefined {
  if (expr === undefined || expr === null) return undefined;
  if (expr.trim() === '') throw new NtcorrError(`${what} ${JSON.stringify(expr)}: give an expression, or leave ${what} out to use every row`);
  return compileExpression(expr);
}
