/**
 * Mutation fuzzing of ntcorr's readers through the real CLI (outside the test suite):
 *
 *   node --import tsx scripts/fuzz-inputs.ts [--minutes 5] [--seed 1] [--timeout 30] [--out fuzz-out] [--kinds root,...]
 *
 * Takes small fixture files (parquet, ROOT, zuko .pth, .npy, a model.json), mutates each (truncation, bit
 * flip, random byte, zeroed or duplicated range), runs the command that reads it (`inspect` + `apply` with a
 * derived model for ntuples, plus a read of every branch for ROOT files, `import-zuko` for .pth, the .npy reader, `apply` with the mutated model.json)
 * and reports every run that
 *   hang      ran past --timeout seconds,
 *   crash     exited by a signal or with a code other than 0-3, or printed "internal error" (a non-ntcorr error),
 *   silent    exited 0 although the mutation hit checksummed data and the values read differ from the
 *             original's (zip CRC-32 for .pth; ROOT branches whose baskets are all compressed with a checksum),
 *   memory    peak RSS above 1 GB.
 * Other outcomes (clean ntcorr error with exit 1/2, or exit 0 with the same values) count as ok; exit 0 with
 * changed values in parquet (no page checksums) or in ROOT baskets stored uncompressed / as checksum-less zstd
 * frames is counted as `changed-unchecksummed`. Cases and
 * outcomes go to <out>/report.json and a summary on stdout; the mutated input of every finding is kept.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FIX = join(ROOT, '..', 'shared', 'fixtures');
const args = process.argv.slice(2);
const USAGE = 'usage: node --import tsx scripts/fuzz-inputs.ts [--minutes 5] [--seed 1] [--timeout 30] [--out fuzz-out] [--kinds root,parquet,pth,npy,model.json]';
if (args.includes('--help') || args.includes('-h')) { console.log(USAGE); process.exit(0); }
// unknown options are errors here too (a mistyped --minuts would silently fuzz for the default time)
for (let i = 0; i < args.length; i += 2) {
  if (!['--minutes', '--seed', '--timeout', '--out', '--kinds'].includes(args[i]!) || args[i + 1] === undefined) {
    console.error(`fuzz-inputs: unknown option or missing value: ${args[i]}\n${USAGE}`);
    process.exit(2);
  }
}
// absolute, so runs in a scratch folder resolve it
const TSX = import.meta.resolve('tsx');
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const minutes = Number(opt('minutes', '5'));
const timeoutS = Number(opt('timeout', '30'));
const OUT = resolve(opt('out', 'fuzz-out'));
let seed = Number(opt('seed', '1')) >>> 0 || 1;

/** xorshift32: reproducible mutations for a given --seed. */
function rnd(): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];

interface Target {
  kind: 'parquet' | 'root' | 'pth' | 'npy' | 'model.json';
  file: string;
  /** Numeric flat column for the derived model (ntuples). */
  column?: string;
  tree?: string;
}

const TARGETS: Target[] = ([
  { kind: 'parquet', file: join(FIX, 'parquet', 'parquet-testing', 'alltypes_plain.parquet'), column: 'id' },
  { kind: 'parquet', file: join(FIX, 'parquet', 'parquet-testing', 'datapage_v2.snappy.parquet'), column: 'b' },
  { kind: 'parquet', file: join(FIX, 'parquet', 'parquet-testing', 'byte_stream_split.zstd.parquet'), column: 'f32' },
  { kind: 'root', file: join(FIX, 'root', 'uproot-sample-6.20.04-zlib.root'), column: 'i4', tree: 'sample' },
  { kind: 'root', file: join(FIX, 'root', 'uproot-sample-6.20.04-lzma.root'), column: 'i4', tree: 'sample' },
  { kind: 'root', file: join(FIX, 'root', 'uproot-HZZ-lz4.root'), column: 'NJet', tree: 'events' },
  { kind: 'pth', file: join(FIX, 'zuko', 'nsf_c', 'state_dict.pth') },
  { kind: 'npy', file: join(FIX, 'zuko', 'nsf_c', 'io', 'c.npy') },
  { kind: 'model.json', file: join(ROOT, 'models', 'sigma-m-over-m', 'model.json') },
] as Target[]).filter((t) => existsSync(t.file) && opt('kinds', 'parquet,root,pth,npy,model.json').split(',').includes(t.kind));

