import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng, generateBlock } from '../scripts/make-samples.js';
import { isJagged, type Column, type NumericArray } from '../src/core/columns.js';
import { writeParquetTable } from '../src/io/parquet/index.js';
import type { ValidateSummary } from '../src/validate/options.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/fixtures.js';

const VARS = ['probe_r9', 'probe_sieie', 'probe_pfChargedIso'];
const TOYS = 3;

/**
 * Inputs: H1's Z->ee generator (data differs from simulation in shower shapes and isolations) and, as the
 * "corrected" simulation, a per-region quantile mapping of each variable onto data (a perfect 1-D
 * correction that leaves correlations alone) written as <var>_corr.
 */
async function makeInputs(dir: string): Promise<{ data: Map<string, Column>; mc: Map<string, Column> }> {
  const data = generateBlock(new Rng(11), 5000, true, 0);
  const mc = generateBlock(new Rng(12), 6000, false, 0);
  const me = mc.get('probe_ScEta') as Float32Array, de = data.get('probe_ScEta') as Float32Array;
  const extra: { name: string; data: NumericArray }[] = [];
  for (const v of VARS) {
    const x = mc.get(v) as Float32Array, dx = data.get(v) as Float32Array;
    const out = new Float32Array(x.length);
    for (const endcap of [false, true]) {
      const inR = (eta: number) => (Math.abs(eta) >= 1.5) === endcap;
      const target = Float64Array.from(dx.filter((_, i) => inR(de[i]))).sort();
      const idx = [...x.keys()].filter((i) => inR(me[i])).sort((a, b) => x[a] - x[b]);
      idx.forEach((i, k) => { out[i] = target[Math.min(target.length - 1, Math.floor(((k + 0.5) / idx.length) * target.length))]; });
    }
    extra.push({ name: `${v}_corr`, data: out });
  }
  const flat = (m: Map<string, Column>) => [...m].filter(([, c]) => !isJagged(c)).map(([name, c]) => ({ name, data: c as NumericArray }));
  await writeParquetTable(join(dir, 'data.parquet'), flat(data));
  await writeParquetTable(join(dir, 'mc.parquet'), [...flat(mc), ...extra]);
  return { data, mc };
}

/** Brute-force weighted KS (ECDFs evaluated at every distinct value), independent of src/stats. */
function naiveKs(a: ArrayLike<number>, b: ArrayLike<number>, wb: ArrayLike<number>): number {
  const pts = [...new Set([...Array.from(a), ...Array.from(b)])].sort((x, y) => x - y);
  const A = Array.from(a).sort((x, y) => x - y);
  const B = Array.from(b, (v, i) => [v, wb[i]] as const).sort((x, y) => x[0] - y[0]);
  const WB = B.reduce((s, x) => s + x[1], 0);
  let i = 0, j = 0, ca = 0, cb = 0, d = 0;
  for (const p of pts) {
    while (i < A.length && A[i] <= p) { ca++; i++; }
    while (j < B.length && B[j][0] <= p) { cb += B[j][1]; j++; }
    d = Math.max(d, Math.abs(ca / A.length - cb / WB));
  }
  return d;
}

const dir = tempDir();
const out = join(dir, 'report');
let inputs: Awaited<ReturnType<typeof makeInputs>>;
let run: { code: number; stdout: string; stderr: string };

test.before(async () => {
  inputs = await makeInputs(dir);
  run = runCli(['validate', '--data', join(dir, 'data.parquet'), '--mc', join(dir, 'mc.parquet'), '-w', 'weight',
    '--vars', VARS.join(','), '--profile-vars', 'probe_pt,probe_ScEta', '--toys', String(TOYS), '--classifier-rows', '4000', '-o', out, '--quiet']);
});

