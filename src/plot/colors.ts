/** Colour choices: a colour-blind-safe categorical palette (Petroff 2021, as adopted by CMS) and colour maps. */

export const PALETTE = ['#3f90da', '#ffa90e', '#bd1f01', '#94a4a2', '#832db6', '#a96b59', '#e76300', '#b9ac70', '#717581', '#92dadd'];

/** Conventional roles in data/simulation comparisons. */
export const ROLE = {
  data: '#000000',
  sim: '#3f90da',
  corrected: '#e76300',
  model: '#bd1f01',
  band: '#94a4a2',
} as const;

export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function rgb(r: number, g: number, b: number): string {
  const h = (v: number) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Diverging blue-white-red for t in [-1, 1] (correlations, differences). */
export function diverging(t: number): string {
  if (!Number.isFinite(t)) return '#dddddd';
  const u = Math.max(-1, Math.min(1, t));
  const [r0, g0, b0] = u < 0 ? [33, 102, 172] : [178, 24, 43];
  const a = Math.abs(u);
  return rgb(lerp(255, r0, a), lerp(255, g0, a), lerp(255, b0, a));
}

/** Sequential white-to-dark-blue for t in [0, 1]. */
export function sequential(t: number): string {
  if (!Number.isFinite(t)) return '#dddddd';
  const u = Math.max(0, Math.min(1, t));
  return rgb(lerp(255, 8, u), lerp(255, 48, u), lerp(255, 107, u));
}
