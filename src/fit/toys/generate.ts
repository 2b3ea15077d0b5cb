import type { Constraint, Model } from '../model.js';
import { Xoshiro128ss as Rng } from '../../core/random.js';

export type Vary = 'all' | 'signal' | 'background' | 'none';

export interface ToyData {
  xs: Float64Array;
  /** Events generated per component. */
  counts: number[];
  /** The constraints with their central values resampled for this toy. */
  constraints: Constraint[];
}

/** The random stream for one toy: depends only on (seed, toy index), never on worker layout. */
export function toyRng(seed: number, toy: number): Rng {
  return Rng.fromSeedAndStream(seed, toy);
}

/**
 * Generates one toy dataset at the parameter point `gen`: per component a Poisson-fluctuated yield (only for
 * the roles `vary` selects; the others get the rounded expected yield), events from each PDF, and
 * constraint central values drawn around the generating values (the auxiliary measurement fluctuates too).
 */
export function generateToy(model: Model, gen: Float64Array, rng: Rng, vary: Vary, buffer?: { data: Float64Array }): ToyData {
  const comps = model.components;
  const counts: number[] = [];
  if (model.extended) {
    for (const c of comps) {
      const mean = gen[c.coefIndex];
      const fluct = vary === 'all' || vary === c.role;
      counts.push(fluct ? rng.poisson(Math.max(mean, 0)) : Math.max(0, Math.round(mean)));
    }
  } else {
    const total = vary === 'none' ? Math.round(model.toyEvents!) : rng.poisson(model.toyEvents!);
    // Split by the fractions (multinomial, event by event: cheap next to the fit).
    const cum: number[] = [];
    let acc = 0;
    for (const c of comps) {
      acc += c.coefIndex >= 0 ? gen[c.coefIndex] : 1 - acc;
      cum.push(acc);
    }
    comps.forEach(() => counts.push(0));
    for (let i = 0; i < total; i++) {
      const u = rng.uniform();
      let k = 0;
      while (k < comps.length - 1 && u >= cum[k]) k++;
      counts[k]++;
    }
  }
  const n = counts.reduce((a, b) => a + b, 0);
  // Reusing one buffer across toys keeps memory flat: fresh ~24 kB arrays per toy in worker threads made
  // the process RSS creep up (malloc arena fragmentation) even though the JS heaps stayed flat.
  let xs: Float64Array;
  if (buffer) {
    if (buffer.data.length < n) buffer.data = new Float64Array(Math.ceil(n * 1.25));
    xs = buffer.data.subarray(0, n);
  } else xs = new Float64Array(n);
  let off = 0;
  comps.forEach((c, k) => {
    const p = c.paramIndex.map((i) => gen[i]);
    c.pdf.sample(rng, p, counts[k], xs, off);
    off += counts[k];
  });
  return { xs, counts, constraints: resampleConstraints(model.constraints, gen, rng) };
}

/** Constraint central values drawn around the generating values (the auxiliary measurement fluctuates too). */
export function resampleConstraints(cons: Constraint[], gen: Float64Array, rng: Rng): Constraint[] {
  return cons.map((c): Constraint => {
    if (c.kind === 'gaussian') return { ...c, mean: gen[c.index] + c.sigma * rng.normal() };
    if (c.kind === 'poisson') return { ...c, observed: rng.poisson(c.scale * gen[c.index]) };
    const z = c.indices.map(() => rng.normal());
    const mean = c.indices.map((idx, a) => {
      let s = gen[idx];
      for (let b = 0; b <= a; b++) s += c.chol[a][b] * z[b];
      return s;
    });
    return { ...c, mean };
  });
}

/** A toy of a whole model: one dataset per category (a simultaneous model) and the resampled constraints. */
export interface ModelToy {
  datasets: ToyData[];
  constraints: Constraint[];
}

/**
 * Generates a toy for every category of a model (in category order, from one random stream), then the
 * constraints. A single-category model draws exactly what generateToy draws.
 */
export function generateModelToy(model: Model, gen: Float64Array, rng: Rng, vary: Vary, buffers?: Array<{ data: Float64Array }>): ModelToy {
  if (!model.categories) {
    const d = generateToy(model, gen, rng, vary, buffers?.[0]);
    return { datasets: [d], constraints: d.constraints };
  }
  const datasets = model.categories.map((c, k) => generateToy(c, gen, rng, vary, buffers?.[k]));
  return { datasets, constraints: resampleConstraints(model.constraints, gen, rng) };
}
