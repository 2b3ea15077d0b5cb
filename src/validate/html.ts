import type { ValidateSummary } from './options.js';

/** A figure entry of the page: SVG shown inline via <img>, PNG linked. */
export interface PageFigure {
  svg: string;
  png?: string;
  caption: string;
}

export interface PageSection {
  id: string;
  title: string;
  intro?: string;
  /** Raw HTML (tables) placed before the figures. */
  html?: string;
  figures: PageFigure[];
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v !== 0 && Math.abs(v) < 10 ** -(digits - 1)) return v.toExponential(2);
  return v.toFixed(digits);
}

/** HTML table from a header row and body rows of already-escaped cells. */
export function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

/**
 * The report page: self-contained (inline CSS, no network), images referenced relatively so the folder can
 * be copied or opened from disk. A small inline script records how many images loaded (data-images-loaded
 * on <body>), which the headless-browser test reads and a reader sees in the footer.
 */
export function renderPage(summary: ValidateSummary, sections: PageSection[]): string {
  const nav = sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join(' · ');
  const body = sections.map((s) => `
<section id="${s.id}">
<h2>${esc(s.title)}</h2>
${s.intro ? `<p>${s.intro}</p>` : ''}
${s.html ?? ''}
<div class="grid">
${s.figures.map((f) => `<figure><img src="${esc(f.svg)}" alt="${esc(f.caption)}"><figcaption>${esc(f.caption)}${f.png ? ` — <a href="${esc(f.png)}">PNG</a>` : ''} · <a href="${esc(f.svg)}">SVG</a></figcaption></figure>`).join('\n')}
</div>
</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ntcorr validation report</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #222; max-width: 1800px; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
nav { margin-bottom: 1em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
td.good { background: #e6f4e6; } td.bad { background: #fbe7e7; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; width: 440px; } figure img { width: 100%; border: 1px solid #eee; }
figcaption { font-size: .8em; color: #555; }
code { background: #f5f5f5; padding: 0 .2em; }
footer { margin-top: 3em; font-size: .8em; color: #777; }
</style>
</head>
<body>
<h1>ntcorr validation report</h1>
<p>Data: ${summary.data.files.length} file(s), ${summary.data.rows.toLocaleString('en')} events.
Simulation: ${summary.mc.files.length} file(s), ${summary.mc.rows.toLocaleString('en')} events${summary.mc.weights ? `, weights <code>${esc(summary.mc.weights)}</code> normalised to the data yield per plot` : ''}.
Produced by ${esc(summary.tool)} at ${esc(summary.time)} with <code>${esc(summary.command)}</code> (seed ${summary.seed}).</p>
${summary.notes.length ? `<ul>${summary.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<nav>${nav}</nav>
${body}
<footer>Numbers in <a href="summary.json">summary.json</a> and <a href="summary.md">summary.md</a>. <span id="image-status"></span></footer>
<script>
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img'), ok = 0;
  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  document.body.setAttribute('data-images-total', String(imgs.length));
  document.body.setAttribute('data-images-loaded', String(ok));
  document.getElementById('image-status').textContent = ok + ' of ' + imgs.length + ' plots loaded.';
});
</script>
</body>
</html>
`;
}
