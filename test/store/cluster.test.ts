import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RedisTarget } from '../../src/store/redis.ts';
import { startRedisCluster, type ThrowawayCluster } from '../helpers/redis-cluster.ts';
import { storeConformance } from './conformance.ts';
import { redisFixture } from './redis-fixture.ts';

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
