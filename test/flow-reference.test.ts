import test from 'ava';
import { buildMasks } from '../src/models/flow/masks.js';
import { forward64, inverse64 } from '../src/models/flow/reference.js';
import { weightsFromZuko } from '../src/models/flow/zuko.js';
import { fixtureArch, fixtureTensors, io, maxAbsDiff, type FixtureName } from './flow-fixtures.js';

for (const name of ['nsf_c', 'nsf_a'] as FixtureName[]) {
  const arch = fixtureArch(name);
  const sd = fixtureTensors(name);

  test(`${name}: MADE masks equal zuko's stored masks bit for bit`, (t) => {
    for (let tr = 0; tr < arch.transforms; tr++) {
      const masks = buildMasks(arch, tr);
      masks.forEach((m, l) => {
        const ref = sd.get(`transform.transforms.${tr}.hyper.${2 * l}.mask`)!.data as Uint8Array;
        t.is(ref.length, m.length);
        let bad = 0;
        for (let i = 0; i < m.length; i++) if (m[i] !== ref[i]) bad++;
        t.is(bad, 0, `transform ${tr} layer ${l}`);
      });
    }
  });

  test(`${name}: float64 forward, ladj, log_prob match zuko float64 to 1e-9`, (t) => {
    const w = weightsFromZuko(sd, arch, name);
    const x = io(name, 'x');
    const c = io(name, 'c');
    const n = name === 'nsf_a' ? 64 : x.shape[0];
    const r = forward64(w, x.data, c.data, n);
    t.true(maxAbsDiff(r.y, io(name, 'y').data, n * arch.features) < 1e-9);
    t.true(maxAbsDiff(r.ladj, io(name, 'ladj').data, n) < 1e-9);
    t.true(maxAbsDiff(r.logProb, io(name, 'log_prob').data, n) < 1e-9);
    // The fixture rows include tails beyond |x| = 5 and x = +-5 exactly: make sure they were exercised.
    t.true(Array.from(x.data.subarray(0, n * arch.features)).some((v) => Math.abs(v) > 5));
  });

  test(`${name}: float64 naive inverse and the correction match zuko to 1e-9`, (t) => {
    const w = weightsFromZuko(sd, arch, name);
    const n = name === 'nsf_a' ? 16 : 256;
    const F = arch.features;
    const y = io(name, 'y');
    const c = io(name, 'c');
    const xBack = inverse64(w, y.data, c.data, n);
    t.true(maxAbsDiff(xBack, io(name, 'x_back').data, n * F) < 1e-9);
    const z = forward64(w, io(name, 'x').data, io(name, 'c0').data, n).y;
    t.true(maxAbsDiff(z, io(name, 'z').data, n * F) < 1e-9);
    const xCorr = inverse64(w, z, io(name, 'c1').data, n);
    t.true(maxAbsDiff(xCorr, io(name, 'x_corr').data, n * F) < 1e-9);
  });
}
