/**
 * Toys as the LHCb rx fitter runs them: generated from a fit result (ntcorr fit's JSON of fixture toy 0,
 * whose fitted values differ from the YAML's by many standard errors of the toy mean), a generating model
 * apart from the fitting one, randomised start values, per-toy binned chi2 GOF, the configuration hash, rx's
 * toys.parquet columns, and Condor jobs (toy ranges) merged into exactly what one run writes.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parquetReadObjects, parquetMetadata } from 'hyparquet';
import { fixture, ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { writeParquetTable } from '../src/io/parquet/index.js';
import { runToyStudy } from '../src/fit/toys/study.js';
import { runLocal } from '../src/condor/local.js';
import { chi2Sf } from '../src/fit/toys/gof.js';
import { randomStart } from '../src/fit/toys/setup.js';
import { Xoshiro128ss } from '../src/core/random.js';

const MODEL = join(ROOT, 'examples/fit/gauss-exp.yaml');
const dir = tempDir();
type Row = Record<string, unknown>;

const bufferOf = (p: string): ArrayBuffer => {
  const b = readFileSync(p);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};
const rowsOf = async (p: string) => (await parquetReadObjects({ file: bufferOf(p) })) as Row[];
const yamlOf = (p: string) => parse(readFileSync(p, 'utf8')) as Record<string, any>;

// Fixture toy 0 (3018 events, iminuit reference fit nsig = 1057.5) fitted by the real `ntcorr fit`.
const fitResult = join(dir, 'fit0.json');
const fitted = (async () => {
  const raw = readFileSync(fixture('toys', 'toys_0-9.f64.bin'));
  const data = join(dir, 'toy0.parquet');
  await writeParquetTable(data, [{ name: 'mass', data: new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 3018 * 8)) }]);
  const r = runCli(['fit', '--model', MODEL, '--data', data, '--column', 'mass', '--no-plot', '--out', join(dir, 'fit0')]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(readFileSync(fitResult, 'utf8')).fit.parameters as Record<string, { value: number; error: number }>;
})();

/** Kolmogorov distance of p-values from the uniform distribution. */
function ksUniform(ps: number[]): number {
  const s = [...ps].sort((a, b) => a - b);
  return Math.max(...s.map((p, i) => Math.max((i + 1) / s.length - p, p - i / s.length)));
}

