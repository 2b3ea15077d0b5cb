import type { CommandModule } from 'yargs';
import type { TableSource } from '../../io/table.js';
import { treeOption } from '../options.js';

interface InspectArgs {
  files: string[];
  json: boolean;
  tree?: string;
}

/** Everything `inspect` shows, as JSON: common fields plus the format's own `describe()`. */
export async function inspectTable(src: TableSource): Promise<Record<string, unknown>> {
  return {
    path: src.path,
    format: src.format,
    ...(src.tree ? { tree: src.tree } : {}),
    rows: src.rows,
    columns: src.columns,
    provenance: src.provenance,
    details: src.describe ? await src.describe() : {},
  };
}

function fmtBytes(n: unknown): string {
  if (typeof n !== 'number') return '';
  return n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

/** Plain-text rendering for terminals. */
export function renderInspect(info: Record<string, unknown>): string {
  const d = (info.details ?? {}) as Record<string, unknown>;
  const cols = info.columns as TableSource['columns'];
  const compression: Record<string, string[]> = { ...((d.compression ?? {}) as Record<string, string[]>) };
  // ROOT: per-branch codecs live in details.tree.branches.
  const branches = (d.tree as { branches?: { name: string; compression?: string }[] } | undefined)?.branches;
  if (Array.isArray(branches)) for (const b of branches) if (b.compression && !compression[b.name]) compression[b.name] = [b.compression];
  const lines: string[] = [];
  lines.push(`${info.path}`);
  const facts = [`format ${info.format}`, info.tree ? `tree ${info.tree}` : '', `${info.rows} rows`, `${cols.length} columns`,
    d.rowGroups !== undefined ? `${d.rowGroups} row groups` : '', d.bytes !== undefined ? fmtBytes(d.bytes) : '', d.createdBy ? `written by ${d.createdBy}` : ''];
  lines.push('  ' + facts.filter(Boolean).join(', '));
  const w = Math.min(40, Math.max(6, ...cols.map((c) => c.name.length)));
  lines.push(`  ${'column'.padEnd(w)}  ${'type'.padEnd(32)} ${'nullable'.padEnd(8)}  ${'nesting'.padEnd(8)}  codec`);
  for (const c of cols) {
    const depth = (c.detail.match(/\[\]/g) ?? []).length;
    const nest = c.jagged ? (depth > 1 ? `list x${depth}` : 'list') : c.fixedSize ? `[${c.fixedSize}]` : '';
    lines.push(`  ${c.name.padEnd(w)}  ${c.detail.padEnd(32)} ${(c.nullable ? 'yes' : 'no').padEnd(8)}  ${nest.padEnd(8)}  ${(compression[c.name] ?? []).join(',')}`);
  }
  const prov = info.provenance as TableSource['provenance'];
  if (prov.length) {
    lines.push(`  ntcorr provenance (${prov.length} run${prov.length > 1 ? 's' : ''}, oldest first):`);
    prov.forEach((p, i) => {
      lines.push(`    ${i + 1}. ${p.time}  ${p.tool}  model ${p.model} (${p.kind}, ${String(p.modelHash).slice(0, 12)})  added ${p.columnsAdded.join(', ')}`);
      if (p.counts) lines.push(`       counts ${Object.entries(p.counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      lines.push(`       ${p.command}`);
    });
  } else {
    lines.push('  no ntcorr provenance (never written by ntcorr)');
  }
  const other = Object.entries(d).filter(([k]) => !['rowGroups', 'bytes', 'createdBy', 'compression'].includes(k));
  for (const [k, v] of other) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    // Long format details (per-branch baskets...) belong to --json.
    lines.push(`  ${k}: ${text.length <= 300 ? text : `${text.slice(0, 120)}... (see --json)`}`);
  }
  return lines.join('\n');
}

export const command: CommandModule<object, InspectArgs> = {
  command: 'inspect <files..>',
  describe: 'Show schema (types, nullability, nesting), rows, row groups, compression and ntcorr provenance of ntuple files',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'parquet or ROOT files, or quoted globs' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON (one array entry per file) instead of text' })
      .option('tree', treeOption('ROOT files: the TTree to describe (default: the only one)'))
      .example('ntcorr inspect samples/zee_mc.parquet', 'Columns, row groups, codecs and provenance')
      .example('ntcorr inspect --json corrected/*.parquet | jq ".[].provenance"', 'Machine-readable, e.g. to audit which model corrected what'),
  handler: async (argv) => {
    const { openTable } = await import('../../io/formats.js');
    const { errorMessage } = await import('../../core/errors.js');
    const out: Record<string, unknown>[] = [];
    let failed = 0;
    const { expandFiles, unmatchedMessage } = await import('../../io/files.js');
    const { files, unmatched } = await expandFiles(argv.files);
    for (const u of unmatched) {
      failed++;
      if (argv.json) out.push({ path: u, error: unmatchedMessage(u) });
      else console.error(`ntcorr inspect: ${unmatchedMessage(u)}`);
    }
    for (const f of files) {
      try {
        const src = await openTable(f, { tree: argv.tree });
        try {
          const info = await inspectTable(src);
          if (argv.json) out.push(info);
          else console.log(renderInspect(info) + '\n');
        } finally {
          await src.close();
        }
      } catch (e) {
        failed++;
        if (argv.json) out.push({ path: f, error: errorMessage(e) });
        else console.error(`ntcorr inspect: ${errorMessage(e)}`);
      }
    }
    if (argv.json) console.log(JSON.stringify(out, null, 2));
    process.exitCode = failed ? 1 : 0;
  },
};
