import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flowYaml, writeFlowSamples } from './helpers/flow-samples.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/fixtures.js';

// A run interrupted after epoch 1 (--stop-after, as a Condor eviction would) and continued with --resume
// in a new process must end with exactly the weights of an uninterrupted run with the same seed: the
// checkpoint carries weights, Adam moments, scheduler and early-stopping state and the shuffling RNG.
test('--resume continues from the checkpoint exactly (bit-identical weights to an uninterrupted run)', async (t) => {
  const dir = tempDir();
  const s = await writeFlowSamples(dir, 1500, 21);
  const yamlFor = (out: string) => flowYaml({ ...s, output: out, epochs: 3, hidden: [16, 16] });
  const full = join(dir, 'full');
  const split = join(dir, 'split');
  writeFileSync(join(dir, 'full.yaml'), yamlFor(full));
  writeFileSync(join(dir, 'split.yaml'), yamlFor(split));
  const common = ['--backend', 'wasm', '--quiet', '--no-closure'];
  const a = runCli(['train', 'flow', '--config', join(dir, 'full.yaml'), ...common]);
  t.is(a.code, 0, a.stderr);
  const b1 = runCli(['train', 'flow', '--config', join(dir, 'split.yaml'), '--stop-after', '1', ...common]);
  t.is(b1.code, 0, b1.stderr);
  t.regex(b1.stdout, /stopped after epoch 1 as asked/);
  t.notRegex(b1.stdout, /epoch 2:/);
  const b2 = runCli(['train', 'flow', '--config', join(dir, 'split.yaml'), '--resume', ...common]);
  t.is(b2.code, 0, b2.stderr);
  t.regex(b2.stdout, /resuming after epoch 1/);
  t.notRegex(b2.stdout, /epoch 1:/);
  t.regex(b2.stdout, /epoch 3:/);
  const wa = readFileSync(join(full, 'weights.bin'));
  const wb = readFileSync(join(split, 'weights.bin'));
  t.is(wa.length, wb.length);
  t.true(wa.equals(wb), 'weights differ between the uninterrupted and the resumed run');
  // the loss history is the same too (the resumed run carries epoch 1 from the checkpoint)
  const ha = JSON.parse(readFileSync(join(full, 'checkpoint', 'history.json'), 'utf8'));
  const hb = JSON.parse(readFileSync(join(split, 'checkpoint', 'history.json'), 'utf8'));
  t.deepEqual(hb.map((h: { val_loss: number }) => h.val_loss), ha.map((h: { val_loss: number }) => h.val_loss));
  // a resume with another seed is refused (the checkpoint belongs to a different run)
  const c = runCli(['train', 'flow', '--config', join(dir, 'split.yaml'), '--resume', '--seed', '9', ...common]);
  t.is(c.code, 1);
  t.regex(c.stderr, /different configuration, seed or thread count/);
  // ... and so is one with another thread count (the shards, hence the float sums, would differ)
  const d = runCli(['train', 'flow', '--config', join(dir, 'split.yaml'), '--resume', '--threads', '1', ...common]);
  t.is(d.code, 1);
  t.regex(d.stderr, /different configuration, seed or thread count/);
});
