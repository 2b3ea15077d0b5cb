import { serveWorker } from '../src/compute/pool.js';
import type { FlowWeights } from '../src/models/flow/arch.js';
import { HostSplineFlow, type HostFlowGraphs } from '../src/models/flow/host-flow.js';

/**
 * bench/flow.ts forward on worker threads: each worker one host-spline flow (1 intra-op thread) running
 * the forward with log|det| of its slice ({x, c, n} -> z float64, ladj), as the correction pool does for
 * corrections. The flow's forward has no production pool (apply only corrects), so the bench keeps its own.
 */
serveWorker<{ weights: FlowWeights; graphs: HostFlowGraphs }, { x: Float32Array; c: Float32Array; n: number; batch: number }, { z: Float64Array; ladj: Float64Array }>(async (init) => {
  const flow = await HostSplineFlow.create(init.weights, init.graphs, { threads: 1 });
  const F = init.weights.arch.features;
  const C = init.weights.arch.context;
  return {
    handle: async ({ x, c, n, batch }) => {
      const z = new Float64Array(n * F);
      const ladj = new Float64Array(n);
      for (let s = 0; s < n; s += batch) {
        const m = Math.min(batch, n - s);
        const r = await flow.forward(x.subarray(s * F, (s + m) * F), c.subarray(s * C, (s + m) * C), m, true);
        z.set(r.z, s * F);
        ladj.set(r.ladj!, s);
      }
      return { result: { z, ladj }, transfer: [z.buffer, ladj.buffer] };
    },
  };
});
