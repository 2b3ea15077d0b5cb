import { serveWorker } from '../../compute/pool.js';
import { buildModel } from '../model.js';
import { newToyState, runToys, type ToyResult } from './run-toy.js';
import { packChunk, type PackedChunk, type ToyRequest, type WorkerInit } from './pool.js';

/** Toy worker: rebuilds the model from its YAML document, then fits the chunks [from, to) it is sent. */
serveWorker<WorkerInit, ToyRequest, PackedChunk>((init) => {
  const model = buildModel(init.doc, init.source);
  const np = model.params.length;
  const state = newToyState();
  return {
    handle: (msg) => {
      const results: ToyResult[] = [];
      runToys(model, msg.from, msg.to, { seed: init.seed, vary: init.vary, minimize: init.minimize }, (r) => results.push(r), state);
      // Copied rather than transferred (a few KB per chunk): buffers then live and die in one thread.
      return { result: packChunk(msg.from, msg.to, np, results) };
    },
  };
});
