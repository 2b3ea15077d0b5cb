import test from 'ava';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatError, main } from '../src/cli/main.js';
import { NtcorrError } from '../src/core/errors.js';
import { commandLine } from '../src/cli/options.js';
import { openTable } from '../src/io/formats.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/** Runs main() in this process (the handler must not run, so nothing heavy loads), capturing stderr. */
async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const orig = console.error;
  const origLog = console.log;
  console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    const code = await main(args);
    return { code, stderr: lines.join('\n') };
  } finally {
    console.error = orig;
    console.log = origLog;
    process.exitCode = undefined;
  }
}

const S = 'samples/zee_mc.parquet';
const M = 'models/sigma-m-over-m';

/** Every command and sub-command with arguments that would run (and write into `out`) without the typo. */
function commands(out: string): [string, string[]][] {
  return [
    ['apply', ['apply', S, '-m', M, '-o', out]],
    ['inspect', ['inspect', S]],
    ['build-transform', ['build-transform', out, '--config', 'examples/jet/jet.yaml', '--output', join(out, 't.yaml')]],
    ['closure', ['closure', '-m', 'models/zee-flow', '--data', 'samples/zee_data.parquet', '--mc', S, '-o', out]],
    ['validate', ['validate', '--data', 'samples/zee_data.parquet', '--mc', S, '-o', out]],
    ['fit', ['fit', '--model', 'examples/fit/gauss-exp.yaml', '--data', S, '--column', 'mass', '--out', join(out, 'f')]],
    ['toys', ['toys', '--model', 'examples/fit/gauss-exp.yaml', '-N', '2', '--out', out]],
    ['toys merge', ['toys', 'merge', out, '--out', join(out, 'm')]],
    ['import-zuko', ['import-zuko', 'x.pth', '--features', '2', '--context', '2', '-o', out]],
    ['train flow', ['train', 'flow', '--config', 'examples/flow/flow.yaml']],
    ['train jet', ['train', 'jet', '--config', 'examples/jet/jet.yaml', '--output', out]],
    ['condor submit', ['condor', 'submit', S, '-m', M, '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run']],
    ['condor status', ['condor', 'status', out]],
    ['condor resubmit', ['condor', 'resubmit', out, '--dry-run']],
    ['condor dag', ['condor', 'dag', '--train', 'examples/flow/flow.yaml', '--apply', S, '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run']],
    ['condor run-local', ['condor', 'run-local', out]],
    ['condor verify', ['condor', 'verify', S, '-m', M]],
    ['condor toys', ['condor', 'toys', '-m', 'examples/fit/gauss-exp.yaml', '-N', '4', '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run']],
  ];
}

test.serial('every command and sub-command stops with exit 2 and its usage line on an unknown option, before writing anything', async (t) => {
  const out = tempDir();
  for (const [name, args] of commands(out)) {
    const r = await run([...args, '--wehre', 'mass > 80']);
    t.is(r.code, 2, `${name}: ${r.stderr}`);
    t.regex(r.stderr, /Unknown argument: wehre/, name);
    t.true(r.stderr.includes(`usage: ntcorr ${name}`), `${name}: ${r.stderr}`);
    t.deepEqual(readdirSync(out), [], `${name} wrote something`);
  }
});

test.serial('a missing value, an option where a value belongs, a non-number and a typographic dash are usage errors (exit 2)', async (t) => {
  const out = tempDir();
  const cases: [string[], RegExp][] = [
    [['apply', S, '-m', M, '-o', out, '--where'], /--where: missing value/],
    [['apply', S, '-m', M, '-o', out, '--where', '--fill', 'keep'], /--where: missing value/],
    [['apply', S, '-m', M, '-o', out, '--chunk-rows', 'abc'], /--chunk-rows: expected a number, got "abc"/],
    [['apply', S, '-m', M, '-o', out, '--chunk-rows=1e'], /--chunk-rows: expected a number, got "1e"/],
    [['apply', S, '-m', '-o', out], /-m: missing value/],
    [['apply', S, '-m', M, '-o', out, '\u2014where', 'mass > 80'], /typographic dash/],
    [['toys', '--model', 'examples/fit/gauss-exp.yaml', '--out', out, '--threads', '0'], /--threads: expected a whole number >= 1, got 0/],
    [['toys', '--model', 'examples/fit/gauss-exp.yaml', '--out', out, '--threads', '2', '--jobs', '2'], /give only --threads/],
    [['condor', 'submit', S, '-m', M, '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run', '--files-per-job'], /--files-per-job: missing value/],
    [['fit', '--model', 'examples/fit/gauss-exp.yaml', '--data', S, '--column', 'mass', '--out', join(out, 'f'), '--no-plott'], /Unknown argument: plott/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, re);
    t.regex(r.stderr, /usage: ntcorr /);
  }
  t.deepEqual(readdirSync(out), []);
});

