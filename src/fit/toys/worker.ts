import { serveWorker } from '../../compute/pool.js';
import { newToyState, runToys, type ToyResult } from './run-toy.js';
import { packChunk, toyOptions, type PackedChunk, type ToyRequest, type WorkerInit } from './pool.js';
import { prepareToys } from './setup.js';

/** Toy worker: rebuilds the models from their YAML documents, then fits the chunks [from, to) it is sent. */
serveWorker<WorkerInit, ToyRequest, PackedChunk>((init) => {
  const prep = prepareToys(init.spec);
  const np = prep.fit.params.length;
  const opts = toyOptions(init.spec);
  const state = newToyState();
  return {
    handle: (msg) => {
      const results: ToyResult[] = [];
      runToys(prep, msg.from, msg.to, opts, (r) => results.push(r), state);
      // Copied rather than transferred (a few KB per chunk): buffers then live and die in one thread.
      return { result: packChunk(msg.from, msg.to, np, results) };
    },
  };
});