type Mutation = { how: string; at: number; bytes: Buffer };

function mutate(orig: Buffer): Mutation {
  const b = Buffer.from(orig);
  const at = Math.floor(rnd() * b.length);
  switch (pick(['truncate', 'bitflip', 'bitflip', 'byte', 'zero16', 'dup16'])) {
    case 'truncate': return { how: 'truncate', at, bytes: b.subarray(0, at) };
    case 'bitflip': { const bit = Math.floor(rnd() * 8); b[at] ^= 1 << bit; return { how: `bitflip bit ${bit}`, at, bytes: b }; }
    case 'byte': { const v = Math.floor(rnd() * 256); b[at] = v; return { how: `byte=${v}`, at, bytes: b }; }
    case 'zero16': b.fill(0, at, at + 16); return { how: 'zero 16 bytes', at, bytes: b };
    default: return { how: 'duplicate 16 bytes', at, bytes: Buffer.concat([b.subarray(0, at + 16), b.subarray(at)]) };
  }
}

interface Run { code: number | null; signal: string | null; timedOut: boolean; rssMB: number; stderr: string; stdout: string; seconds: number }

/** Runs the CLI from source under /usr/bin/time (peak RSS), with a wall-clock limit. */
function cli(argv: string[], cwd: string): Run {
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'NTCORR_FUZZ_MAXRSS_KB %M', process.execPath, '--import', TSX, join(ROOT, 'src/cli/main.ts'), ...argv], {
    cwd, encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20, env: { ...process.env, NTCORR_THREADS: '1' },
  });
  const m = /NTCORR_FUZZ_MAXRSS_KB (\d+)/.exec(r.stderr ?? '');
  // /usr/bin/time reports a signalled child as "Command terminated by signal N" and exits 128+N
  const sig = /terminated by signal (\d+)/.exec(r.stderr ?? '');
  return {
    code: r.status, signal: r.signal ?? (sig ? `signal ${sig[1]}` : null), timedOut: r.error?.message.includes('ETIMEDOUT') ?? false,
    rssMB: m ? Number(m[1]) / 1024 : 0, stderr: (r.stderr ?? '').replace(/.*NTCORR_FUZZ_MAXRSS_KB.*\n?/, ''), stdout: r.stdout ?? '', seconds: (Date.now() - t0) / 1000,
  };
}

/** Values written by the derived model (x2 = 2 * column), as a string to compare runs. */
async function outputValues(file: string, tree?: string): Promise<string> {
  const { openTable } = await import('../src/io/formats.js');
  const t = await openTable(file, { tree });
  const parts: string[] = [];
  for await (const ch of t.chunks(['x2'], 1 << 20)) parts.push(Array.from(ch.columns.get('x2') as Float32Array).join(','));
  await t.close();
  return parts.join(',');
}

