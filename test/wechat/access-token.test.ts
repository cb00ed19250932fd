import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../src/store/memory.ts';
import { ACCESS_TOKEN_KEY, createAccessTokenSource } from '../../src/wechat/access-token.ts';
import { toSaomaError } from '../../src/wechat/errors.ts';
import { APPID, SECRET, clientFor, rejectionOf, silent, startEmulator, type RunningEmulator } from './harness.ts';

/** A store that remembers the TTL of every write, to check what the token is cached for. */
class RecordingStore extends MemoryStore {
  readonly writes: { key: string; ttlMs: number | undefined }[] = [];
  override async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.writes.push({ key, ttlMs });
    return super.set(key, value, ttlMs);
  }
}

/** A store that counts reads of the access token. */
class TokenReadCountingStore extends MemoryStore {
  reads = 0;
  override async get(key: string): Promise<string | undefined> {
    if (key === ACCESS_TOKEN_KEY) this.reads++;
    return super.get(key);
  }
}

/** A store that says when a process waiting for the fetch lock's holder has subscribed and found no token yet. */
class WaitWatchingStore extends MemoryStore {
  readonly waiting = Promise.withResolvers<void>();
  #subscribed = false;
  override async subscribe(channel: string, handler: (message: string) => void) {
    const unsubscribe = await super.subscribe(channel, handler);
    if (channel === ACCESS_TOKEN_KEY) this.#subscribed = true;
    return unsubscribe;
  }
  override async get(key: string): Promise<string | undefined> {
    const value = await super.get(key);
    if (key === ACCESS_TOKEN_KEY && this.#subscribed && value === undefined) this.waiting.resolve();
    return value;
  }
}

describe('the access token, shared by the whole deployment', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  test('two processes on one store fetch the token once, whether they start together or one after the other', async () => {
    const store = new MemoryStore();
    const before = await emulator.calls();
    // Two client instances stand for two processes: each has its own in-process state.
    await Promise.all([clientFor(emulator.base, store).createCode('first'), clientFor(emulator.base, store).createCode('second')]);
    await clientFor(emulator.base, store).createCode('third');
    const calls = await emulator.calls();
    assert.equal(calls.stable_token - before.stable_token, 1);
    assert.equal(calls.getwxacodeunlimit - before.getwxacodeunlimit, 3);
  });

  test('concurrent calls in one process share one token fetch', async () => {
    const wechat = clientFor(emulator.base, new MemoryStore());
    const before = await emulator.calls();
    await Promise.all(Array.from({ length: 10 }, (_, i) => wechat.createCode(`scene${i}`)));
    const calls = await emulator.calls();
    assert.equal(calls.stable_token - before.stable_token, 1);
    assert.equal(calls.getwxacodeunlimit - before.getwxacodeunlimit, 10);
  });

  test('the token is cached for expires_in minus five minutes, in the store', async () => {
    const store = new RecordingStore();
    // A fresh token: normal mode would otherwise hand out the earlier one, with less time left.
    await emulator.post('/emulator/invalidate_token');
    await clientFor(emulator.base, store).createCode('ttl');
    // (The fetch's outcome is written too, for /readyz; only the token's TTL matters here.)
    assert.deepEqual(store.writes.filter((w) => w.key === ACCESS_TOKEN_KEY), [{ key: ACCESS_TOKEN_KEY, ttlMs: 7200_000 - 300_000 }]);
    assert.ok(await store.get(ACCESS_TOKEN_KEY));
  });

  test('a token WeChat no longer accepts (40001) is dropped, fetched again once, and the call retried', async () => {
    const store = new MemoryStore();
    const wechat = clientFor(emulator.base, store);
    await wechat.createCode('one');
    const oldToken = await store.get(ACCESS_TOKEN_KEY);
    await emulator.post('/emulator/invalidate_token');
    const before = await emulator.calls();
    const { contentType } = await wechat.createCode('two');
    const calls = await emulator.calls();
    assert.equal(contentType, 'image/jpeg');
    assert.equal(calls.stable_token - before.stable_token, 1);
    assert.equal(calls.getwxacodeunlimit - before.getwxacodeunlimit, 2, 'the rejected call and its retry');
    const newToken = await store.get(ACCESS_TOKEN_KEY);
    assert.ok(newToken && newToken !== oldToken);
  });

  test('an expired token (42001) is renewed the same way', async () => {
    const wechat = clientFor(emulator.base, new MemoryStore());
    await wechat.createCode('one');
    await emulator.post('/emulator/invalidate_token', { reason: 'expired' });
    const before = await emulator.calls();
    await wechat.createCode('two');
    const calls = await emulator.calls();
    assert.equal(calls.stable_token - before.stable_token, 1);
    assert.equal(calls.getwxacodeunlimit - before.getwxacodeunlimit, 2);
  });

  test('a token rejected again after the refetch fails the call instead of looping', async () => {
    const wechat = clientFor(emulator.base, new MemoryStore());
    await wechat.createCode('warm');
    await emulator.fault({ api: 'getwxacodeunlimit', errcode: 40001, times: 2 });
    const before = await emulator.calls();
    const err = toSaomaError(await rejectionOf(wechat.createCode('never')));
    const calls = await emulator.calls();
    assert.equal(err.code, 'wechat_error');
    assert.equal(err.errcode, 40001);
    assert.equal(calls.getwxacodeunlimit - before.getwxacodeunlimit, 2);
    assert.equal(calls.stable_token - before.stable_token, 1);
  });

  test('renewing keeps a token another process already renewed, without asking WeChat', async () => {
    const store = new MemoryStore();
    const tokens = createAccessTokenSource({ appid: APPID, secret: SECRET, apiBase: emulator.base, timeoutMs: 2000, store, log: silent });
    await store.set(ACCESS_TOKEN_KEY, 'renewed-elsewhere', 60_000);
    const before = await emulator.calls();
    assert.equal(await tokens.renew('the-rejected-one'), 'renewed-elsewhere');
    assert.equal((await emulator.calls()).stable_token, before.stable_token);
  });

  test('a process that loses the fetch lock waits for the winner\'s announcement and uses its token', async () => {
    const store = new WaitWatchingStore();
    await store.create('wechat:access_token:lock', 'another-process', 10_000);
    const before = await emulator.calls();
    // Without the announcement the waiter would give up only after its bounded wait (10 s here).
    const pending = clientFor(emulator.base, store, { timeoutMs: 9000 }).createCode('waiting');
    await store.waiting.promise;
    // The "other process" fetches the token and announces it.
    const res = await emulator.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: APPID, secret: SECRET });
    await store.set(ACCESS_TOKEN_KEY, res.body.access_token, 60_000);
    const announced = Date.now();
    await store.publish(ACCESS_TOKEN_KEY, 'fetched');
    const { contentType } = await pending;
    const woke = Date.now() - announced;
    assert.equal(contentType, 'image/jpeg');
    assert.equal((await emulator.calls()).stable_token - before.stable_token, 1, 'only the winner fetched');
    assert.ok(woke < 5000, `woken by the announcement (${woke} ms after it), not by the end of its wait`);
  });

  test('a process whose lock holder never answers fetches the token itself after a bounded wait', async () => {
    const store = new MemoryStore();
    await store.create('wechat:access_token:lock', 'a-dead-process', 10_000);
    const before = await emulator.calls();
    const started = Date.now();
    await clientFor(emulator.base, store, { timeoutMs: 1000 }).createCode('alone');
    const waited = Date.now() - started;
    assert.equal((await emulator.calls()).stable_token - before.stable_token, 1);
    assert.ok(waited >= 2000 && waited < 6000, `waited ${waited} ms: timeoutMs + 1 s, not the lock's 10 s`);
  });

  test('a failed token fetch is reported as the WeChat error and leaves nothing cached', async () => {
    const store = new MemoryStore();
    await emulator.fault({ api: 'stable_token', errcode: 45009 });
    const err = toSaomaError(await rejectionOf(clientFor(emulator.base, store).createCode('quota')));
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.errcode, 45009);
    assert.equal(await store.get(ACCESS_TOKEN_KEY), undefined);
    assert.equal(await store.get('wechat:access_token:lock'), undefined, 'the lock is released');
  });

  test('a process keeps the token it read for a minute, without reading the store again', async () => {
    const store = new TokenReadCountingStore();
    const tokens = createAccessTokenSource({ appid: APPID, secret: SECRET, apiBase: emulator.base, timeoutMs: 2000, store, log: silent });
    await store.set(ACCESS_TOKEN_KEY, 'from-another-process', 60_000);
    assert.equal(await tokens.get(), 'from-another-process');
    assert.equal(await tokens.get(), 'from-another-process');
    assert.equal(store.reads, 1);
    // A rejected token is dropped: the next call reads the store again.
    await store.set(ACCESS_TOKEN_KEY, 'renewed-elsewhere', 60_000);
    assert.equal(await tokens.renew('from-another-process'), 'renewed-elsewhere');
    assert.equal(await tokens.get(), 'renewed-elsewhere');
    assert.equal(store.reads, 2);
  });
});
