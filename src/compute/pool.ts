import { parentPort, workerData, type Transferable, type Worker } from 'node:worker_threads';
import { startWorker } from './start-worker.js';

/**
 * The one worker-thread pool of ntcorr (flow corrections, toy fits, data-parallel training).
 *
 * Protocol: the parent starts `size` workers (module `name` next to the caller, see start-worker.ts), each
 * with its own workerData; a worker runs its set-up and answers {ready, info} or {failed, error} (the
 * start-up handshake; start() rejects, naming the worker, if any fails or exits first). Requests carry an
 * id; replies {id, result} or {id, error} settle exactly that request. A handler error rejects only its
 * request (one bad chunk fails one file); a worker that crashes ('error') or exits unasked fails the whole
 * pool: every pending and later request rejects with that reason and the other workers are terminated.
 * Results come back in request order from map() and ordered(), whatever order workers finish in.
 */
export interface PoolStart {
  /** import.meta.url of the module next to which the worker module lives. */
  callerUrl: string;
  /** Worker module name without extension. */
  module: string;
  size: number;
  /** workerData of worker i. */
  data: (i: number) => unknown;
  /** Used in error messages ("flow worker", "toy worker"). */
  label: string;
}

interface Pending<Res> {
  worker: number;
  resolve: (r: Res) => void;
  reject: (e: Error) => void;
}

type FromWorker = { ready: true; info?: unknown } | { ready: false; error: string } | { id: number; result?: unknown; error?: string };

export class WorkerPool<Req, Res, Info = unknown> {
  private nextId = 0;
  private readonly pending = new Map<number, Pending<Res>>();
  private readonly busy: number[];
  private failure?: Error;
  private closing = false;

  private constructor(private readonly workers: Worker[], readonly info: Info[], readonly label: string) {
    this.busy = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on('message', (m: FromWorker) => {
        if (!('id' in m)) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.busy[p.worker]--;
        if (m.error !== undefined) p.reject(new Error(`${label}: ${m.error}`));
        else p.resolve(m.result as Res);
      });
      w.on('error', (e) => this.fail(new Error(`${label} ${i} crashed: ${e.message}`, { cause: e })));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`${label} ${i} exited unexpectedly (code ${code})`));
      });
    });
  }

  /** Starts the workers and waits for every handshake; on any failure terminates them all and rejects. */
  static async start<Req, Res, Info = unknown>(o: PoolStart): Promise<WorkerPool<Req, Res, Info>> {
    const workers: Worker[] = [];
    try {
      const info = await Promise.all(Array.from({ length: Math.max(1, o.size) }, (_, i) => {
        const w = startWorker(o.callerUrl, o.module, o.data(i));
        workers.push(w);
        return new Promise<Info>((resolve, reject) => {
          const onMessage = (m: FromWorker) => {
            if (!('ready' in m)) return;
            cleanup();
            if (m.ready) resolve(m.info as Info);
            else reject(new Error(`${o.label} ${i} failed to start: ${m.error}`));
          };
          const onError = (e: Error) => { cleanup(); reject(new Error(`${o.label} ${i} failed to start: ${e.message}`, { cause: e })); };
          const onExit = (code: number) => { cleanup(); reject(new Error(`${o.label} ${i} exited during start-up (code ${code})`)); };
          const cleanup = () => { w.off('message', onMessage); w.off('error', onError); w.off('exit', onExit); };
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
        });
      }));
      return new WorkerPool<Req, Res, Info>(workers, info, o.label);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends one request to worker `worker` (default: the one with the fewest requests in flight). */
  request(req: Req, opts: { worker?: number; transfer?: readonly Transferable[] } = {}): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error(`${this.label}: pool is closed`));
    const k = opts.worker ?? this.busy.indexOf(Math.min(...this.busy));
    if (!(k >= 0 && k < this.workers.length)) return Promise.reject(new Error(`${this.label}: no worker ${k}`));
    return new Promise<Res>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { worker: k, resolve, reject });
      this.busy[k]++;
      this.workers[k].postMessage({ id, req }, opts.transfer as Transferable[] | undefined);
    });
  }

  /** Runs every request at once over the workers; results in request order. */
  map(reqs: readonly Req[], transfer?: (req: Req, k: number) => readonly Transferable[]): Promise<Res[]> {
    return Promise.all(reqs.map((r, k) => this.request(r, { transfer: transfer?.(r, k) })));
  }

  /**
   * Streams `count` jobs: job k is made by `make(k)` when a slot frees (at most `ahead` in flight per
   * worker, so memory stays flat), and `onResult(result, k)` is called in order of k. The first error
   * (a job's or `onResult`'s) stops the stream and rejects.
   */
  async ordered(count: number, make: (k: number) => { req: Req; transfer?: readonly Transferable[] }, onResult: (r: Res, k: number) => void, ahead = 2): Promise<void> {
    const done = new Map<number, Res>();
    let next = 0;
    let emit = 0;
    let failed: Error | undefined;
    await new Promise<void>((resolve, reject) => {
      const stop = (e: Error) => { if (!failed) { failed = e; reject(e); } };
      const pump = () => {
        while (!failed && next < count && next - emit < this.size * ahead) {
          const k = next++;
          const job = make(k);
          this.request(job.req, { transfer: job.transfer }).then((r) => {
            if (failed) return;
            done.set(k, r);
            try {
              while (done.has(emit)) {
                const v = done.get(emit) as Res;
                done.delete(emit);
                onResult(v, emit);
                emit++;
              }
            } catch (e) {
              return stop(e as Error);
            }
            if (emit === count) resolve();
            else pump();
          }, stop);
        }
      };
      if (count === 0) resolve();
      else pump();
    });
  }

  /** Terminates every worker (pending requests reject). */
  async close(): Promise<void> {
    this.closing = true;
    this.rejectAll(new Error(`${this.label}: pool closed`));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    if (this.failure || this.closing) return;
    this.failure = e;
    this.rejectAll(e);
    this.closing = true;
    for (const w of this.workers) void w.terminate();
  }

  private rejectAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** What a worker's handler returns: the result and the buffers to transfer (not copy) back. */
export interface Reply<Res> {
  result: Res;
  transfer?: readonly Transferable[];
}

/**
 * The worker side: runs `setup(workerData)` once (its `info` goes back with the handshake), then answers
 * every request with `handle(req)`. Errors in setup fail the start-up; errors in handle reject one request.
 */
export function serveWorker<Init, Req, Res>(setup: (init: Init) => Promise<{ info?: unknown; handle: (req: Req) => Promise<Reply<Res>> | Reply<Res> }> | { info?: unknown; handle: (req: Req) => Promise<Reply<Res>> | Reply<Res> }): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorker: not in a worker thread');
  const ready = (async () => setup(workerData as Init))();
  ready.then(
    (h) => port.postMessage({ ready: true, info: h.info }),
    (e: Error) => port.postMessage({ ready: false, error: e?.message ?? String(e) }),
  );
  // Requests are handled one at a time, in arrival order (each worker is one compute lane).
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: { id: number; req: Req }) => {
    queue = queue.then(async () => {
      try {
        const h = await ready;
        const r = await h.handle(m.req);
        port.postMessage({ id: m.id, result: r.result }, r.transfer as Transferable[] | undefined);
      } catch (e) {
        port.postMessage({ id: m.id, error: (e as Error)?.message ?? String(e) });
      }
    });
  });
}
