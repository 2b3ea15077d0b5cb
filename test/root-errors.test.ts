/**
 * Damaged ROOT files give ntcorr errors that name the file (and key/tree/branch), never JS or jsroot
 * internals, never console noise from jsroot, and never hang or allocate by an unchecked length.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NtcorrError } from '../src/core/errors.js';
import { RootTable } from '../src/io/root/reader.js';
import { mulberry32 } from '../src/core/random.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

test('a corrupted StreamerInfo fails inspect with exit 1 naming file and key (not "NaN rows")', async (t) => {
  const src = fixture('root', 'uproot-HZZ.root');
  const t0 = await RootTable.open(src);
  const k = (t0.carryTarget().file.js.fKeys as any[]).find((x) => x.fName === 'StreamerInfo');
  await t0.close();
  const bytes = Buffer.from(readFileSync(src));
  const dir = tempDir();
  for (const [i, at] of [Number(k.fSeekKey) + k.fKeylen + 200, Number(k.fSeekKey) + k.fKeylen + 3000].entries()) {
    const f = join(dir, `bad-${i}.root`);
    const m = Buffer.from(bytes);
    m[at] ^= 0x10;
    writeFileSync(f, m);
    const r = runCli(['inspect', f]);
    t.is(r.code, 1, r.stdout);
    t.regex(r.stderr, new RegExp(`bad-${i}\\.root: key "StreamerInfo"`));
    t.notRegex(r.stdout + r.stderr, /NaN|R__unzip|TypeError|RangeError|undefined/);
  }
});

test('mutated and truncated files: every failure is an ntcorr error naming the file, nothing printed by jsroot', async (t) => {
  const dir = tempDir();
  const rnd = mulberry32(2);
  let failures = 0;
  for (const name of ['uproot-HZZ.root', 'uproot-sample-6.20.04-lzma.root']) {
    const src = fixture('root', name);
    const bytes = readFileSync(src);
    const t0 = await RootTable.open(src);
    const js = t0.carryTarget().file.js;
    const regions: Array<[number, number]> = [[0, 120], [js.fSeekKeys, js.fNbytesKeys], [js.fSeekInfo, 100]];
    for (const k of js.fKeys) regions.push([Number(k.fSeekKey), k.fKeylen + 20]);
    const names = t0.columns.filter((c) => c.dtype).map((c) => c.name);
    await t0.close();
    const f = join(dir, name);
    for (let c = 0; c < 40; c++) {
      const m = Buffer.from(bytes);
      if (c % 8 === 0) {
        writeFileSync(f, m.subarray(0, Math.floor(rnd() * m.length)));
      } else {
        const [a, n] = regions[Math.floor(rnd() * regions.length)]!;
        const pos = a + Math.floor(rnd() * n);
        m[pos] = c % 2 ? m[pos]! ^ (1 << Math.floor(rnd() * 8)) : Math.floor(rnd() * 256);
        writeFileSync(f, m);
      }
      const saved = { error: console.error, log: console.log, warn: console.warn };
      let printed = '';
      console.error = console.log = console.warn = (...x: unknown[]) => { printed += x.join(' '); };
      try {
        const tb = await RootTable.open(f);
        try {
          await tb.readAll(names);
          await tb.describe();
        } finally {
          await tb.close();
        }
      } catch (e) {
        failures++;
        t.true(e instanceof NtcorrError && e.message.startsWith(f), `case ${c}: ${String(e)}`);
      } finally {
        Object.assign(console, saved);
      }
      t.is(printed, '', `case ${c}: nothing printed`);
    }
  }
  t.true(failures > 20, `${failures} of 80 damaged files failed`);
});
