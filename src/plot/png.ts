import { writeFile } from 'node:fs/promises';

/**
 * SVG -> PNG with resvg (Rust renderer shipped as a prebuilt native module inside an npm package; no
 * browser, canvas or system cairo needed). Loaded lazily: a missing binary only costs the PNG copies.
 */
type ResvgCtor = new (svg: string, opts?: object) => { render(): { asPng(): Uint8Array } };

let resvg: ResvgCtor | null | undefined;
let loadError = '';

async function loadResvg(): Promise<ResvgCtor | null> {
  if (resvg !== undefined) return resvg;
  try {
    const mod = (await import('@resvg/resvg-js')) as unknown as { Resvg?: ResvgCtor; default?: { Resvg: ResvgCtor } };
    resvg = mod.Resvg ?? mod.default?.Resvg ?? null;
    if (!resvg) loadError = 'module has no Resvg export';
  } catch (e) {
    resvg = null;
    loadError = e instanceof Error ? e.message : String(e);
  }
  return resvg;
}

/** Why PNG output is unavailable ('' when it is available or not yet tried). */
export function pngUnavailableReason(): string {
  return loadError;
}

/** Renders an SVG document to PNG bytes; null when resvg cannot be loaded on this platform. */
export async function svgToPng(svg: string, opts: { scale?: number; background?: string } = {}): Promise<Uint8Array | null> {
  const R = await loadResvg();
  if (!R) return null;
  const r = new R(svg, {
    background: opts.background ?? 'white',
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}

export interface SavedPlot {
  svg: string;
  png?: string;
  /** Set when a PNG was asked for but could not be made. */
  warning?: string;
}

/**
 * Writes `<base>.svg` and, unless `png: false`, `<base>.png`. Never throws for a missing PNG renderer:
 * it reports the reason in `warning` so that a report still gets its SVG plots.
 */
export async function savePlot(base: string, svg: string, opts: { png?: boolean; scale?: number } = {}): Promise<SavedPlot> {
  const out: SavedPlot = { svg: `${base}.svg` };
  await writeFile(out.svg, svg);
  if (opts.png === false) return out;
  const png = await svgToPng(svg, { scale: opts.scale });
  if (png) {
    out.png = `${base}.png`;
    await writeFile(out.png, png);
  } else {
    out.warning = `PNG not written for ${base}.svg: @resvg/resvg-js unavailable (${loadError}); SVG only`;
  }
  return out;
}
