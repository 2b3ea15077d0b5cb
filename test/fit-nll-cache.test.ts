/**
 * The unbinned NLL computes a parameter-free component's density (KDE, template without smearing) once per
 * dataset: values must equal a fresh NLL's at every point, and a new dataset (setData, as toys swap data) must
 * not reuse the old densities.
 */
import test from 'ava';
import { buildModel } from '../src/fit/model.js';
import { UnbinnedNll } from '../src/fit/nll.js';
import { Xoshiro128ss } from '../src/core/random.js';

test('constant KDE density cached per dataset: same NLL as a fresh one, reset by setData', (t) => {
  const rng = Xoshiro128ss.fromSeedAndStream(3, 0);
  const mc = Array.from({ length: 400 }, () => 91 + 2.5 * rng.normal());
  const model = buildModel({
    observable: { name: 'm', range: [60, 120] },
    parameters: { nsig: { value: 300, step: 10 }, nbkg: { value: 700, step: 10 }, lam: { value: -0.02, step: 0.002 } },
    components: [
      { name: 'signal', pdf: 'kde', samples: mc, bandwidth: 'scott', yield: 'nsig' },
      { name: 'background', pdf: 'exponential', lambda: 'lam', yield: 'nbkg' },
    ],
  });
  const data = (n: number, mu: number) => Float64Array.from({ length: n }, () => (rng.uniform() < 0.3 ? mu + 2.5 * rng.normal() : 60 + 60 * rng.uniform()));
  const a = data(500, 91);
  const b = data(600, 95);
  const points = [Float64Array.of(300, 700, -0.02), Float64Array.of(250, 760, -0.01), Float64Array.of(320, 690, -0.03)];
  const nll = new UnbinnedNll(model, a);
  for (const p of points) t.is(nll.value(p), new UnbinnedNll(model, a).value(p));
  nll.setData(b);
  for (const p of points) t.is(nll.value(p), new UnbinnedNll(model, b).value(p));
  t.not(nll.value(points[0]), new UnbinnedNll(model, a).value(points[0]));
});
