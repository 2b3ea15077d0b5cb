import test from 'ava';
import { WorkerPool } from '../src/compute/pool.js';

type Req = number | 'throw' | 'exit';
type Res = { id: number; v: number };
const start = (size: number, failSetup = false) =>
  WorkerPool.start<Req, Res, { worker: number }>({ callerUrl: import.meta.url, module: 'helpers/pool-worker', size, data: (i) => ({ id: i, failSetup: failSetup && i === 1 }), label: 'test worker' });

test('pool: handshake info, results in request order from map() and ordered(), work spread over workers', async (t) => {
  const pool = await start(3);
  t.deepEqual(pool.info, [{ worker: 0 }, { worker: 1 }, { worker: 2 }]);
  const r = await pool.map([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.deepEqual(r.map((x) => x.v), [1, 4, 9, 16, 25, 36, 49, 64, 81]);
  t.is(new Set(r.map((x) => x.id)).size, 3);
  const seen: number[] = [];
  await pool.ordered(10, (k) => ({ req: k }), (res, k) => { t.is(res.v, k * k); seen.push(k); });
  t.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.is((await pool.request(4, { worker: 2 })).id, 2);
  await pool.close();
});

test('pool: a handler error rejects only its request; the pool keeps working', async (t) => {
  const pool = await start(2);
  const [a, b, c] = await Promise.allSettled([pool.request(2), pool.request('throw'), pool.request(3)]);
  t.deepEqual(a.status === 'fulfilled' && a.value.v, 4);
  t.true(b.status === 'rejected' && /test worker: bad request/.test(String(b.reason)));
  t.deepEqual(c.status === 'fulfilled' && c.value.v, 9);
  t.is((await pool.request(5)).v, 25);
  await pool.close();
});

test('pool: a worker that exits fails every pending and later request and terminates the others', async (t) => {
  const pool = await start(2);
  const slow = pool.request(-5000, { worker: 1 });
  const dead = pool.request('exit', { worker: 0 });
  await t.throwsAsync(dead, { message: /test worker 0 exited unexpectedly \(code 3\)/ });
  await t.throwsAsync(slow, { message: /test worker 0 exited unexpectedly/ });
  await t.throwsAsync(pool.request(2), { message: /exited unexpectedly/ });
  await t.throwsAsync(pool.ordered(3, (k) => ({ req: k }), () => undefined), { message: /exited unexpectedly/ });
  await pool.close();
});

test('pool: a failed set-up rejects start() naming the worker, and no worker is left running', async (t) => {
  await t.throwsAsync(start(3, true), { message: 'test worker 1 failed to start: set-up failed on purpose' });
});
