/** Minimal SVG string helpers: escaping and number formatting, so that files stay small and diffable. */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Pixel coordinate with 2 decimals (enough for 1/100 px; keeps files small). */
export function px(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

export function attrs(a: Record<string, string | number | undefined>): string {
  let s = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) s += ` ${k}="${typeof v === 'number' ? px(v) : esc(v)}"`;
  return s;
}

/**
 * Text whose content may hold our own <tspan> markup (exponents). Plain user text must go through `label`,
 * which escapes it and turns "^{...}" / "_{...}" into super/subscripts (ROOT-like label syntax).
 */
export function text(x: number, y: number, content: string, a: Record<string, string | number | undefined> = {}): string {
  return `<text${attrs({ x, y, ...a })}>${content}</text>`;
}

/** User label -> SVG text content: escapes, and renders x^{2} and p_{T} as super/subscripts. */
export function label(s: string): string {
  let out = '';
  const re = /([\^_])\{([^}]*)\}/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out += esc(s.slice(last, m.index));
    const shift = m[1] === '^' ? 'super' : 'sub';
    out += `<tspan baseline-shift="${shift}" font-size="70%">${esc(m[2])}</tspan>`;
    last = m.index + m[0].length;
  }
  return out + esc(s.slice(last));
}

/** Rough text width for layout (DejaVu/Liberation Sans average advance ~0.58 em); no DOM to measure in Node. */
export function textWidth(s: string, fontSize: number): number {
  const plain = s.replace(/[\^_]\{([^}]*)\}/g, '$1');
  return plain.length * fontSize * 0.58;
}

export const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
