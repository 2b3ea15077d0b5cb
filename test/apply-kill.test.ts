import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tempDir } from './helpers/fixtures.js';
import { runCli, spawnCli } from './helpers/cli.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 during --in-place never damages the original; the next run cleans the temp files and finishes', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'big.parquet');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  // 400k rows x 10 columns (~16 MB): long enough that the kills land in every phase of the write.
  await con.run(`COPY (SELECT i AS event, (i * 0.37 % 100)::FLOAT AS pt, ((i % 1000) / 400.0 - 1.25)::FLOAT AS eta,
    ${Array.from({ length: 7 }, (_, k) => `sin(i * ${k + 1})::FLOAT AS v${k}`).join(', ')} FROM range(400000) t(i))
    TO '${file}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 50000)`);
  const original = sha(file);
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'ptcosh', kind: 'derived', inputs: ['pt', 'eta'], outputs: [{ name: 'p' }],
    config: { columns: { p: 'pt * cosh(eta)' } }, provenance: { createdBy: 'test', created: '2026-11-23', source: 'hand-written' },
  }));
  const args = ['apply', file, '-m', model, '--in-place', '--chunk-rows', '40000', '--quiet'];
  // Kill at chosen moments of the write: while new columns stream into the side file, and while DuckDB
  // writes the rewritten temp file (the side file is gone, the temp file exists), by polling the folder.
  const phases: { name: string; ready: (names: string[]) => boolean; extraMs: number }[] = [
    { name: 'side file started', ready: (n) => n.some((x) => x.endsWith('.side')), extraMs: 0 },
    { name: 'rewrite started', ready: (n) => n.some((x) => x.startsWith('.ntcorr-tmp-') && !x.endsWith('.side')), extraMs: 0 },
    { name: 'rewrite under way', ready: (n) => n.some((x) => x.startsWith('.ntcorr-tmp-') && !x.endsWith('.side')), extraMs: 150 },
  ];
  let landed = 0;
  let leftovers = 0;
  for (const phase of phases) {
    // Remove the previous kill's temp files so that the poll below sees this run's (the final clean run
    // checks that ntcorr itself removes stale ones).
    for (const n of readdirSync(dir)) if (n.startsWith('.ntcorr-tmp-')) { unlinkSync(join(dir, n)); leftovers++; }
    const child = spawnCli(args);
    let code: number | null | undefined;
    const exited = new Promise<void>((r) => child.on('exit', (c) => { code = c; r(); }));
    while (code === undefined && !phase.ready(readdirSync(dir))) await sleep(5);
    if (code === undefined) {
      await sleep(phase.extraMs);
      child.kill('SIGKILL');
    }
    await exited;
    if (code === 0) continue; // it finished before the kill: nothing to check for this phase
    landed++;
    t.is(sha(file), original, `original changed by a kill at "${phase.name}"`);
  }
  t.true(landed >= 2, `only ${landed} kills landed mid-write`);
  t.true(leftovers > 0 || readdirSync(dir).some((n) => n.startsWith('.ntcorr-tmp-')));
  // A clean run: stale temp files of dead processes are removed, the file gets its column.
  const r = runCli(args);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.ntcorr-tmp-')), []);
  const [rows, bad] = (await con.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE p IS DISTINCT FROM (pt::DOUBLE * cosh(eta::DOUBLE))::FLOAT) FROM read_parquet('${file}')`)).getRows()[0];
  t.is(rows, 400000n);
  t.is(bad, 0n);
  con.closeSync();
});