/** Runs a small script (under /usr/bin/time) that reads every branch of a ROOT tree; prints a hash per branch. */
function readAllBranches(input: string, tree: string, dir: string): Run {
  const js = `import { createHash } from 'node:crypto';
import { RootTable } from '${join(ROOT, 'src/io/root/reader.ts')}';
try {
  const t = await RootTable.open(${JSON.stringify(input)}, { tree: ${JSON.stringify(tree)} });
  const out = {};
  for (const [name, p] of t.plans()) {
    if (p.unsupported && !p.strings) continue;
    const h = createHash('sha1');
    if (p.strings) h.update(JSON.stringify(await t.readStrings(name)));
    else { const c = (await t.readAll([name])).get(name); h.update(JSON.stringify('offsets' in c ? [Array.from(c.offsets), Array.from(c.values, String)] : Array.from(c, String))); }
    out[name] = h.digest('hex');
  }
  await t.close();
  console.log(JSON.stringify(out));
} catch (e) {
  if (e && e.name === 'NtcorrError') { console.error('ntcorr: ' + e.message); process.exit(1); }
  console.error('ntcorr: internal error: ' + (e && e.stack || e)); process.exit(4);
}`;
  const f = join(dir, 'read-all.mts');
  writeFileSync(f, js);
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'NTCORR_FUZZ_MAXRSS_KB %M', process.execPath, '--import', TSX, f], { encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  const m = /NTCORR_FUZZ_MAXRSS_KB (\d+)/.exec(r.stderr ?? '');
  const sig = /terminated by signal (\d+)/.exec(r.stderr ?? '');
  return {
    code: r.status, signal: r.signal ?? (sig ? `signal ${sig[1]}` : null), timedOut: r.error?.message.includes('ETIMEDOUT') ?? false,
    rssMB: m ? Number(m[1]) / 1024 : 0, stderr: (r.stderr ?? '').replace(/.*NTCORR_FUZZ_MAXRSS_KB.*\n?/, ''), stdout: r.stdout ?? '', seconds: (Date.now() - t0) / 1000,
  };
}

/**
 * Branches whose baskets are all compressed (so checksummed: zlib Adler-32, LZ4 XXH64, xz CRC; zstd only
 * when the frame carries its optional content checksum, which ROOT's do not): a changed value there is a
 * finding; elsewhere the format has nothing to detect it with.
 */
async function checksummedBranches(file: string, tree: string): Promise<Set<string>> {
  const { RootTable } = await import('../src/io/root/reader.js');
  const bytes = readFileSync(file);
  const t = await RootTable.open(file, { tree });
  const out = new Set<string>();
  for (const [name, p] of t.plans()) {
    const b = p.branch;
    let all = Number(b.fWriteBasket) > 0;
    for (let k = 0; k < Number(b.fWriteBasket) && all; k++) {
      const seek = Number(b.fBasketSeek[k]);
      const n = Number(b.fBasketBytes[k]);
      const keylen = bytes.readInt16BE(seek + 14);
      const body = seek + keylen;
      const tag = bytes.toString('latin1', body, body + 2);
      all = bytes.readInt32BE(seek + 6) !== n - keylen && !(tag === 'ZS' && (bytes[body + 9 + 4]! & 4) === 0);
    }
    if (all) out.add(name);
  }
  await t.close();
  return out;
}

function derivedBundle(dir: string, column: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    format: 'ntcorr-bundle', formatVersion: 1, name: 'fuzz-x2', kind: 'derived', inputs: [column], outputs: [{ name: 'x2', type: 'float32' }],
    config: { columns: { x2: `2 * \`${column}\`` } }, provenance: { createdBy: 'fuzz', created: '2026-12-03', source: 'scripts/fuzz-inputs.ts' },
  }));
  return dir;
}

