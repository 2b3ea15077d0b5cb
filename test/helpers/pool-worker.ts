import { serveWorker } from '../../src/compute/pool.js';

/** Worker for compute-pool.test.ts: squares numbers after a delay (a negative number: that many ms); 'throw' fails a request, 'exit' kills the thread. */
serveWorker<{ failSetup?: boolean; id: number }, number | 'throw' | 'exit', { id: number; v: number }>(async (init) => {
  if (init.failSetup) throw new Error('set-up failed on purpose');
  return {
    info: { worker: init.id },
    handle: async (req) => {
      if (req === 'throw') throw new Error('bad request');
      if (req === 'exit') process.exit(3);
      // Later requests finish first: results must still come back in request order.
      await new Promise((r) => setTimeout(r, req < 0 ? -req : Math.max(0, 30 - 3 * req)));
      return { result: { id: init.id, v: req * req } };
    },
  };
});
