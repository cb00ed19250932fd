import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/log.ts';
import { RedisStore, type RedisTarget } from '../../src/store/redis.ts';
import { collector, storeConformance } from './conformance.ts';
import { deleteKeys, rawClient, redisFixture } from './redis-fixture.ts';

// The shared Redis of the machine (or REDIS_URL): every case works under its own random prefix.
const target: RedisTarget = { kind: 'redis', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
const fixture = redisFixture(() => target);

storeConformance('redis (standalone)', fixture.makeStore, fixture.options);

describe('RedisStore specifics', () => {
  let raw: Redis;
  let store: RedisStore;
  let prefix: string;
  const warnings: Array<Record<string, unknown>> = [];
  const log = createLogger('warn', { write: (line: string) => { warnings.push(JSON.parse(line)); } });

  before(async () => {
    raw = (await rawClient(target)) as Redis;
  });
  after(async () => {
    await raw.quit();
  });

  const withStore = (title: string, body: () => Promise<void>) => it(title, async () => {
    prefix = `saoma-test:${randomUUID()}:`;
    warnings.length = 0;
    store = await new RedisStore(target, { keyPrefix: prefix, commandTimeoutMs: 2000, log }).connect();
    try {
      await body();
    } finally {
      await store.close();
      await deleteKeys(target, prefix);
    }
  });

  withStore('keys and channels carry the key prefix', async () => {
    await store.set('k', 'v');
    assert.equal(await raw.get(`${prefix}k`), 'v');
    assert.equal(await raw.exists('k'), 0);
    const listener = raw.duplicate();
    try {
      const got = new Promise<string>((resolve) => listener.on('message', (channel: string, message: string) => resolve(`${channel} ${message}`)));
      await listener.subscribe(`${prefix}ch`);
      await store.publish('ch', 'hi');
      assert.equal(await got, `${prefix}ch hi`);
    } finally {
      listener.disconnect();
    }
  });

  withStore('Redis holds one subscription per channel, however many local handlers, until the last leaves', async () => {
    const numsub = async () => Number((await raw.pubsub('NUMSUB', `${prefix}ch`))[1]);
    const first = await store.subscribe('ch', () => {});
    const second = await store.subscribe('ch', () => {});
    assert.equal(await numsub(), 1);
    await first();
    assert.equal(await numsub(), 1);
    await second();
    assert.equal(await numsub(), 0);
    const third = await store.subscribe('ch', () => {});
    assert.equal(await numsub(), 1, 'a channel can be subscribed again after it was dropped');
    await third();
  });

  withStore('a handler that throws neither stops the others nor the connection', async () => {
    const good = collector();
    await store.subscribe('ch', () => { throw new Error('faulty handler'); });
    await store.subscribe('ch', good.handler);
    await store.publish('ch', 'one');
    await store.publish('ch', 'two');
    assert.equal(await good.next(), 'one');
    assert.equal(await good.next(), 'two');
  });

  withStore('compareAndSet keeps the exact remaining TTL; increment never extends it; an index takes the larger TTL', async () => {
    await store.set('cas', 'a', 60_000);
    await store.compareAndSet('cas', 'a', 'b');
    const kept = await raw.pttl(`${prefix}cas`);
    assert.ok(kept > 58_000 && kept <= 60_000, `pttl ${kept}`);
    await store.compareAndSet('cas', 'b', 'c', 5_000);
    assert.ok((await raw.pttl(`${prefix}cas`)) <= 5_000);

    await store.increment('count', 60_000);
    await raw.pexpire(`${prefix}count`, 30_000);
    await store.increment('count', 60_000);
    assert.ok((await raw.pttl(`${prefix}count`)) <= 30_000, 'the second increment did not reset the window');

    await store.indexAdd('index', 'a', 10_000);
    await store.indexAdd('index', 'b', 60_000);
    assert.ok((await raw.pttl(`${prefix}index`)) > 58_000);
    await store.indexAdd('index', 'c', 1_000);
    assert.ok((await raw.pttl(`${prefix}index`)) > 58_000);
    await store.indexAdd('index', 'd');
    assert.equal(await raw.pttl(`${prefix}index`), -1);
  });

  withStore('a value of another type planted by someone else reads as absent and is logged, never thrown', async () => {
    await raw.hset(`${prefix}oidc:AccessToken:secret-token-id`, 'field', 'value');
    await raw.lpush(`${prefix}list`, 'x');
    assert.equal(await store.get('oidc:AccessToken:secret-token-id'), undefined);
    assert.equal(await store.compareAndSet('list', 'x', 'y'), false);
    assert.equal(await store.deleteIfEquals('list', 'x'), false);
    assert.deepEqual(await store.indexMembers('list'), []);
    await store.indexRemove('list', 'x');
    assert.equal(await store.increment('list', 10_000), 1);
    await raw.set(`${prefix}index`, 'plain');
    await store.indexAdd('index', 'm');
    assert.deepEqual(await store.indexMembers('index'), ['m']);
    assert.equal(await store.create('oidc:AccessToken:secret-token-id', 'v'), false, 'the key exists, whatever it holds');
    assert.equal(await store.delete('oidc:AccessToken:secret-token-id'), true);

    const ops = warnings.map((w) => w.op);
    assert.deepEqual(ops, ['get', 'compareAndSet', 'deleteIfEquals', 'indexMembers', 'indexRemove', 'increment', 'indexAdd']);
    assert.equal(warnings[0]!.key_kind, 'oidc:AccessToken:');
    assert.ok(!JSON.stringify(warnings).includes('secret-token-id'), 'the log never carries the key itself');
  });

  withStore('values written by another client are read as they are (the store adds no framing)', async () => {
    await raw.set(`${prefix}k`, '{"truncated":');
    assert.equal(await store.get('k'), '{"truncated":');
  });
});
