// Dumps every numeric column of a ROOT/parquet file as JSON (offsets + values for arrays), for the
// numpy reference scripts. Usage: node --import tsx scripts/ref/dump-root-json.ts file.root tree > out.json
import { openTable } from '../../src/io/formats.js';
import { isJagged } from '../../src/core/columns.js';

const [path, tree] = process.argv.slice(2);
const t = await openTable(path, { tree });
const names = t.columns.filter((c) => c.dtype).map((c) => c.name);
const out: Record<string, unknown> = {};
for await (const ch of t.chunks(names, 1 << 30)) {
  for (const [k, c] of ch.columns) out[k] = isJagged(c) ? { offsets: Array.from(c.offsets), values: Array.from(c.values as ArrayLike<number>, Number) } : Array.from(c as ArrayLike<number>, Number);
}
await t.close();
console.log(JSON.stringify(out));
