/**
 * ROOT I/O bench: reading every branch of uproot-HZZ.root with ntcorr's bulk basket decoder vs jsroot's
 * per-entry treeProcess (same process, same file), and writing a generated 1M-entry tree (zlib, lz4, zstd).
 * Run alone: `node --import tsx bench/root.ts [--small]`.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isJagged, type Column } from '../src/core/columns.js';
import { RootTable } from '../src/io/root/reader.js';
import { TreeWriter } from '../src/io/root/writer.js';
import { jsrootRead } from '../test/helpers/jsroot-reference.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const HZZ = join(here, '..', '..', 'shared', 'fixtures', 'root', 'uproot-HZZ.root');

function bytesOf(c: Column): number {
  return isJagged(c) ? c.values.byteLength + c.offsets.byteLength : c.byteLength;
}

const mb = (b: number): number => b / 1e6;
/** CPU seconds of this process (user + system): the machine is shared, wall time is noisy. */
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const rss = (): string => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;

export async function run(opts: { small: boolean }): Promise<void> {
  // --- read: ours vs jsroot on all 51 branches of HZZ (2421 events) ---
  const probe = await RootTable.open(HZZ);
  const names = probe.columns.filter((c) => c.dtype).map((c) => c.name);
  const entries = probe.rows;
  await probe.close();
  const reps = opts.small ? 10 : 100;
  let decoded = 0;
  let openCpu = 0;
  const readOnce = async (): Promise<void> => {
    const o = cpu();
    const t = await RootTable.open(HZZ);
    openCpu += cpu() - o;
    decoded = 0;
    for await (const chunk of t.chunks(names, 100_000)) for (const c of chunk.columns.values()) decoded += bytesOf(c);
    await t.close();
  };
  await readOnce(); // warm-up (module loading, JIT), as for jsroot below
  openCpu = 0;
  const t0 = cpu();
  for (let r = 0; r < reps; r++) await readOnce();
  const ours = (cpu() - t0) / reps;
  const oursDecode = ours - openCpu / reps;
  const jsReps = opts.small ? 1 : 3;
  await jsrootRead(HZZ, 'events', names.slice(0, 2));
  const t1 = cpu();
  for (let r = 0; r < jsReps; r++) await jsrootRead(HZZ, 'events', names);
  const theirs = (cpu() - t1) / jsReps;
  const fileMB = mb(statSync(HZZ).size);
  console.log(`read HZZ, CPU time per full read incl. opening the file (${names.length} branches, ${entries} events, ${fileMB.toFixed(2)} MB file, ${mb(decoded).toFixed(2)} MB decoded):`);
  console.log(`  ntcorr : ${(ours * 1e3).toFixed(1)} ms  ${(entries / ours / 1e3).toFixed(0)} k events/s  ${(mb(decoded) / ours).toFixed(1)} MB/s decoded  ${(fileMB / ours).toFixed(1)} MB/s file`);
  console.log(`           of which opening (keys, streamers, TTree metadata via jsroot) ${((ours - oursDecode) * 1e3).toFixed(1)} ms; baskets ${(oursDecode * 1e3).toFixed(1)} ms = ${(mb(decoded) / oursDecode).toFixed(0)} MB/s decoded`);
  console.log(`  jsroot : ${(theirs * 1e3).toFixed(1)} ms  ${(entries / theirs / 1e3).toFixed(1)} k events/s  ${(mb(decoded) / theirs).toFixed(2)} MB/s decoded`);
  console.log(`  ratio  : ntcorr is ${(theirs / ours).toFixed(1)}x faster than jsroot treeProcess (target >= 20x)`);

  // --- write: 1M entries (flat float32/float64/int32 + a jagged float32 with counter) ---
  const n = opts.small ? 100_000 : 1_000_000;
  const dir = join(here, 'data', 'root');
  mkdirSync(dir, { recursive: true });
  const pt = new Float32Array(n);
  const w = new Float64Array(n);
  const id = new Int32Array(n);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    pt[i] = 20 + ((i * 7919) % 1000) / 10;
    w[i] = 1 + Math.sin(i) * 1e-3;
    id[i] = i;
    offsets[i + 1] = offsets[i]! + (i % 4);
  }
  const jv = new Float32Array(offsets[n]!).map((_, i) => (i % 97) * 0.5);
  const raw = pt.byteLength + w.byteLength + id.byteLength + jv.byteLength + 4 * n;
  for (const codec of ['zlib', 'lz4', 'zstd']) {
    const path = join(dir, `write-${codec}.root`);
    const t2 = cpu();
    const tw = new TreeWriter(path, 'Events', [
      { name: 'pt', dtype: 'float32', layout: 'flat' }, { name: 'weight', dtype: 'float64', layout: 'flat' },
      { name: 'id', dtype: 'int32', layout: 'flat' }, { name: 'jet_e', dtype: 'float32', layout: 'jagged', counter: 'njet' },
    ], codec);
    const step = 100_000;
    for (let s = 0; s < n; s += step) {
      const e = Math.min(n, s + step);
      const o = offsets.subarray(s, e + 1);
      await tw.append(new Map<string, Column>([
        ['pt', pt.subarray(s, e)], ['weight', w.subarray(s, e)], ['id', id.subarray(s, e)],
        ['jet_e', { offsets: o.map((x) => x - o[0]!), values: jv.subarray(o[0]!, o[e - s]!) }],
      ]), e - s);
    }
    await tw.finish();
    const sec = cpu() - t2;
    console.log(`write ${n} entries ${codec.padEnd(4)}: ${sec.toFixed(2)} s CPU  ${(n / sec / 1e6).toFixed(2)} M events/s  ${(mb(raw) / sec).toFixed(1)} MB/s uncompressed  file ${mb(statSync(path).size).toFixed(1)} MB`);
    // Read it back: large baskets show the decoder's throughput without HZZ's per-basket overheads.
    const t3 = cpu();
    const rt = await RootTable.open(path);
    let got = 0;
    for await (const chunk of rt.chunks(['pt', 'weight', 'id', 'jet_e', 'njet'], 100_000)) for (const c of chunk.columns.values()) got += bytesOf(c);
    await rt.close();
    const rsec = cpu() - t3;
    console.log(`read  ${n} entries ${codec.padEnd(4)}: ${rsec.toFixed(2)} s CPU  ${(n / rsec / 1e6).toFixed(2)} M events/s  ${(mb(got) / rsec).toFixed(1)} MB/s decoded`);
    rmSync(path, { force: true });
  }
  console.log(`peak RSS ${rss()}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run({ small: process.argv.includes('--small') });
}
