/**
 * Parquet `apply` benchmark: a 1M-row x 48-column file (40 float32, 5 int32, 2 bool, 1 int64; zstd,
 * 100k-row groups like pyarrow), `ntcorr apply` adding 16 float32 columns with a derived bundle, against
 * DuckDB alone doing the same `COPY (SELECT *, <16 expressions> FROM read_parquet(...)) TO ... (zstd)`.
 * Both run as child processes with the same DuckDB thread count; peak RSS is the child's VmHWM.
 *
 *   node --import tsx bench/parquet.ts [--small] [--rows N]     (--small: 100k rows; --rows 5000000 for the 600 MB check)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = join(ROOT, 'bench/data');

/** The same 16 expressions in ntcorr's language and in DuckDB SQL (identical text where both agree). */
const EXPRS: [string, string][] = Array.from({ length: 16 }, (_, k) => {
  const a = `f${k}`, b = `f${k + 16}`, c = `f${(k + 5) % 40}`;
  const forms: [string, string][] = [
    [`sqrt(${a}^2 + ${b}^2)`, `sqrt(${a}^2 + ${b}^2)`],
    [`${a} * exp(-abs(${b}))`, `${a} * exp(-abs(${b}))`],
    [`log(1 + abs(${a} * ${c}))`, `ln(1 + abs(${a} * ${c}))`],
    [`where(${a} > 0, ${b} / (1 + ${a}), ${c})`, `CASE WHEN ${a} > 0 THEN ${b} / (1 + ${a}) ELSE ${c} END`],
  ];
  return forms[k % 4];
});

function fileSql(rows: number, path: string): string {
  const cols: string[] = [];
  // Deterministic pseudo-random values from hash(i, k): cheap for DuckDB, incompressible like real floats.
  for (let k = 0; k < 40; k++) cols.push(`((hash(i, ${k}) % 2000000)::DOUBLE / 1000000.0 - 1.0)::FLOAT AS f${k}`);
  for (let k = 0; k < 5; k++) cols.push(`(hash(i, ${100 + k}) % 1000)::INTEGER AS i${k}`);
  for (let k = 0; k < 2; k++) cols.push(`(hash(i, ${200 + k}) % 2 = 0) AS b${k}`);
  cols.push('i::BIGINT AS event');
  return `COPY (SELECT ${cols.join(', ')} FROM range(${rows}) t(i)) TO '${path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)`;
}

/** Runs a child, polls its VmHWM (peak resident set) until it exits. */
function measure(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ seconds: number; peakMB: number; code: number; out: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch { /* exited */ }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ seconds: (performance.now() - t0) / 1000, peakMB: peak, code: code ?? -1, out });
    });
  });
}

export async function run(opts: { small: boolean; rows?: number }): Promise<void> {
  const rows = opts.rows ?? (opts.small ? 100_000 : 1_000_000);
  mkdirSync(DATA, { recursive: true });
  const input = join(DATA, `bench-${rows}x48.parquet`);
  const con = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
  if (!existsSync(input)) {
    console.log(`building ${input} ...`);
    await con.run(fileSql(rows, input));
  }
  const mb = statSync(input).size / 1e6;
  const model = join(DATA, 'bench16');
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'bench16', kind: 'derived', inputs: [],
    outputs: EXPRS.map((_, k) => ({ name: `new${k}` })),
    config: { columns: Object.fromEntries(EXPRS.map(([e], k) => [`new${k}`, e])) },
    provenance: { createdBy: 'bench/parquet.ts', created: '2026-11-23T00:00:00Z', source: 'benchmark' },
  }));
  const outDir = join(DATA, 'out');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const duckOut = join(DATA, 'out-duckdb.parquet');

  console.log(`input: ${rows.toLocaleString('en-US')} rows x 48 columns, ${mb.toFixed(1)} MB (zstd); adding 16 float32 columns`);
  // DuckDB alone, same thread count and memory limit as ntcorr's instance.
  const sql = `SET threads = 2; SET memory_limit = '300MB'; COPY (SELECT *, ${EXPRS.map(([, s], k) => `(${s})::FLOAT AS new${k}`).join(', ')} FROM read_parquet('${input}')) TO '${duckOut}' (FORMAT parquet, COMPRESSION zstd)`;
  const duckScript = `import { DuckDBInstance } from '@duckdb/node-api'; const c = await (await DuckDBInstance.create(':memory:')).connect(); for (const s of ${JSON.stringify(sql)}.split('; ')) await c.run(s);`;
  const duck = await measure(process.execPath, ['--input-type=module', '-e', duckScript]);
  if (duck.code !== 0) throw new Error(`DuckDB run failed: ${duck.out}`);
  // The installed CLI (dist/, after `npm run build`) when there is one, else from source through tsx.
  const built = join(ROOT, 'dist/pipeline/run.js');
  const fresh = existsSync(built) && statSync(built).mtimeMs >= statSync(join(ROOT, 'src/pipeline/run.ts')).mtimeMs && statSync(built).mtimeMs >= statSync(join(ROOT, 'src/io/parquet/writer.ts')).mtimeMs;
  if (existsSync(built) && !fresh) console.log('dist/ is older than src/ (run `npm run build`); using the sources through tsx');
  const cli = fresh ? [join(ROOT, 'bin/ntcorr.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  console.log(`ntcorr runs as: node ${cli.join(' ')}`);
  const nt = await measure(process.execPath, [...cli, 'apply', input, '-m', model, '-o', outDir, '--quiet']);
  if (nt.code !== 0) throw new Error(`ntcorr apply failed: ${nt.out}`);
  // CLI start-up, for reference (included in the ntcorr time above).
  const idle = await measure(process.execPath, [...cli, '--version']);

  const line = (name: string, r: { seconds: number; peakMB: number }) =>
    console.log(`${name.padEnd(22)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / r.seconds).toLocaleString('en-US').padStart(11)} events/s  ${(mb / r.seconds).toFixed(1).padStart(6)} MB/s  peak RSS ${r.peakMB.toFixed(0)} MB`);
  line('ntcorr apply', nt);
  line('DuckDB alone (COPY)', duck);
  console.log(`ratio ntcorr/DuckDB: ${(nt.seconds / duck.seconds).toFixed(2)} (target <= 1.5); CLI start-up (--version) ${idle.seconds.toFixed(2)} s of it`);

  // Same numbers from both? (float32 of the same float64 arithmetic; log vs ln may differ in the last bit)
  const ours = join(outDir, `bench-${rows}x48.parquet`);
  const diff = (await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${ours}') a POSITIONAL JOIN (SELECT ${EXPRS.map((_, k) => `new${k} AS d${k}`).join(', ')} FROM read_parquet('${duckOut}')) b
    WHERE ${EXPRS.map((_, k) => `abs(new${k} - d${k}) > 1e-6 * (1 + abs(d${k}))`).join(' OR ')}`)).getRows()[0][0];
  console.log(`rows where ntcorr and DuckDB disagree: ${diff}`);
  con.closeSync();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(duckOut, { force: true });
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--rows');
  await run({ small: args.includes('--small'), rows: i >= 0 ? Number(args[i + 1]) : undefined });
}
