/** Axis scales and "nice" tick placement (1-2-5 steps; decades with 2..9 minor ticks for log axes). */

export interface Tick {
  value: number;
  /** Label as SVG text content (may contain a <tspan> exponent); empty for minor ticks. */
  label: string;
  major: boolean;
}

export interface Scale {
  readonly log: boolean;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Maps a data value to a pixel coordinate (non-positive values on a log scale map below the range). */
  map(v: number): number;
  ticks(target?: number): Tick[];
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (!(d1 > d0)) { d0 -= 0.5; d1 = d0 + 1; }
  const k = (range[1] - range[0]) / (d1 - d0);
  return {
    log: false, domain: [d0, d1], range,
    map: (v) => range[0] + (v - d0) * k,
    ticks: (target = 6) => niceTicks(d0, d1, target).map((v, _i, all) => ({ value: v, label: formatTick(v, all), major: true })),
  };
}

export function logScale(domain: [number, number], range: [number, number]): Scale {
  let [d0, d1] = domain;
  if (!(d0 > 0)) d0 = d1 > 0 ? d1 / 1000 : 1e-3;
  if (!(d1 > d0)) d1 = d0 * 10;
  const l0 = Math.log10(d0), l1 = Math.log10(d1);
  const k = (range[1] - range[0]) / (l1 - l0);
  return {
    log: true, domain: [d0, d1], range,
    map: (v) => range[0] + ((v > 0 ? Math.log10(v) : l0 - 10) - l0) * k,
    ticks: () => logTicks(d0, d1),
  };
}

/** Tick values at 1, 2 or 5 x 10^k spacing, about `target` of them, inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, target));
  const first = Math.ceil(lo / step - 1e-9);
  const out: number[] = [];
  for (let i = first; i * step <= hi + step * 1e-9; i++) out.push(cleanZero(Number((i * step).toPrecision(12))));
  return out;
}

export function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

/** Extends [lo, hi] outwards to tick multiples (for axes that should start/end on a tick). */
export function niceDomain(lo: number, hi: number, target = 6): [number, number] {
  if (!(hi > lo)) return [lo - 0.5, lo + 0.5];
  const step = niceStep((hi - lo) / target);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

function cleanZero(v: number): number {
  return Math.abs(v) < 1e-12 ? 0 : v;
}

/** Labels with the same number of decimals across an axis; scientific for very large/small magnitudes. */
export function formatTick(v: number, all: number[]): string {
  const step = all.length > 1 ? Math.abs(all[1] - all[0]) : Math.abs(v) || 1;
  const maxAbs = Math.max(...all.map(Math.abs));
  if (maxAbs >= 1e5 || (maxAbs > 0 && maxAbs < 1e-3)) {
    if (v === 0) return '0';
    const e = Math.floor(Math.log10(maxAbs));
    const m = v / 10 ** e;
    const dec = Math.max(0, -Math.floor(Math.log10(step / 10 ** e) + 1e-9));
    return `${m.toFixed(dec)}×10${sup(e)}`;
  }
  const dec = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(dec, 10));
}

/** SVG superscript (resvg and browsers both honour baseline-shift). */
export function sup(e: number | string): string {
  return `<tspan baseline-shift="super" font-size="70%">${e}</tspan>`;
}

function logTicks(d0: number, d1: number): Tick[] {
  const out: Tick[] = [];
  const k0 = Math.floor(Math.log10(d0)), k1 = Math.ceil(Math.log10(d1));
  // Label every decade, or every n-th when the axis spans many of them.
  const every = Math.max(1, Math.ceil((k1 - k0) / 8));
  for (let k = k0; k <= k1; k++) {
    for (let m = 1; m <= 9; m++) {
      const v = m * 10 ** k;
      if (v < d0 * (1 - 1e-9) || v > d1 * (1 + 1e-9)) continue;
      const major = m === 1;
      const label = major && k % every === 0 ? (k >= -2 && k <= 3 ? String(Number(v.toPrecision(3))) : `10${sup(k)}`) : '';
      out.push({ value: v, label, major });
    }
  }
  return out;
}