test('--from-fit: toys generated at the fitted values reproduce them on average; pulls ~N(0,1) with randomised starts; GOF p-values uniform', async (t) => {
  const fit = await fitted;
  t.true(Math.abs(fit.nsig.value - 1057.5) < 0.5, `fitted nsig ${fit.nsig.value}`);
  const out = join(dir, 'fromfit');
  const N = 400;
  await runToyStudy({ model: MODEL, fromFit: fitResult, toys: N, seed: 21, jobs: 2, vary: 'all', out, plots: false, randomizeStart: 2 });
  const s = yamlOf(join(out, 'summary.yaml'));
  t.is(s.toys, N);
  t.true(s.valid >= N - 4, `valid ${s.valid}`);
  t.is(s.generating_values.nsig, fit.nsig.value);
  t.is(s.from_fit, fitResult);
  t.is(s.randomize_start, 2);
  const rows = await rowsOf(join(out, 'toys.parquet'));
  for (const [name, p] of Object.entries(fit)) {
    const v = rows.filter((r) => r.parameter === name && r.valid).map((r) => r.value as number);
    t.true(rows.filter((r) => r.parameter === name).every((r) => r.gen === p.value), `${name}: gen column`);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const rms = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    // The mean fitted value is the generating (fitted) value within 3.5 standard errors of a mean...
    t.true(Math.abs(m - p.value) < 3.5 * rms / Math.sqrt(v.length), `${name}: toy mean ${m} vs fitted ${p.value} (rms ${rms})`);
    // ... and the toys' spread is the fit's Hesse error (20% is ~4 standard errors of an rms of 400).
    t.true(Math.abs(rms / p.error - 1) < 0.2, `${name}: rms ${rms} vs error ${p.error}`);
    const ps = s.parameters[name];
    t.true(Math.abs(ps.pull_mean) < 3.5 * ps.pull_mean_error, `${name}: pull mean ${ps.pull_mean} ± ${ps.pull_mean_error}`);
    t.true(Math.abs(ps.pull_width - 1) < 3.5 * ps.pull_width_error, `${name}: pull width ${ps.pull_width} ± ${ps.pull_width_error}`);
    t.true(s[`median_${name}_unc`] > 0);
  }
  // nsig's YAML value (1000) is far off: the toys did come from the fit result.
  const nsigMean = rows.filter((r) => r.parameter === 'nsig' && r.valid).reduce((a, r) => a + (r.value as number), 0) / s.valid;
  t.true(nsigMean > 1040, `mean nsig ${nsigMean}`);
  // rx's median relative uncertainty, recomputed from the table.
  const unc = rows.filter((r) => r.parameter === 'nsig' && r.valid).map((r) => (100 * (r.error as number)) / Math.abs(r.value as number)).sort((a, b) => a - b);
  const med = unc.length % 2 ? unc[(unc.length - 1) / 2] : (unc[unc.length / 2 - 1] + unc[unc.length / 2]) / 2;
  t.true(Math.abs(s.median_nsig_unc - med) < 1e-12);

  // GOF: one p-value per toy; for the correct model uniform (KS at 1%: D < 1.63 / sqrt(n)).
  const first = rows.filter((r) => r.parameter === 'nsig' && r.valid);
  const ps = first.map((r) => r.gof_pvalue as number);
  t.true(ps.every((p) => p >= 0 && p <= 1));
  const d = ksUniform(ps);
  t.true(d < 1.63 / Math.sqrt(ps.length), `KS distance ${d} on ${ps.length} p-values`);
  const pm = ps.reduce((a, b) => a + b, 0) / ps.length;
  t.true(Math.abs(pm - 0.5) < 3 * Math.sqrt(1 / 12 / ps.length), `mean p ${pm}`);
  t.is(s.gof.n, ps.length);
  t.is((s.gof.pvalue_hist as number[]).reduce((a, b) => a + b, 0), ps.length);
  // The p-value is the chi2 tail: checked against the closed form for even ndf, exp(-x/2) sum_k<ndf/2 (x/2)^k/k!.
  for (const r of first.slice(0, 40)) {
    const x = (r.gof_chi2 as number) / 2;
    const ndf = r.gof_ndf as number;
    t.true(ndf >= 28 && ndf <= 35, `ndf ${ndf}`); // 40 bins, a few merged in the tail, - 5 free parameters
    if (ndf % 2) continue;
    let term = 1;
    let sum = 1;
    for (let k = 1; k < ndf / 2; k++) sum += term *= x / k;
    t.true(Math.abs((r.gof_pvalue as number) - Math.exp(-x) * sum) < 1e-10, `p ${r.gof_pvalue} chi2 ${r.gof_chi2} ndf ${ndf}`);
  }
});

test('--gen-model: generated by Gauss + exponential, fitted by an exponential alone: GOF rejects it; parameters matched by name, the fit-only one not pulled', async (t) => {
  const fitOnly = join(dir, 'exp-only.yaml');
  writeFileSync(fitOnly, [
    'observable: {name: m, range: [4600, 7000]}',
    'parameters:',
    '  ntot: {value: 3000, step: 50}',
    '  lam: {value: -0.001, step: 1.0e-4}',
    'components:',
    '  - {name: background, pdf: exponential, lambda: lam, yield: ntot}',
    '',
  ].join('\n'));
  const out = join(dir, 'wrong');
  await runToyStudy({ model: fitOnly, genModel: MODEL, toys: 30, seed: 5, jobs: 1, vary: 'all', out, plots: false, columns: 'rx' });
  const s = yamlOf(join(out, 'summary.yaml'));
  t.deepEqual(s.not_generated, ['ntot']);
  t.deepEqual(Object.keys(s.parameters), ['lam']);
  t.is(s.gen_model, MODEL);
  t.true(s.gof.pvalue_mean < 1e-3, `mean p ${s.gof.pvalue_mean}`);
  // rx's toys.parquet: exactly its columns, floating parameters only; no generating value for ntot.
  const meta = parquetMetadata(bufferOf(join(out, 'toys.parquet')));
  t.deepEqual(meta.schema.slice(1).map((c) => c.name), ['Parameter', 'Value', 'Error', 'Gen', 'Toy', 'GOF', 'Valid']);
  const rows = await rowsOf(join(out, 'toys.parquet'));
  t.is(rows.length, 60);
  t.deepEqual(rows.slice(0, 2).map((r) => r.Parameter), ['ntot', 'lam']);
  t.true(Number.isNaN(rows[0].Gen as number));
  t.is(rows[1].Gen, -0.001);
  t.deepEqual([...new Set(rows.map((r) => r.Toy))], Array.from({ length: 30 }, (_, i) => i));
  // ntot fits the total generated (nsig + nbkg ~ 3000 events) on average.
  const ntot = rows.filter((r) => r.Parameter === 'ntot' && r.Valid).map((r) => r.Value as number);
  t.true(Math.abs(ntot.reduce((a, b) => a + b, 0) / ntot.length - 3000) < 4 * Math.sqrt(3000) / Math.sqrt(ntot.length) + 1);
});