test('values starting with "-" parse: --where "-mass < -100" selects the rows with mass > 100', async (t) => {
  const dir = tempDir();
  copyFileSync(join(ROOT, S), join(dir, 'a.parquet'));
  const r = runCli(['apply', join(dir, 'a.parquet'), '-m', M, '-o', join(dir, 'out'), '--where', '-mass < -100', '-q']);
  t.is(r.code, 0, r.stderr);
  const read = async (f: string, col: string) => {
    const src = await openTable(f);
    const vals: number[] = [];
    for await (const c of src.chunks([col], 100_000)) vals.push(...(c.columns.get(col) as Float32Array | Float64Array));
    const prov = src.provenance;
    await src.close();
    return { vals, prov };
  };
  const mass = (await read(join(dir, 'a.parquet'), 'mass')).vals;
  const res = await read(join(dir, 'out', 'a.parquet'), 'sigma_m_over_m');
  const out = res.vals;
  let selected = 0;
  for (let i = 0; i < mass.length; i++) {
    t.is(Number.isNaN(out[i]), !(mass[i] > 100), `row ${i}`);
    if (mass[i] > 100) selected++;
  }
  t.true(selected > 0 && selected < mass.length);
  t.regex(res.prov.at(-1)!.command, /--where "-mass < -100" -q$/);
});

test('toys --jobs still works as a deprecated alias of --threads, with a warning', (t) => {
  const out = tempDir();
  const r = runCli(['toys', '--model', 'examples/fit/gauss-exp.yaml', '-N', '4', '--seed', '3', '--jobs', '1', '--out', out, '--quiet', '--no-plots']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /--jobs is deprecated .* use --threads/);
  t.regex(r.stdout, /4 toys in .* 1 threads\)/);
});

test('commandLine quotes what a shell would split', (t) => {
  t.is(commandLine(['apply', 'a.parquet', '--where', 'mass > 80', '-m', 'models/x']), 'ntcorr apply a.parquet --where "mass > 80" -m models/x');
  t.is(commandLine(['fit', '--shift=-0.5']), 'ntcorr fit --shift=-0.5');
});

test('top-level errors: ntcorr errors print their message; others one internal-error line, the stack only with NTCORR_DEBUG=1', (t) => {
  t.is(formatError(new NtcorrError('f.parquet: no column "x"'), false), 'ntcorr: f.parquet: no column "x"');
  t.is(formatError(new NtcorrError('f.parquet: no column "x"'), true), 'ntcorr: f.parquet: no column "x"');
  const bug = new TypeError("Cannot read properties of undefined (reading 'set')");
  t.is(formatError(bug, false), "ntcorr: internal error: Cannot read properties of undefined (reading 'set') (NTCORR_DEBUG=1 prints the stack; please report it)");
  const dbg = formatError(bug, true).split('\n');
  t.is(dbg[0], "ntcorr: internal error: Cannot read properties of undefined (reading 'set')");
  t.regex(dbg[1], /^TypeError: Cannot read/);
  t.true(dbg.length > 2 && dbg.slice(2).every((l) => /^\s+at /.test(l)));
});

test.serial('condor: a typo inside --apply-args / --train-args is a usage error at submit time, before the job folder is written', async (t) => {
  const out = tempDir();
  const r = await run(['condor', 'submit', S, '-m', M, '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run', '--apply-args', '--chunk-rows 5000 --wehre "mass > 80"']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--apply-args: Unknown argument: wehre/);
  const r2 = await run(['condor', 'submit', S, '-m', M, '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run', '--apply-args=--chunk-rows'], );
  t.is(r2.code, 2, r2.stderr);
  t.regex(r2.stderr, /--apply-args: --chunk-rows: missing value/);
  const r3 = await run(['condor', 'dag', '--train', 'examples/flow/flow.yaml', '--train-name', 'zee-flow', '--apply', S, '-o', join(out, 'o'), '-d', join(out, 'j'), '--dry-run', '--train-args', '--epohcs 3']);
  t.is(r3.code, 2, r3.stderr);
  t.regex(r3.stderr, /--train-args: Unknown argument: epohcs/);
  t.deepEqual(readdirSync(out), []);
});
