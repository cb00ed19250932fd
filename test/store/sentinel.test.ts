import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RedisTarget } from '../../src/store/redis.ts';
import { startRedis, startSentinel, type ThrowawayRedis } from '../helpers/redis.ts';
import { storeConformance } from './conformance.ts';
import { rawClient, redisFixture } from './redis-fixture.ts';

// REDIS_SENTINELS: the store finds the master through a Sentinel (a throwaway master and one
// Sentinel with quorum 1; failover itself is Redis's business, not exercised here).
let master: ThrowawayRedis | undefined;
let sentinel: { port: number; stop(): Promise<void> } | undefined;
before(async () => {
  master = await startRedis();
  sentinel = await startSentinel(master.port, 'saoma-master');
});
after(async () => {
  await sentinel?.stop();
  await master?.stop();
});

const target = (): RedisTarget => ({ kind: 'sentinel', sentinels: [`127.0.0.1:${sentinel!.port}`], name: 'saoma-master' });
const fixture = redisFixture(target);

it('the store reaches the master the Sentinel names', async () => {
  const store = await fixture.makeStore();
  try {
    await store.set('k', 'v');
    const direct = await rawClient({ kind: 'redis', url: master!.url });
    try {
      const keys = await direct.keys('saoma-test:*');
      assert.equal(keys.length, 1);
      assert.equal(await direct.get(keys[0]!), 'v');
    } finally {
      await direct.quit();
    }
  } finally {
    await store.close();
    await fixture.options.cleanup!(store);
  }
});

storeConformance('redis sentinel', fixture.makeStore, fixture.options);
