/**
 * Names in ROOT files are bytes; ROOT itself writes them as UTF-8 in practice. jsroot decodes them one
 * char per byte (latin1), so "Événements" comes back as "Ã\u0089vénements": rootName() turns such a
 * string into the text it encodes, and the writers encode text as UTF-8, so names round-trip byte-exactly.
 * Bytes that are not valid UTF-8 are kept one char per byte.
 */
export function rootName(latin1: string): string {
  // Pure ASCII (the common case) needs no work.
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : latin1;
}
