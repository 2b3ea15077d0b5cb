/**
 * Modified Lentz evaluation of a continued fraction f = f0 * prod(delta_i), with the recurrences
 * D_i = 1 / (b_i + a_i D_{i-1}), C_i = b_i + a_i / C_{i-1}, delta_i = C_i D_i (Numerical Recipes 5.2).
 * The caller gives the start state, so the two common forms are both exact: f0 = C0 = b0, D0 = 0 for
 * b0 + K(a_i / b_i) (erfc), and f0 = D0 = 1/b0, C0 = huge for 1 / (b0 + K(a_i / b_i)) (incomplete gamma).
 * One loop for both keeps the guards and the stopping rule in one place.
 */
export function lentz(start: { f: number; c: number; d: number }, a: (i: number) => number, b: (i: number) => number, maxTerms: number): number {
  const tiny = 1e-300;
  let { f, c, d } = start;
  for (let i = 1; i < maxTerms; i++) {
    const ai = a(i);
    const bi = b(i);
    d = bi + ai * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = bi + ai / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}
