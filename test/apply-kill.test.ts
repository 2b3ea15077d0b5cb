import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
  // ~1.5M rows x 10 columns (~60 MB): long enough that the kills land in every phase of the write.
  await con.run(`COPY (SELECT i AS event, (i * 0.37 % 100)::FLOAT AS pt, ((i % 1000) / 400.0 - 1.25)::FLOAT AS eta,
    ${Array.from({ length: 7 }, (_, k) => `sin(i * ${k + 1})::FLOAT AS v${k}`).join(', ')} FROM range(1500000) t(i))
    TO '${file}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)`);
  const original = sha(file);
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'ptcosh', kind: 'derived', inputs: ['pt', 'eta'], outputs: [{ name: 'p' }],
    config: { columns: { p: 'pt * cosh(eta)' } }, provenance: { createdBy: 'test', created: '2026-11-23', source: 'hand-written' },
  }));
  const args = ['apply', file, '-m', model, '--in-place', '--chunk-rows', '100000', '--quiet'];
  let sawTemp = false;
  for (const delay of [1000, 2500, 4000, 5500]) {
    const child = spawnCli(args);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await sleep(delay);
    child.kill('SIGKILL');
    const code = await exited;
    if (readdirSync(dir).some((n) => n.startsWith('.ntcorr-tmp-'))) sawTemp = true;
    if (code === 0) break; // finished before the kill (slow kill / fast machine): checked below
    t.is(sha(file), original, `original changed by a kill after ${delay} ms`);
  }
  t.true(sawTemp, 'no kill landed while a temp file existed');
  // A clean run: stale temp files of dead processes are removed, the file gets its column.
  const r = runCli(args);
  t.is(r.code, 0, r.stderr + r.stdout);
  t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.ntcorr-tmp-')), []);
  const [rows, bad] = (await con.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE p IS DISTINCT FROM (pt::DOUBLE * cosh(eta::DOUBLE))::FLOAT) FROM read_parquet('${file}')`)).getRows()[0];
  t.is(rows, 1500000n);
  t.is(bad, 0n);
  con.closeSync();
});
