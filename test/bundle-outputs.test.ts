import test from 'ava';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { checkDeclared } from '../src/pipeline/run.js';
import { correctionKind } from '../src/models/registry.js';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';

/** A bundle writes exactly the columns its model.json declares (item 16 of the production-safety issue). */

test('every committed bundle writes only declared columns, with the declared type and nesting', async (t) => {
  for (const name of readdirSync(join(ROOT, 'models'))) {
    const b = loadBundle(join(ROOT, 'models', name));
    const kind = await correctionKind(b.manifest.kind, b.dir);
    const loaded = await kind.load(b, { backend: 'cpu', seed: 1, threads: 1 });
    try {
      // model.json's `inputs` may list fewer columns than binding needs: add the ones it asks for.
      const columns = [...b.manifest.inputs];
      let corrector;
      for (let k = 0; !corrector && k < 100; k++) {
        try {
          corrector = loaded.bind({ file: 'x.parquet', columns, rows: 10 });
        } catch (e) {
          const missing = /column "?([\w.]+)"? not found/.exec((e as Error).message)?.[1];
          if (!missing) throw e;
          columns.push(missing);
        }
      }
      if (!corrector) return t.fail(name);
      t.true(corrector.outputs.length > 0, name);
      t.notThrows(() => checkDeclared(b, corrector.outputs), name);
      if (name === 'jet-deepsets-small') t.deepEqual(corrector.outputs.map((o) => o.name), ['pt_corr', 'pt_dnn_pred']);
    } finally {
      await loaded.close?.();
    }
  }
});

test('apply refuses a bundle that writes an undeclared column, naming it, and writes nothing', (t) => {
  const dir = tempDir();
  const model = join(dir, 'smm');
  cpSync(join(ROOT, 'models', 'sigma-m-over-m'), model, { recursive: true });
  const m = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  m.outputs = m.outputs.filter((o: { name: string }) => o.name !== 'sigma_m_over_m');
  writeFileSync(join(model, 'model.json'), JSON.stringify(m));
  const r = runCli(['apply', 'samples/zee_mc.parquet', '-m', model, '-o', join(dir, 'out'), '-q']);
  t.is(r.code, 1);
  t.regex(r.stdout + r.stderr, /writes column "sigma_m_over_m", which its model\.json does not declare/);
  t.false(existsSync(join(dir, 'out', 'zee_mc.parquet')));
});
