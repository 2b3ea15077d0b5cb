import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

// The layering of src/ (issue #18): the top folders form a DAG (cli on top, core at the bottom), and only the
// CLI reads environment variables. Imports are found with a regex, which is enough for this code base's
// `import ... from '...'`, `export ... from '...'` and `await import('...')` forms.

const SRC = 'src';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Top folder of a path under src/ ('' for files directly in src/). */
function topFolder(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '';
}

/** Folder-level edges: from -> to -> one importing file (for the message). */
export function folderGraph(files: string[]): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const f of files) {
    const from = topFolder(f);
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const target = normalize(join(dirname(f), m[1]!));
      if (target.startsWith('..')) continue;
      const to = topFolder(target);
      if (to === from) continue;
      if (!g.has(from)) g.set(from, new Map());
      if (!g.get(from)!.has(to)) g.get(from)!.set(to, f);
    }
  }
  return g;
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(g: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let n = 0;
  const visit = (v: string): void => {
    index.set(v, n); low.set(v, n); n++;
    stack.push(v); on.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

test('no import cycle among the top folders of src/', (t) => {
  const g = folderGraph(sources(SRC));
  // The graph is not trivially empty: the regex sees the imports.
  t.true(g.get('cli')?.has('pipeline'));
  t.true(g.get('pipeline')?.has('models'));
  const found = cycles(g).map((scc) => {
    const edges = scc.flatMap((a) => scc.filter((b) => g.get(a)?.has(b)).map((b) => `${a} -> ${b} (${g.get(a)!.get(b)})`));
    return `{${scc.join(', ')}}: ${edges.join('; ')}`;
  });
  t.deepEqual(found, []);
});

test('core/ imports no other folder of src/', (t) => {
  const g = folderGraph(sources(SRC));
  t.deepEqual([...(g.get('core')?.keys() ?? [])], []);
});

test('only the CLI reads environment variables', (t) => {
  // condor/local.ts is the local stand-in for HTCondor: it hands the caller's PATH and HOME to the job it
  // spawns (as a schedd would), it reads no setting of ntcorr.
  const allowed = new Set(['src/condor/local.ts']);
  const readers = sources(SRC).filter((f) => !f.startsWith('src/cli/') && !allowed.has(f) && /process\.env\b/.test(readFileSync(f, 'utf8')));
  t.deepEqual(readers, []);
});