test('rx columns carry the same numbers as ntcorr columns; the configuration hash ignores N and first toy, not the seed or the model', async (t) => {
  const a = join(dir, 'cols-ntcorr');
  const b = join(dir, 'cols-rx');
  await runToyStudy({ model: MODEL, toys: 12, seed: 8, jobs: 1, vary: 'all', out: a, plots: false });
  await runToyStudy({ model: MODEL, toys: 12, seed: 8, jobs: 1, vary: 'all', out: b, plots: false, columns: 'rx' });
  const ra = await rowsOf(join(a, 'toys.parquet'));
  const rb = await rowsOf(join(b, 'toys.parquet'));
  t.is(ra.length, rb.length);
  ra.forEach((r, i) => {
    t.is(rb[i].Parameter, r.parameter);
    t.is(rb[i].Value, r.value);
    t.is(rb[i].Error, r.error);
    t.is(rb[i].Gen, r.gen);
    t.is(rb[i].Toy, r.toy);
    t.is(rb[i].GOF, r.gof_pvalue);
    t.is(rb[i].Valid, r.valid);
  });
  const hash = (o: string) => yamlOf(join(o, 'summary.yaml')).config_hash as string;
  t.regex(hash(a), /^[0-9a-f]{64}$/);
  t.is(hash(a), hash(b));
  const c = join(dir, 'cols-later');
  await runToyStudy({ model: MODEL, toys: 3, first: 40, seed: 8, jobs: 1, vary: 'all', out: c, plots: false });
  t.is(hash(c), hash(a));
  const d = join(dir, 'cols-seed');
  await runToyStudy({ model: MODEL, toys: 3, seed: 9, jobs: 1, vary: 'all', out: d, plots: false });
  t.not(hash(d), hash(a));
  const e = join(dir, 'cols-model');
  await runToyStudy({ model: join(ROOT, 'examples/fit/gauss-exp-constrained.yaml'), toys: 3, seed: 8, jobs: 1, vary: 'all', out: e, plots: false });
  t.not(hash(e), hash(a));
  // Recorded in the parquet's provenance too.
  const kv = parquetMetadata(bufferOf(join(a, 'toys.parquet'))).key_value_metadata ?? [];
  const prov = JSON.parse(kv.find((x) => x.key === 'ntcorr.provenance')!.value!)[0];
  t.is(prov.configHash, hash(a));
  // Toys 40..42 of seed 8 are toys 40..42 of any run of seed 8: per-toy streams.
  const rc = await rowsOf(join(c, 'toys.parquet'));
  t.deepEqual([...new Set(rc.map((r) => r.toy))], [40, 41, 42]);
});