test('validate writes the report; numbers agree with independent references and show the correction', (t) => {
  t.is(run.code, 0, run.stderr + run.stdout);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ValidateSummary;
  t.deepEqual(s.variables, VARS);
  t.deepEqual(s.regions, ['all', 'barrel', 'endcap']);
  const r9 = s.metrics.find((m) => m.variable === 'probe_r9' && m.region === 'all')!;
  const ref = naiveKs(inputs.data.get('probe_r9') as Float32Array, inputs.mc.get('probe_r9') as Float32Array, inputs.mc.get('weight') as Float32Array);
  t.true(Math.abs(r9.ks.before - ref) < 1e-3, `KS ${r9.ks.before} vs brute force ${ref}`);
  for (const m of s.metrics) {
    t.true(m.corrected);
    t.true(m.ks.after! < 0.5 * m.ks.before, `${m.variable} ${m.region}: KS ${m.ks.before} -> ${m.ks.after}`);
    t.true(m.chi2ndf.after! < m.chi2ndf.before);
  }
  t.true(s.meanKsRatio! < 0.5);
  // Data and simulation differ clearly: AUC well above 0.5 with the smallest p-value the toys allow.
  t.true(s.classifier!.before.auc > 0.58, `AUC before ${s.classifier!.before.auc}`);
  t.is(s.classifier!.before.pValue, Number((1 / (TOYS + 1)).toPrecision(4)));
  t.true(s.classifier!.after!.auc < s.classifier!.before.auc);
  t.is(s.classifier!.before.toys.length, TOYS);
  t.regex(s.mvaid!.source, /photon-mvaid-run3/);
  t.true(s.mvaid!.ks.after! < s.mvaid!.ks.before);
  t.truthy(s.correlations.all);
  // Every plot the page shows exists, as SVG and PNG.
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const imgs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
  t.true(imgs.length >= VARS.length * 3 + 3 + VARS.length * 2 + 15, `${imgs.length} images`);
  for (const i of imgs) {
    t.true(existsSync(join(out, i)), i);
    t.true(existsSync(join(out, i.replace(/\.svg$/, '.png'))), i);
  }
  t.regex(readFileSync(join(out, 'summary.md'), 'utf8'), /\| probe_r9 \| all \|/);
});

test('index.html renders offline in headless Chromium with every image loaded', (t) => {
  t.is(run.code, 0, run.stderr);
  const exe = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
  if (!exe) {
    t.fail('headless Chromium is required for this test and was not found: install Debian\'s chromium (apt-get install -y chromium)');
    return;
  }
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${tempDir('ntcorr-chromium-')}`, '--virtual-time-budget=15000'];
  const url = pathToFileURL(join(out, 'index.html')).href;
  const dom = spawnSync(exe, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  t.is(dom.status, 0, dom.stderr);
  const total = Number(/data-images-total="(\d+)"/.exec(dom.stdout)?.[1]);
  const loaded = Number(/data-images-loaded="(\d+)"/.exec(dom.stdout)?.[1]);
  t.true(total > 20, `images in page: ${total}`);
  t.is(loaded, total, `${loaded} of ${total} images loaded`);
  const shot = join(dir, 'page.png');
  const s = spawnSync(exe, [...flags, '--window-size=1400,2000', `--screenshot=${shot}`, url], { encoding: 'utf8', timeout: 120_000 });
  t.is(s.status, 0, s.stderr);
  t.true(statSync(shot).size > 20_000, 'screenshot has content');
});

test('bad input: an unknown variable fails with the column and sample named', (t) => {
  const r = runCli(['validate', '--data', join(dir, 'data.parquet'), '--mc', join(dir, 'mc.parquet'), '--vars', 'probe_nothing', '-o', join(dir, 'r2'), '--quiet']);
  t.not(r.code, 0);
  t.regex(r.stderr + r.stdout, /probe_nothing.*data files/);
  const g = runCli(['validate', '--data', join(dir, 'nope*.parquet'), '--mc', join(dir, 'mc.parquet'), '-o', join(dir, 'r3'), '--quiet']);
  t.not(g.code, 0);
  t.regex(g.stderr + g.stdout, /--data: no file matches/);
  const rw = runCli(['validate', '--data', join(dir, 'data.parquet'), '--mc', join(dir, 'mc.parquet'), '--reweight', 'probe_pt,nothing', '-o', join(dir, 'r4'), '--quiet']);
  t.not(rw.code, 0);
  t.regex(rw.stderr + rw.stdout, /--reweight: column "nothing" must be in both/);
});
