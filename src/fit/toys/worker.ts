import { parentPort, workerData } from 'node:worker_threads';
import { buildModel } from '../model.js';
import { newToyState, runToys, type ToyResult } from './run-toy.js';
import { packChunk, type WorkerInit } from './pool.js';

/** Toy worker: rebuilds the model from its YAML document, then fits the chunks [from, to) it is sent. */
const init = workerData as WorkerInit;
const model = buildModel(init.doc, init.source);
const np = model.params.length;
const state = newToyState();
parentPort!.on('message', (msg: { from: number; to: number }) => {
  const results: ToyResult[] = [];
  runToys(model, msg.from, msg.to, { seed: init.seed, vary: init.vary, minimize: init.minimize }, (r) => results.push(r), state);
  const c = packChunk(msg.from, msg.to, np, results);
  // Copied rather than transferred (a few KB per chunk): buffers then live and die in one thread.
  parentPort!.postMessage(c);
});
