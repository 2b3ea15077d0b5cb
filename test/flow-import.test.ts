import test from 'ava';
import { join } from 'node:path';
import { loadBundle } from '../src/bundle/bundle.js';
import { flowFromBundle } from '../src/models/flow/bundle-io.js';
import { forward64 } from '../src/models/flow/reference.js';
import { fixture, tempDir } from './helpers/fixtures.js';
import { runCli } from './helpers/cli.js';
import { io, maxAbsDiff } from './flow-fixtures.js';

const nsfA = ['--features', '16', '--context', '5', '--bins', '10', '--transforms', '6', '--hidden', '256,256,256'];

test('import-zuko nsf_a: the bundle reproduces zuko float64 log_prob; provenance records the checkpoint hash', (t) => {
  const out = join(tempDir(), 'a');
  const r = runCli(['import-zuko', fixture('zuko', 'nsf_a', 'state_dict.pth'), '--zuko-version', '1.6.0', ...nsfA, '-o', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /1,?53\d,?\d{3} parameters|153\d{4} parameters/);
  const bundle = loadBundle(out);
  t.is(bundle.manifest.kind, 'flow');
  t.regex(String(bundle.manifest.provenance.checkpointSha256), /^[0-9a-f]{64}$/);
  const { weights, config } = flowFromBundle(bundle);
  t.deepEqual(config.variables, Array.from({ length: 16 }, (_, i) => `x${i}`));
  const n = 8;
  const got = forward64(weights, io('nsf_a', 'x').data, io('nsf_a', 'c').data, n);
  t.true(maxAbsDiff(got.logProb, io('nsf_a', 'log_prob').data, n) < 1e-9);
});

test('import-zuko with flags that do not match the checkpoint fails, naming the tensor', (t) => {
  const dir = tempDir();
  const pth = fixture('zuko', 'nsf_c', 'state_dict.pth');
  const base = ['--features', '3', '--context', '2', '--bins', '8', '--transforms', '3', '--hidden', '32,32'];
  const cases: [string[], RegExp][] = [
    [['--passes', '2'], /--passes 2 contradicts the checkpoint: tensor transform\.transforms\.0\.order is \[0,1,2\], expected \[0,0,1\]/],
    [['--bins', '10'], /--bins 10 contradicts the checkpoint: tensor transform\.transforms\.0\.hyper\.4\.weight has shape \[69, 32\].*bins=8/],
    [['--transforms', '4'], /--transforms 4 contradicts the checkpoint: tensor transform\.transforms\.3\.hyper\.0\.weight is missing/],
    [['--transforms', '2'], /--transforms 2 contradicts the checkpoint: tensor transform\.transforms\.2\.hyper\.0\.weight exists/],
    [['--hidden', '32,64'], /--hidden 32,64 contradicts the checkpoint: tensor transform\.transforms\.0\.hyper\.2\.weight has shape \[32, 32\]/],
    [['--context', '3'], /--context 3 contradicts the checkpoint: tensor transform\.transforms\.0\.hyper\.0\.weight has shape \[32, 5\]/],
    [['--features', '4'], /--features 4 contradicts the checkpoint: tensor transform\.transforms\.0\.order has 3 entries/],
  ];
  for (const [extra, re] of cases) {
    const args = [...base];
    for (let i = 0; i < extra.length; i += 2) {
      const k = args.indexOf(extra[i]);
      if (k >= 0) args[k + 1] = extra[i + 1];
      else args.push(extra[i], extra[i + 1]);
    }
    const r = runCli(['import-zuko', pth, '--zuko-version', '1.6.0', ...args, '-o', join(dir, 'x')]);
    t.is(r.code, 1);
    t.regex(r.stderr, re);
    t.true(r.stderr.includes('state_dict.pth'));
  }
});

test('import-zuko reads the architecture off the checkpoint: no flags needed, passes from the order buffers', (t) => {
  const out = join(tempDir(), 'c');
  const r = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '--zuko-version', '1.6.0', '-o', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /3 features, 2 context inputs, 8 bins, 3 transforms, hidden 32,32, fully autoregressive, slope 0\.001 \(zuko 1\.6\.0\)/);
  const { weights } = flowFromBundle(loadBundle(out));
  const got = forward64(weights, io('nsf_c', 'x').data, io('nsf_c', 'c').data, 64);
  t.true(maxAbsDiff(got.logProb, io('nsf_c', 'log_prob').data, 64) < 1e-9);
});

test('import-zuko without --zuko-version or --slope is an error that states the slope table', (t) => {
  const r = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '-o', join(tempDir(), 'x')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /give --zuko-version .*HiggsDNA pins 1\.0\.1.* or --slope/);
  t.regex(r.stderr, /zuko 1\.0\.0: 1e-3; 1\.0\.1-1\.4\.x: 1e-4; 1\.5 and later: 1e-3/);
  const r2 = runCli(['import-zuko', fixture('zuko', 'nsf_c', 'state_dict.pth'), '--zuko-version', '1.0.1', '--slope', '1e-3', '-o', join(tempDir(), 'x')]);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /zuko 1\.0\.1 always uses slope 0\.0001/);
});
