/**
 * `npm run bench`: every benchmark in bench/*.ts (each exports run({ small })), one after the other, so that
 * nothing else competes for the two cores. `npm run bench -- parquet flow` runs a subset; `--small` smoke-runs.
 * Benchmarks print events/s, MB/s and peak RSS; they are never part of the test suite.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const small = args.includes('--small');
const only = args.filter((a) => !a.startsWith('--'));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

let failed = 0;
for (const name of names) {
  const mod = (await import(pathToFileURL(`${dir}${name}.ts`).href)) as { run?: (o: { small: boolean }) => Promise<void> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n=== bench ${name}${small ? ' (small)' : ''} ===`);
  const t0 = Date.now();
  try {
    await mod.run({ small });
  } catch (e) {
    failed++;
    console.error(`bench ${name} failed: ${(e as Error).stack ?? e}`);
  }
  console.log(`=== ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s ===`);
}
process.exitCode = failed ? 1 : 0;