test('randomised start values: inside the limits, within N errors, reproducible from the stream', (t) => {
  const params = [
    { name: 'a', value: 1, step: 0.1, fixed: false, limits: [0.5, 1.2] as [number, number] },
    { name: 'b', value: 5, step: 1, fixed: false },
    { name: 'c', value: 2, step: 1, fixed: true },
  ];
  const start = Float64Array.from([1, 5, 2]);
  const err = Float64Array.from([0.1, 1, 1]);
  const draw = (how: number | 'limits', seed: number) => {
    const r = Xoshiro128ss.fromSeedAndStream(seed, 3);
    return randomStart(params, start, err, how, () => r.uniform());
  };
  const all = Array.from({ length: 300 }, (_, i) => draw(3, i));
  t.true(all.every((v) => v[0] >= 0.7 && v[0] <= 1.2 && v[1] >= 2 && v[1] <= 8 && v[2] === 2));
  // Uniform: the mean of b's draws is 5 within 4 standard errors (width 6: sd sqrt(3)).
  const mb = all.reduce((s, v) => s + v[1], 0) / all.length;
  t.true(Math.abs(mb - 5) < 4 * Math.sqrt(3) / Math.sqrt(all.length), `mean ${mb}`);
  const lim = Array.from({ length: 300 }, (_, i) => draw('limits', i));
  t.true(lim.every((v) => v[0] >= 0.5 && v[0] <= 1.2 && v[1] >= 2 && v[1] <= 8));
  t.true(Math.min(...lim.map((v) => v[0])) < 0.6);
  t.deepEqual(draw(2, 7), draw(2, 7));
  t.notDeepEqual(draw(2, 7), draw(2, 8));
  t.true(Math.abs(chi2Sf(10, 10) - 0.44049328506521257) < 1e-12); // scipy.stats.chi2.sf(10, 10)
});

test('ntcorr condor toys + condor run-local + ntcorr toys merge equal one run of all toys, bit for bit', async (t) => {
  await fitted;
  const jobs = join(dir, 'cjobs');
  const outs = join(dir, 'cout');
  const common = ['--from-fit', fitResult, '--gen-values', 'sampled', '--randomize-start', '1.5', '--seed', '13'];
  const r = runCli(['condor', 'toys', '-m', MODEL, '-N', '25', '--toys-per-job', '10', '-d', jobs, '-o', outs, '--dry-run', ...common]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readFileSync(join(jobs, 'jobs.txt'), 'utf8').trim().split('\n'), ['0000 0:10', '0001 10:10', '0002 20:5']);
  for (const id of ['0002', '0000', '0001']) {
    const run = runLocal(jobs, 'ntcorr.sub', id);
    t.is(run.exitCode, 0, readFileSync(join(jobs, 'logs', `job-${id}.err`), 'utf8'));
    t.regex(readFileSync(join(jobs, 'logs', `job-${id}.out`), 'utf8'), new RegExp(`ntcorr-job: job=${id} exit=0\\n$`));
  }
  const merged = join(dir, 'merged');
  const m = runCli(['toys', 'merge', join(outs, 'job-0002'), join(outs, 'job-0000'), join(outs, 'job-0001'), '--out', merged, '--no-plots']);
  t.is(m.code, 0, m.stderr);
  const single = join(dir, 'single');
  const s = runCli(['toys', '--model', MODEL, '-N', '25', '--threads', '2', '--out', single, '--quiet', '--no-plots', ...common]);
  t.is(s.code, 0, s.stderr);
  const a = await rowsOf(join(single, 'toys.parquet'));
  const b = await rowsOf(join(merged, 'toys.parquet'));
  t.is(a.length, 125);
  t.deepEqual(b, a); // Object.is per value: every float bit for bit, NaN included
  const sa = yamlOf(join(single, 'summary.yaml'));
  const sb = yamlOf(join(merged, 'summary.yaml'));
  t.is(sb.provenance.configHash, sa.config_hash);
  t.is(sb.provenance.mergedFrom.length, 3);
  delete sa.provenance;
  delete sb.provenance;
  t.deepEqual(sb, sa);
  t.is(sa.toys, 25);
  t.is(sa.gen_values, 'sampled');
  t.is(new Set(a.filter((r) => r.parameter === 'mu').map((r) => r.gen)).size, 25); // one generating value per toy

  // A missing or doubled toy range, or another study's job, is refused with the folder named.
  const gap = runCli(['toys', 'merge', join(outs, 'job-0000'), join(outs, 'job-0002'), '--out', join(dir, 'gap')]);
  t.is(gap.code, 1);
  t.regex(gap.stderr, /job-0002: its toys 20\.\.24 leaves toys 10\.\.19 missing/);
  const study2 = join(dir, 'study2');
  await runToyStudy({ model: MODEL, toys: 3, first: 10, seed: 14, jobs: 1, vary: 'all', out: study2, plots: false });
  const other = runCli(['toys', 'merge', join(outs, 'job-0000'), study2, '--out', join(dir, 'other')]);
  t.is(other.code, 1);
  t.regex(other.stderr, /study2: config_hash .* not the same toy study/);
  // The merge can write rx's columns.
  const rx = runCli(['toys', 'merge', join(outs, 'job-0000'), join(outs, 'job-0001'), join(outs, 'job-0002'), '--out', join(dir, 'mrx'), '--columns', 'rx', '--no-plots']);
  t.is(rx.code, 0, rx.stderr);
  t.is((await rowsOf(join(dir, 'mrx', 'toys.parquet'))).length, 125);
});

