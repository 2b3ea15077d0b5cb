/**
 * ntcorr's float64 log_prob and correction of a flow bundle on seeded inputs, as JSON for
 * scripts/ref/check-export-zuko.py (which compares them with PyTorch + zuko on the exported .pth).
 *
 *   node --import tsx scripts/ref/flow-logprob.ts BUNDLE [ROWS] > ref.json
 */
import { loadBundle } from '../../src/bundle/bundle.js';
import { flowFromBundle } from '../../src/models/flow/bundle-io.js';
import { mulberry32 } from '../../src/core/random.js';
import { forward64, inverse64 } from '../../src/models/flow/reference.js';

const [bundle, rowsArg] = process.argv.slice(2);
const n = Number(rowsArg ?? 64);
const { weights } = flowFromBundle(loadBundle(bundle));
const { features: F, context: C } = weights.arch;
const rnd = mulberry32(20261203);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
// float32-representable inputs (the .pth is float32; PyTorch runs it in float64 after .double()).
const x = Float64Array.from({ length: n * F }, () => Math.fround(1.5 * gauss()));
const c = Float64Array.from({ length: n * C }, (_, i) => (i % C === C - 1 ? 0 : Math.fround(gauss())));
const c1 = Float64Array.from(c, (v, i) => (i % C === C - 1 ? 1 : v));
const fw = forward64(weights, x, c, n);
const xCorr = inverse64(weights, fw.y, c1, n);
console.log(JSON.stringify({ rows: n, features: F, context: C, x: Array.from(x), c: Array.from(c), log_prob: Array.from(fw.logProb), x_corr: Array.from(xCorr) }));
