import { startRedis, type ThrowawayRedis } from '../helpers/redis.ts';
import { raceSuite } from './race-suite.ts';

/**
 * Two processes on one Redis: two saoma apps, each in a worker thread of its own with its own
 * Redis connections (command and subscriber), on a throwaway redis-server; the racers of every
 * trial alternate between them.
 */
let redis: ThrowawayRedis | undefined;
raceSuite('two processes, one Redis', 2, async () => {
  redis = await startRedis();
  return { kind: 'redis', url: redis.url, keyPrefix: 'races:' };
}, async () => {
  await redis?.stop();
});