test('bad toy options and fit results are clear errors', async (t) => {
  await fitted;
  const out = join(dir, 'bad');
  const cases: Array<[string[], RegExp]> = [
    [['toys', '--model', MODEL, '--out', out, '--randomize-start', 'wide'], /--randomize-start: expected a number of errors > 0 or "limits"/],
    [['toys', '--model', MODEL, '--out', out, '--columns', 'pandas'], /Invalid values:[\s\S]*columns/],
    [['toys', '--model', MODEL, '--out', out, '--gof-bin', '10'], /Unknown arguments?: gof-bin/],
    [['toys', '--out', out], /Missing required argument: model/],
    // A study's options are not merge's: not silently ignored there.
    [['toys', 'merge', out, '--out', out, '--from-fit', 'r.json'], /Unknown arguments?: from-fit/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, re);
  }
  const other = join(dir, 'other-result.json');
  writeFileSync(other, JSON.stringify({ fit: { parameters: { nsig: { value: 1000, error: 30 }, width: { value: 2, error: 0.1 } } } }));
  const r = runCli(['toys', '--model', MODEL, '--out', out, '-N', '2', '--from-fit', other, '--quiet']);
  t.is(r.code, 1);
  t.regex(r.stderr, /other-result\.json: parameter "width" of the fit result is not in .*gauss-exp\.yaml/);
  const typo = join(dir, 'gen-typo.yaml');
  writeFileSync(typo, readFileSync(MODEL, 'utf8').replace('nsig: {value: 1000, step: 30}', 'nsig: {value: 1000, stpe: 30}'));
  const g = runCli(['toys', '--model', MODEL, '--gen-model', typo, '--out', out, '-N', '2', '--quiet']);
  t.is(g.code, 1);
  t.regex(g.stderr, /gen-typo\.yaml: parameters\.nsig\.stpe: unknown key \(did you mean step\?\)/);
  writeFileSync(other, '{"fit": {}}');
  t.regex(runCli(['toys', '--model', MODEL, '--out', out, '-N', '2', '--from-fit', other, '--quiet']).stderr, /other-result\.json: not a fit result of ntcorr fit/);
});

test('GOF of a simultaneous model sums its categories; a fraction model loses one degree of freedom per category', async (t) => {
  const sim = join(dir, 'sim');
  await runToyStudy({ model: join(ROOT, 'examples/fit/sim-2cat.yaml'), toys: 20, seed: 2, jobs: 1, vary: 'all', out: sim, plots: false });
  const rs = (await rowsOf(join(sim, 'toys.parquet'))).filter((r) => r.parameter === 'mu' && r.valid);
  t.true(rs.length >= 18);
  // 2 x 40 bins (fewer once merged) - 9 free parameters.
  t.true(rs.every((r) => (r.gof_ndf as number) <= 71 && (r.gof_ndf as number) >= 50), `ndf ${rs.map((r) => r.gof_ndf).join(' ')}`);
  const pm = rs.reduce((a, r) => a + (r.gof_pvalue as number), 0) / rs.length;
  t.true(pm > 0.2 && pm < 0.8, `mean p ${pm}`);
  const frac = join(dir, 'frac.yaml');
  writeFileSync(frac, [
    'observable: {name: x, range: [0, 10]}',
    'parameters:',
    '  f: {value: 0.3, step: 0.02, limits: [0, 1]}',
    '  mu: {value: 5, step: 0.1}',
    '  sigma: {value: 0.5, step: 0.05}',
    '  lam: {value: -0.2, step: 0.02}',
    'components:',
    '  - {name: peak, pdf: gauss, mu: mu, sigma: sigma, fraction: f}',
    '  - {name: bkg, pdf: exponential, lambda: lam}',
    'toys: {events: 2000}',
    '',
  ].join('\n'));
  const fo = join(dir, 'frac-out');
  await runToyStudy({ model: frac, toys: 20, seed: 2, jobs: 1, vary: 'all', out: fo, plots: false });
  const rf = (await rowsOf(join(fo, 'toys.parquet'))).filter((r) => r.parameter === 'f' && r.valid);
  t.true(rf.length >= 18);
  // 40 bins (fewer once merged) - 4 free parameters - 1 for the fixed total.
  t.true(rf.every((r) => (r.gof_ndf as number) <= 35 && (r.gof_ndf as number) >= 28), `ndf ${rf.map((r) => r.gof_ndf).join(' ')}`);
  const pf = rf.reduce((a, r) => a + (r.gof_pvalue as number), 0) / rf.length;
  t.true(pf > 0.2 && pf < 0.8, `mean p ${pf}`);
});

