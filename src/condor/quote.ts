import { NtcorrError } from '../core/errors.js';

/** Quotes one word for bash: 'it''s' style single quotes, bare when safe. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits a string the way a POSIX shell would split a simple command line (single and double quotes,
 * backslash escapes; no expansions). Used for --apply-args and NTCORR_CMD-style command strings.
 */
export function shellSplit(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new NtcorrError(`unbalanced single quote in ${JSON.stringify(text)}`);
      cur += text.slice(i + 1, end);
      has = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) i++;
        cur += text[i++];
      }
      if (i >= text.length) throw new NtcorrError(`unbalanced double quote in ${JSON.stringify(text)}`);
      has = true;
      i++;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[i + 1];
      has = true;
      i += 2;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
      i++;
    } else {
      cur += ch;
      has = true;
      i++;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** A bash array literal: (a 'b c'). */
export function bashArray(words: string[]): string {
  return `(${words.map(shellQuote).join(' ')})`;
}

/**
 * HTCondor's queue-from lists split items on commas and spaces, and its file lists
 * (transfer_input_files) on commas, so paths used there must contain neither.
 */
export function checkCondorPath(path: string, what: string): void {
  if (/[\s,;="'$]/.test(path)) {
    throw new NtcorrError(
      `${path}: ${what} path contains a space, comma, semicolon, quote, '=' or '$', which HTCondor submit files cannot carry; rename or link it`,
      { file: path },
    );
  }
}
