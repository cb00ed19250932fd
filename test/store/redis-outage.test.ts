import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open.ts';
import { RedisStore } from '../../src/store/redis.ts';
import type { Store } from '../../src/store/store.ts';
import { freePort, startRedis, type ThrowawayRedis } from '../helpers/redis.ts';
import { collector, sleep } from './conformance.ts';

const log = createLogger('silent');
const TIMEOUT_MS = 300;
/** How late a failure may come after the command timeout (timers, event loop) and still count. */
const SLACK_MS = 400;

/** Every call of the interface, as a thunk, so each can be shown to fail the same way. */
const calls = (store: Store): Array<[string, () => Promise<unknown>]> => [
  ['get', () => store.get('k')],
  ['set', () => store.set('k', 'v', 1000)],
  ['create', () => store.create('new', 'v')],
  ['compareAndSet', () => store.compareAndSet('k', 'v', 'w')],
  ['delete', () => store.delete('k')],
  ['deleteIfEquals', () => store.deleteIfEquals('k', 'v')],
  ['increment', () => store.increment('n', 1000)],
  ['indexAdd', () => store.indexAdd('i', 'm', 1000)],
  ['indexMembers', () => store.indexMembers('i')],
  ['indexRemove', () => store.indexRemove('i', 'm')],
  ['publish', () => store.publish('ch', 'm')],
  ['subscribe (new channel)', () => store.subscribe('fresh', () => {})],
  ['subscribe (known channel)', () => store.subscribe('ch', () => {})],
  ['ping', () => store.ping()],
];

async function assertUnavailableFast(name: string, call: () => Promise<unknown>, limitMs: number): Promise<void> {
  const started = performance.now();
  const outcome = await call().then(() => undefined, (err: unknown) => err);
  const elapsed = performance.now() - started;
  assert.ok(outcome instanceof SaomaError, `${name}: expected SaomaError, got ${String(outcome)}`);
  assert.equal(outcome.code, 'unavailable', name);
  assert.equal(outcome.status, 503, name);
  assert.ok(elapsed < limitMs, `${name} took ${Math.round(elapsed)} ms to fail`);
}

/** Retries `check` until it passes or `ms` is up (for recovery, whose timing is the backoff's). */
async function eventually(check: () => Promise<void>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

describe('when Redis goes away', () => {
  // Any unhandled rejection or uncaught exception during these tests is a failure: Redis
  // going away must never crash the process.
  const faults: unknown[] = [];
  const onFault = (err: unknown) => { faults.push(err); };
  let redis: ThrowawayRedis;

  before(async () => {
    process.on('unhandledRejection', onFault);
    process.on('uncaughtException', onFault);
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
    process.off('unhandledRejection', onFault);
    process.off('uncaughtException', onFault);
    assert.deepEqual(faults, [], 'no unhandled rejection or uncaught exception');
  });

  it('every call fails with unavailable at once, and the same store recovers when Redis is back', async () => {
    // A long command timeout shows that a refused connection fails at once, without waiting
    // for any timer: there is no offline queue holding calls until Redis comes back.
    const store = await new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'outage:', commandTimeoutMs: 5000, log }).connect();
    try {
      const before = collector();
      await store.subscribe('ch', before.handler);
      await store.set('k', 'v');

      await redis.stop();
      await sleep(50); // let the client notice the closed connection
      for (const [name, call] of calls(store)) await assertUnavailableFast(name, call, 100);

      await redis.restart(); // empty: nothing was persisted
      await eventually(() => store.ping(), 5000);
      await store.set('k', 'again');
      assert.equal(await store.get('k'), 'again');
      assert.equal(await store.create('k', 'x'), false);
      assert.equal(await store.increment('n', 1000), 1);

      // The subscription made before the outage delivers again, without subscribing anew.
      await eventually(async () => {
        await store.publish('ch', 'back');
        assert.ok(before.messages.includes('back'), 'resubscribed after the reconnect');
      }, 5000);
      const after = collector();
      await store.subscribe('after', after.handler);
      await store.publish('after', 'new');
      assert.equal(await after.next(), 'new');
    } finally {
      await store.close();
    }
  });

  it('a frozen Redis makes calls time out at the command timeout, and they work again when it thaws', async () => {
    const store = await new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'frozen:', commandTimeoutMs: TIMEOUT_MS, log }).connect();
    try {
      await store.subscribe('ch', () => {});
      redis.pause();
      try {
        // All at once: each must give up at its own timeout. (A subscription confirmed before
        // the freeze is still live, so joining it succeeds and is left out.)
        await Promise.all(calls(store).filter(([name]) => name !== 'subscribe (known channel)').map(async ([name, call]) => {
          const started = performance.now();
          await assertUnavailableFast(name, call, TIMEOUT_MS + SLACK_MS);
          assert.ok(performance.now() - started >= TIMEOUT_MS - 20, `${name} waited for the timeout, not less`);
        }));
      } finally {
        redis.resume();
      }
      await eventually(() => store.ping(), 5000);
      await store.set('k', 'thawed');
      assert.equal(await store.get('k'), 'thawed', 'late replies to timed-out calls are not mistaken for new ones');
    } finally {
      await store.close();
    }
  });

  it('a call in flight when the connection drops fails at once and is not resent', async () => {
    // A long timeout shows the failure comes from the dropped connection, not from the timer.
    const store = await new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'dropped:', commandTimeoutMs: 10_000, log }).connect();
    try {
      redis.pause();
      const started = performance.now();
      const inFlight = assert.rejects(store.increment('n', 60_000), { code: 'unavailable' });
      await sleep(100);
      await redis.stop();
      await inFlight;
      assert.ok(performance.now() - started < 2000);
      await redis.restart();
      await eventually(() => store.ping(), 5000);
      assert.equal(await store.get('n'), undefined, 'the increment was not replayed on the new connection');
    } finally {
      await store.close();
    }
  });

  it('openStore gives up on an unreachable Redis with unavailable and leaves nothing running', async () => {
    const port = await freePort();
    const started = performance.now();
    await assert.rejects(
      openStore({ kind: 'redis', url: `redis://127.0.0.1:${port}` }, { keyPrefix: 'none:', commandTimeoutMs: TIMEOUT_MS, log, connectTimeoutMs: 500 }),
      { code: 'unavailable' },
    );
    assert.ok(performance.now() - started < 1500);
  });
});
