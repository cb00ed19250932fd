import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { RedisStore, type RedisTarget } from '../../src/store/redis.ts';
import { startRedisCluster, type ThrowawayCluster } from '../helpers/redis-cluster.ts';
import { sleep, storeConformance } from './conformance.ts';
import { deleteKeys, redisFixture } from './redis-fixture.ts';

// A 3-master Redis Cluster of our own: every operation must stay on one slot (no CROSSSLOT), and
// pub/sub must cross nodes (PUBLISH is broadcast; subscribers sit on whichever node ioredis picks).
let cluster: ThrowawayCluster | undefined;
before(async () => {
  cluster = await startRedisCluster(3);
});
after(async () => {
  await cluster?.stop();
});

const target = (): RedisTarget => ({ kind: 'cluster', nodes: cluster!.nodes });
const fixture = redisFixture(target);

it('the cluster has three masters', () => {
  assert.equal(cluster?.nodes.length, 3);
});

storeConformance('redis cluster (3 masters)', fixture.makeStore, fixture.options);

it('a frozen cluster makes every call fail with unavailable within the command timeout, then recovers', async () => {
  const timeoutMs = 300;
  const store = await new RedisStore(target(), { keyPrefix: 'frozen:', commandTimeoutMs: timeoutMs, log: createLogger('silent') }).connect();
  try {
    await store.subscribe('known', () => {});
    cluster!.pause();
    try {
      const calls: Array<() => Promise<unknown>> = [
        () => store.get('k'), () => store.set('k', 'v'), () => store.compareAndSet('k', 'v', 'w'),
        () => store.increment('n', 1000), () => store.indexAdd('i', 'm'), () => store.publish('ch', 'm'),
        // Cluster pub/sub runs on ioredis's subscriber connection, which has no command timeout.
        () => store.subscribe('fresh', () => {}), () => store.ping(),
      ];
      await Promise.all(calls.map(async (call, i) => {
        const started = performance.now();
        const outcome = await call().then(() => undefined, (err: unknown) => err);
        assert.ok(outcome instanceof SaomaError && outcome.code === 'unavailable', `call ${i}: ${String(outcome)}`);
        assert.ok(performance.now() - started < timeoutMs + 400, `call ${i} took ${Math.round(performance.now() - started)} ms`);
      }));
    } finally {
      cluster!.resume();
    }
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await store.set('k', 'thawed');
        assert.equal(await store.get('k'), 'thawed');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(50);
      }
    }
  } finally {
    await store.close();
    await deleteKeys(target(), 'frozen:');
  }
});
