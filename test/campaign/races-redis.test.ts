import { createLogger } from '../../src/log.ts';
import { RedisStore } from '../../src/store/redis.ts';
import { startRedis, type ThrowawayRedis } from '../helpers/redis.ts';
import { raceSuite } from './race-suite.ts';

/**
 * Two processes on one Redis: two saoma apps, each with its own Redis connections (command and
 * subscriber), on a throwaway redis-server; the racers of every trial alternate between them.
 */
let redis: ThrowawayRedis | undefined;
raceSuite('two processes, one Redis', async () => {
  redis = await startRedis();
  const open = () => new RedisStore({ kind: 'redis', url: redis!.url }, { keyPrefix: 'races:', commandTimeoutMs: 2000, log: createLogger('silent') }).connect();
  return [await open(), await open()];
}, async () => {
  await redis?.stop();
});