test('--gen-values sampled: each toy generated at values drawn from the fit covariance; pulls against them stay N(0,1)', async (t) => {
  const fit = await fitted;
  const out = join(dir, 'sampled');
  await runToyStudy({ model: MODEL, fromFit: fitResult, genValues: 'sampled', toys: 300, seed: 31, jobs: 2, vary: 'all', out, plots: false });
  const s = yamlOf(join(out, 'summary.yaml'));
  t.is(s.gen_values, 'sampled');
  const rows = await rowsOf(join(out, 'toys.parquet'));
  for (const [name, p] of Object.entries(fit)) {
    const mine = rows.filter((r) => r.parameter === name && r.valid);
    const sd = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return { m, sd: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) };
    };
    const g = sd(mine.map((r) => r.gen as number));
    // The generating values scatter by the fit error around the fitted value...
    t.true(Math.abs(g.sd / p.error - 1) < 0.25, `${name}: gen sd ${g.sd} vs error ${p.error}`);
    t.true(Math.abs(g.m - p.value) < 4 * p.error / Math.sqrt(mine.length), `${name}: gen mean ${g.m}`);
    // ... the fitted values by sqrt(2) x that (generation spread + toy statistics) ...
    const v = sd(mine.map((r) => r.value as number));
    t.true(Math.abs(v.sd / (Math.SQRT2 * p.error) - 1) < 0.25, `${name}: value sd ${v.sd}`);
    // ... and the pulls against each toy's own generating values are N(0, 1).
    const ps = s.parameters[name];
    t.true(Math.abs(ps.pull_mean) < 3.5 * ps.pull_mean_error, `${name}: pull mean ${ps.pull_mean}`);
    t.true(Math.abs(ps.pull_width - 1) < 3.5 * ps.pull_width_error, `${name}: pull width ${ps.pull_width}`);
    t.is(ps.gen, p.value);
  }
  const r = runCli(['toys', '--model', MODEL, '--out', join(dir, 'nofit'), '-N', '2', '--gen-values', 'sampled', '--quiet']);
  t.is(r.code, 1);
  t.regex(r.stderr, /--gen-values sampled needs --from-fit/);
});

test('randomised starts fit the same toys (same data: the draws come after them) to the same minima', async (t) => {
  const a = join(dir, 'rs-off');
  const b = join(dir, 'rs-on');
  await runToyStudy({ model: MODEL, toys: 10, seed: 17, jobs: 1, vary: 'all', out: a, plots: false });
  await runToyStudy({ model: MODEL, toys: 10, seed: 17, jobs: 1, vary: 'all', out: b, plots: false, randomizeStart: 3 });
  const ra = await rowsOf(join(a, 'toys.parquet'));
  const rb = await rowsOf(join(b, 'toys.parquet'));
  t.deepEqual(rb.map((r) => r.events), ra.map((r) => r.events));
  t.notDeepEqual(rb.map((r) => r.nfcn), ra.map((r) => r.nfcn)); // other starts, other paths
  ra.forEach((r, i) => {
    t.true(Math.abs((rb[i].value as number) - (r.value as number)) < 0.02 * (r.error as number), `toy ${r.toy} ${r.parameter}: ${r.value} vs ${rb[i].value}`);
  });
});
