import { NtcorrError } from './errors.js';

/**
 * Unknown-key check for every YAML/JSON config ntcorr reads: a mistyped key (`stpe:` for `step:`) is an
 * error naming the file and the key path, never silently ignored.
 */
export function checkKeys(obj: object, allowed: readonly string[], path: string, file: string): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const at = path ? `${path}.${key}` : key;
    throw new NtcorrError(`${file}: ${at}: unknown key (expected one of ${allowed.join(', ')})`, { file });
  }
}