interface Case { target: string; kind: string; mutation: string; at: number; command: string; outcome: string; code: number | null; seconds: number; rssMB: number; message: string }

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'findings'), { recursive: true });
  const work = join(OUT, 'work');
  const cases: Case[] = [];
  const baseline = new Map<string, string>();
  const zukoArch = ['--features', '3', '--context', '3', '--bins', '8', '--transforms', '3', '--hidden', '32,32'];
  const layout = join(FIX, 'zuko', 'nsf_c', 'layout.json');
  if (existsSync(layout)) {
    const k = JSON.parse(readFileSync(layout, 'utf8')).kwargs;
    zukoArch.splice(0, zukoArch.length, '--features', String(k.features), '--context', String(k.context), '--bins', String(k.bins), '--transforms', String(k.transforms), '--hidden', (k.hidden_features as number[]).join(','), ...(k.passes ? ['--passes', String(k.passes)] : []));
    // the spline slope depends on the zuko release; the layout records it
    const lay = JSON.parse(readFileSync(layout, 'utf8'));
    if (lay.zuko_version) zukoArch.push('--zuko-version', String(lay.zuko_version));
  }
  const small = join(ROOT, 'samples', 'zee_mc.parquet');

  /** The command(s) reading one (mutated) input; returns the values to compare for "silent" changes. */
  const runTarget = async (t: Target, input: string, dir: string): Promise<{ runs: [string, Run][]; values?: string; branchValues?: Record<string, string> }> => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (t.kind === 'parquet' || t.kind === 'root') {
      const model = derivedBundle(join(dir, 'model'), t.column!);
      const tree = t.tree ? ['--tree', t.tree] : [];
      const a = cli(['inspect', input, ...tree], dir);
      const b = cli(['apply', input, '-m', model, '-o', join(dir, 'out'), '-q', ...tree], dir);
      let values: string | undefined;
      if (b.code === 0) values = await outputValues(join(dir, 'out', basename(input)), t.tree).catch((e) => `unreadable: ${(e as Error).message}`);
      const runs: [string, Run][] = [['inspect', a], ['apply', b]];
      let branchValues: Record<string, string> | undefined;
      if (t.kind === 'root') {
        // apply reads one branch and byte-copies the rest: read every branch too, so that mutations in
        // the other baskets (most of the file) reach the reader.
        const r = readAllBranches(input, t.tree!, dir);
        runs.push(['read all branches', r]);
        if (r.code === 0) branchValues = JSON.parse(r.stdout) as Record<string, string>;
      }
      return { runs, values, branchValues };
    }
    if (t.kind === 'pth') {
      const r = cli(['import-zuko', input, ...zukoArch, '-o', join(dir, 'bundle')], dir);
      return { runs: [['import-zuko', r]], values: r.code === 0 ? readFileSync(join(dir, 'bundle', 'weights.bin')).toString('base64') : undefined };
    }
    if (t.kind === 'npy') {
      const js = `import { readNpy } from '${join(ROOT, 'src/io/torch/npy.ts')}'; try { const a = readNpy(${JSON.stringify(input)}); console.log(JSON.stringify(a.shape)); } catch (e) { if (e && e.name === 'NtcorrError') { console.error('ntcorr: ' + e.message); process.exit(1); } console.error('ntcorr: internal error: ' + e); process.exit(4); }`;
      const f = join(dir, 'read.mts');
      writeFileSync(f, js);
      const t0 = Date.now();
      const r = spawnSync('/usr/bin/time', ['-f', 'NTCORR_FUZZ_MAXRSS_KB %M', process.execPath, '--import', TSX, f], { encoding: 'utf8', timeout: timeoutS * 1000, killSignal: 'SIGKILL' });
      const m = /NTCORR_FUZZ_MAXRSS_KB (\d+)/.exec(r.stderr ?? '');
      return { runs: [['read npy', { code: r.status, signal: r.signal, timedOut: r.error?.message.includes('ETIMEDOUT') ?? false, rssMB: m ? Number(m[1]) / 1024 : 0, stderr: r.stderr ?? '', stdout: r.stdout ?? '', seconds: (Date.now() - t0) / 1000 }]] };
    }
    // model.json: a copy of the bundle with the mutated manifest, applied to the Z->ee sample
    const model = join(dir, 'model');
    mkdirSync(model, { recursive: true });
    cpSync(input, join(model, 'model.json'));
    const r = cli(['apply', small, '-m', model, '-o', join(dir, 'out'), '-q'], dir);
    return { runs: [['apply', r]] };
  };

  const branchBaseline = new Map<string, Record<string, string>>();
  const checksummed = new Map<string, Set<string>>();
  for (const t of TARGETS) {
    const r = await runTarget(t, t.file, join(work, 'baseline'));
    if (r.values !== undefined) baseline.set(t.file, r.values);
    if (r.branchValues) branchBaseline.set(t.file, r.branchValues);
    if (t.kind === 'root') checksummed.set(t.file, await checksummedBranches(t.file, t.tree!));
    const bad = r.runs.filter(([, x]) => x.code !== 0);
    console.log(`baseline ${basename(t.file)}: ${bad.length ? `FAILS (${bad.map(([c, x]) => `${c}: ${x.stderr.trim().split('\n')[0]}`).join('; ')})` : 'ok'}`);
  }

  const deadline = Date.now() + minutes * 60_000;
  let n = 0;
  while (Date.now() < deadline) {
    const t = TARGETS[n % TARGETS.length];
    n++;
    const mut = mutate(readFileSync(t.file));
    const input = join(work, `input-${basename(t.file)}`);
    mkdirSync(work, { recursive: true });
    writeFileSync(input, mut.bytes);
    const r = await runTarget(t, input, join(work, 'run'));
    for (const [command, x] of r.runs) {
      let outcome = 'ok';
      if (x.timedOut) outcome = 'hang';
      // a failure must be an ntcorr message (a line starting "ntcorr"), never a bare stack or a signal
      else if (x.signal || x.code === null || x.code > 3 || /internal error/.test(x.stderr) || (x.code !== 0 && !/^ntcorr|^failed /m.test(x.stderr))) outcome = 'crash';
      else if (x.rssMB > 1024) outcome = 'memory';
      else if (x.code === 0 && r.values !== undefined && baseline.has(t.file) && r.values !== baseline.get(t.file)) {
        // Changed values are a finding where the format checksums the data; parquet pages usually carry no
        // CRC (and DuckDB does not check one), so there it is only counted.
        outcome = t.kind === 'pth' || t.kind === 'root' ? 'silent' : 'changed-unchecksummed';
      } else if (x.code === 0 && command === 'read all branches' && r.branchValues && branchBaseline.has(t.file)) {
        const before = branchBaseline.get(t.file)!;
        const changed = Object.keys(before).filter((k) => r.branchValues![k] !== before[k]);
        if (changed.some((k) => checksummed.get(t.file)!.has(k))) outcome = 'silent';
        else if (changed.length) outcome = 'changed-unchecksummed';
      }
      const lines = x.stderr.trim().split('\n');
      const message = (lines.find((l) => /^(ntcorr|failed )/.test(l)) ?? lines[0] ?? '').slice(0, 300);
      const c: Case = { target: basename(t.file), kind: t.kind, mutation: mut.how, at: mut.at, command, outcome, code: x.code, seconds: x.seconds, rssMB: Math.round(x.rssMB), message };
      cases.push(c);
      if (outcome !== 'ok' && outcome !== 'changed-unchecksummed') {
        const keep = join(OUT, 'findings', `${cases.length}-${outcome}-${basename(t.file)}`);
        cpSync(input, keep);
        console.log(`${outcome.toUpperCase()} ${c.target} ${c.mutation} @${c.at} ${command}: exit ${x.code} ${x.signal ?? ''} ${c.seconds.toFixed(1)} s ${c.rssMB} MB ${message}`);
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
  const by = (k: (c: Case) => string) => cases.reduce<Record<string, number>>((m, c) => { m[k(c)] = (m[k(c)] ?? 0) + 1; return m; }, {});
  const summary = {
    seed: Number(opt('seed', '1')), minutes, runs: cases.length, mutatedInputs: n,
    outcomes: by((c) => c.outcome), byTarget: by((c) => `${c.target} ${c.outcome}`), exitCodes: by((c) => `${c.kind} exit ${c.code}`),
    maxSeconds: Math.max(0, ...cases.map((c) => c.seconds)), maxRssMB: Math.max(0, ...cases.map((c) => c.rssMB)),
    findings: cases.filter((c) => c.outcome !== 'ok' && c.outcome !== 'changed-unchecksummed'),
  };
  writeFileSync(join(OUT, 'report.json'), JSON.stringify({ summary, cases }, null, 2));
  console.log(JSON.stringify({ ...summary, findings: summary.findings.length }, null, 2));
}

await main();
