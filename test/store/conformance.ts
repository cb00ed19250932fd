import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdapterPayload } from 'oidc-provider';
import { createLogger } from '../../src/log.ts';
import { Tickets, type NewTicket } from '../../src/login/tickets.ts';
import { StoreAdapter } from '../../src/oidc/adapter.ts';
import { storeChannels } from '../../src/store/keys.ts';
import type { Store } from '../../src/store/store.ts';
import { updateWithRetry } from '../../src/store/update.ts';

export interface ConformanceOptions {
  /**
   * A second store on the same backend and key prefix, as another process would open it (the
   * memory store answers with the same instance). Closed by the suite when it is another one.
   */
  peer(store: Store): Promise<Store>;
  /**
   * The reports the backend makes from now on about subscription handlers that threw (a process
   * warning, a log line), as text: a fault is never swallowed silently.
   */
  handlerFaults(store: Store): () => string[];
  /** Removes what a case left on the backend; runs after the case has closed its stores. */
  cleanup?(store: Store): Promise<void>;
}

/**
 * The storage conformance suite: every guarantee of the `Store` interface (src/store/store.ts),
 * and the oidc-provider adapter's on top of it, checked against one backend. Each case runs on a
 * fresh empty store from `makeStore`. TTLs are short (tens to hundreds of ms) so the suite is fast;
 * the margins are wide enough that a correct backend never flakes and a wrong one always fails.
 */
export function storeConformance(name: string, makeStore: () => Promise<Store>, options: ConformanceOptions): void {
  const log = createLogger('silent');

  function check(title: string, body: (store: Store, peer: () => Promise<Store>) => Promise<void>): void {
    it(title, async () => {
      const store = await makeStore();
      let peer: Store | undefined;
      try {
        await body(store, async () => (peer ??= await options.peer(store)));
      } finally {
        if (peer && peer !== store) await peer.close();
        await store.close();
        await options.cleanup?.(store);
      }
    });
  }

  describe(`Store conformance: ${name}`, () => {
    describe('values', () => {
      check('a value is read back, replaced and deleted; delete reports whether it removed one', async (store) => {
        assert.equal(await store.get('never-set'), undefined);
        await store.set('k', 'one');
        assert.equal(await store.get('k'), 'one');
        await store.set('k', 'two');
        assert.equal(await store.get('k'), 'two');
        assert.equal(await store.delete('k'), true);
        assert.equal(await store.get('k'), undefined);
        assert.equal(await store.delete('k'), false);
      });

      check('values are opaque strings: empty, unicode, JSON and binary-looking text survive', async (store) => {
        for (const value of ['', '扫码 ✓', '{"a":[1,2]}', '\u0000\r\n\t', 'x'.repeat(100_000)]) {
          await store.set('k', value);
          assert.equal(await store.get('k'), value);
        }
      });

      check('a key past its TTL reads as absent, whichever call wrote it', async (store) => {
        await store.set('set', 'v', 80);
        assert.equal(await store.create('create', 'v', 80), true);
        await store.set('cas', 'v', 10_000);
        assert.equal(await store.compareAndSet('cas', 'v', 'w', 80), true);
        assert.equal(await store.get('set'), 'v');
        await until(async () => (await store.get('set')) === undefined, 'a value set with an 80 ms TTL was still there after 2 s');
        await until(async () => (await store.get('create')) === undefined, 'a value created with an 80 ms TTL was still there after 2 s');
        await until(async () => (await store.get('cas')) === undefined, 'a value compare-and-set with an 80 ms TTL was still there after 2 s');
        assert.equal(await store.create('create', 'again'), true, 'an expired key is absent to create');
      });

      check('set without a TTL makes the key live until deleted', async (store) => {
        await store.set('k', 'short', 80);
        await store.set('k', 'forever');
        await store.set('control', 'short', 80);
        await expiry(store, 'control');
        assert.equal(await store.get('k'), 'forever');
      });

      check('of 20 concurrent deletes of one key exactly one reports the removal', async (store) => {
        await store.set('k', 'v');
        const removed = await Promise.all(Array.from({ length: 20 }, () => store.delete('k')));
        assert.equal(removed.filter(Boolean).length, 1);
      });
    });

    describe('create', () => {
      check('create writes only when the key is absent', async (store) => {
        assert.equal(await store.create('k', 'first'), true);
        assert.equal(await store.create('k', 'second'), false);
        assert.equal(await store.get('k'), 'first');
      });

      check('of 100 concurrent creators of one key exactly one wins, and its value stays', async (store) => {
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.create('k', `v${i}`, 10_000)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await store.get('k'), `v${results.indexOf(true)}`);
      });
    });

    describe('compareAndSet', () => {
      check('of 100 concurrent updaters from one expected value exactly one wins, and the key keeps its TTL', async (store) => {
        await store.set('k', 'v0', 400);
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.compareAndSet('k', 'v0', `v${i + 1}`)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await store.get('k'), `v${results.indexOf(true) + 1}`);
        await until(async () => (await store.get('k')) === undefined, 'the winner kept the original TTL instead of living forever');
      });

      check('a new TTL given to compareAndSet replaces the old one', async (store) => {
        await store.set('k', 'v', 10_000);
        assert.equal(await store.compareAndSet('k', 'v', 'w', 80), true);
        await until(async () => (await store.get('k')) === undefined, 'the new 80 ms TTL did not replace the old one');
      });

      check('a stale expected value loses; a chain of updates each from the last value wins', async (store) => {
        await store.set('k', 'a');
        assert.equal(await store.compareAndSet('k', 'a', 'b'), true);
        assert.equal(await store.compareAndSet('k', 'a', 'c'), false);
        assert.equal(await store.compareAndSet('k', 'b', 'c'), true);
        assert.equal(await store.get('k'), 'c');
      });

      check('an absent or expired key never matches, not even the empty string, and is not created', async (store) => {
        assert.equal(await store.compareAndSet('absent', '', 'x'), false);
        assert.equal(await store.compareAndSet('absent', 'x', 'y'), false);
        assert.equal(await store.get('absent'), undefined);
        await store.set('expired', 'v', 50);
        // A control key expiring later shows the time has passed, without reading 'expired' first.
        await store.set('control', 'v', 50);
        await expiry(store, 'control');
        assert.equal(await store.compareAndSet('expired', 'v', 'w'), false);
        assert.equal(await store.get('expired'), undefined);
      });
    });

    describe('deleteIfEquals', () => {
      check('deleteIfEquals removes only a matching value', async (store) => {
        await store.set('k', 'a');
        assert.equal(await store.deleteIfEquals('k', 'b'), false);
        assert.equal(await store.get('k'), 'a');
        assert.equal(await store.deleteIfEquals('k', 'a'), true);
        assert.equal(await store.get('k'), undefined);
        assert.equal(await store.deleteIfEquals('k', 'a'), false);
        assert.equal(await store.deleteIfEquals('absent', ''), false);
      });

      check('of 100 concurrent deleteIfEquals exactly one removes the value', async (store) => {
        await store.set('k', 'lock-holder');
        const results = await Promise.all(Array.from({ length: 100 }, () => store.deleteIfEquals('k', 'lock-holder')));
        assert.equal(results.filter(Boolean).length, 1);
      });
    });

    describe('increment', () => {
      check('increment counts in a fixed window: the TTL is set when the counter is created, never extended', async (store) => {
        assert.equal(await store.increment('k', 400), 1);
        await store.set('first-window', 'open', 400);
        await store.set('halfway', 'open', 200);
        await expiry(store, 'halfway');
        assert.equal(await store.increment('k', 400), 2);
        await store.set('extended-window', 'open', 400);
        await expiry(store, 'first-window');
        assert.equal(await store.increment('k', 400), 1, 'a new window starts at 1');
        assert.equal(await store.get('extended-window'), 'open', 'checked while a window extended by the second call would still be open');
      });

      check('100 concurrent increments return 1 to 100, each once', async (store) => {
        const counts = await Promise.all(Array.from({ length: 100 }, () => store.increment('k', 10_000)));
        assert.deepEqual(counts.toSorted((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));
      });
    });

    describe('indexes', () => {
      check('members are added, listed and removed; delete removes the whole index', async (store) => {
        assert.deepEqual(await store.indexMembers('i'), []);
        await store.indexAdd('i', 'a');
        await store.indexAdd('i', 'b');
        await store.indexAdd('i', 'a');
        assert.deepEqual((await store.indexMembers('i')).toSorted(), ['a', 'b']);
        await store.indexRemove('i', 'a');
        await store.indexRemove('i', 'never');
        assert.deepEqual(await store.indexMembers('i'), ['b']);
        assert.equal(await store.delete('i'), true);
        assert.deepEqual(await store.indexMembers('i'), []);
      });

      check("an index's TTL only grows; without a TTL it lives until deleted", async (store) => {
        await store.set('before-500', 'open', 500);
        await store.indexAdd('grows', 'a', 100);
        await store.indexAdd('grows', 'b', 500);
        await store.indexAdd('never-shrinks', 'a', 500);
        await store.indexAdd('never-shrinks', 'b', 50);
        await store.indexAdd('no-ttl', 'a');
        await store.indexAdd('no-ttl', 'b', 50);
        await store.indexAdd('becomes-permanent', 'a', 100);
        await store.indexAdd('becomes-permanent', 'b');
        await store.set('after-100', 'open', 100);
        await store.set('after-500', 'open', 500);
        await expiry(store, 'after-100');
        for (const index of ['grows', 'never-shrinks', 'no-ttl', 'becomes-permanent']) {
          assert.deepEqual((await store.indexMembers(index)).toSorted(), ['a', 'b'], index);
        }
        assert.equal(await store.get('before-500'), 'open', 'checked before the longest TTL ran out');
        await expiry(store, 'after-500');
        assert.deepEqual(await store.indexMembers('grows'), [], 'expires at the longest TTL');
        assert.deepEqual(await store.indexMembers('never-shrinks'), []);
        assert.deepEqual((await store.indexMembers('no-ttl')).toSorted(), ['a', 'b']);
        assert.deepEqual((await store.indexMembers('becomes-permanent')).toSorted(), ['a', 'b']);
      });
    });

    describe('a value that is not what we wrote reads as absent', () => {
      check('a key holding an index is absent to get, compareAndSet and deleteIfEquals', async (store) => {
        await store.indexAdd('k', 'member');
        assert.equal(await store.get('k'), undefined);
        assert.equal(await store.compareAndSet('k', 'member', 'x'), false);
        assert.equal(await store.deleteIfEquals('k', 'member'), false);
        assert.deepEqual(await store.indexMembers('k'), ['member'], 'and is left alone');
      });

      check('a key holding a plain value is an empty index, and indexAdd starts a fresh one', async (store) => {
        await store.set('k', 'plain');
        assert.deepEqual(await store.indexMembers('k'), []);
        await store.indexRemove('k', 'plain');
        await store.indexAdd('k', 'member', 10_000);
        assert.deepEqual(await store.indexMembers('k'), ['member']);
      });

      check('increment over a value that is not a counter starts a new count', async (store) => {
        await store.set('text', 'not a number');
        assert.equal(await store.increment('text', 10_000), 1);
        assert.equal(await store.increment('text', 10_000), 2);
        await store.indexAdd('index', 'member');
        assert.equal(await store.increment('index', 10_000), 1);
      });
    });

    describe('publish and subscribe', () => {
      check('a publish after subscribe resolves reaches every handler of the channel once, and no other channel', async (store) => {
        const first = collector();
        const second = collector();
        const other = collector();
        await store.subscribe('ch', first.handler);
        await store.subscribe('ch', second.handler);
        await store.subscribe('other', other.handler);
        await store.publish('ch', 'hello');
        // A last message on each channel: once it is in, anything sent before it would be too.
        await store.publish('ch', 'end');
        await store.publish('other', 'end');
        for (const got of [first, second, other]) await got.until('end');
        assert.deepEqual(first.messages, ['hello', 'end']);
        assert.deepEqual(second.messages, ['hello', 'end']);
        assert.deepEqual(other.messages, ['end']);
      });

      check('a handler that throws affects neither the publisher nor the other handlers, and the fault is reported', async (store) => {
        const good = collector();
        const reported = options.handlerFaults(store);
        await store.subscribe('faulty', () => {
          throw new Error('subscriber bug');
        });
        await store.subscribe('faulty', good.handler);
        await store.publish('faulty', 'still delivered');
        assert.equal(await good.next(), 'still delivered');
        await store.publish('faulty', 'again');
        assert.equal(await good.next(), 'again');
        await until(async () => reported().length >= 2, 'the faulty handler was not reported');
        assert.equal(reported().length, 2, `one report per fault: ${JSON.stringify(reported())}`);
        for (const report of reported()) assert.match(report, /subscriber bug/);
      });

      check('subscribe resolves only when live: a publish from another instance right after it is delivered', async (store, peer) => {
        const publisher = await peer();
        for (let round = 0; round < 20; round += 1) {
          const got = collector();
          const unsubscribe = await store.subscribe(`race-${round}`, got.handler);
          await publisher.publish(`race-${round}`, 'now');
          await got.next();
          await unsubscribe();
        }
      });

      check('two instances on one backend see each other’s publishes', async (store, peer) => {
        const other = await peer();
        const here = collector();
        const there = collector();
        await store.subscribe('ch', here.handler);
        await other.subscribe('ch', there.handler);
        await other.publish('ch', 'from-peer');
        assert.equal(await here.next(), 'from-peer');
        assert.equal(await there.next(), 'from-peer');
        await store.publish('ch', 'from-store');
        assert.equal(await there.next(), 'from-store');
        assert.equal(await here.next(), 'from-store');
      });

      check('unsubscribe stops delivery to that handler only; the last one leaving stops the channel', async (store, peer) => {
        const leaving = collector();
        const staying = collector();
        const unsubscribeLeaving = await store.subscribe('ch', leaving.handler);
        const unsubscribeStaying = await store.subscribe('ch', staying.handler);
        await unsubscribeLeaving();
        await unsubscribeLeaving(); // twice is harmless
        await store.publish('ch', 'one');
        await staying.next();
        await unsubscribeStaying();
        // A control subscriber elsewhere proves the next message was delivered at all.
        const control = collector();
        await (await peer()).subscribe('ch', control.handler);
        await store.publish('ch', 'two');
        assert.equal(await control.next(), 'two');
        // A fence on another channel of this store, published after 'two': once it is in, 'two'
        // would have reached this store's handlers too.
        const fence = collector();
        await store.subscribe('fence', fence.handler);
        await store.publish('fence', 'after two');
        await fence.next();
        assert.deepEqual(leaving.messages, []);
        assert.deepEqual(staying.messages, ['one']);
      });

      check('a page waiting on its ticket (Tickets.waitForChange) wakes on a change made by another instance', async (store, peer) => {
        const here = await startedTickets(store);
        const there = await startedTickets(await peer());
        try {
          const ticket = await here.tickets.replace(newTicket('uid-wakes'), undefined);
          const waiting = here.tickets.waitForChange(ticket.scene, 'pending', 10_000);
          await until(async () => here.tickets.waiting === 1, 'the page never started waiting');
          await there.tickets.update(ticket.scene, (t) => ({ ...t, state: 'scanned' }));
          assert.equal((await within(waiting, 2000, 'the waiting page was not woken by the change')).state, 'scanned');
        } finally {
          await here.stop();
          await there.stop();
        }
      });

      check('a change written between the waiter registering and its read is answered at once', async (store, peer) => {
        const writer = await startedTickets(await peer());
        const reads = readHooks(store);
        const here = await startedTickets(reads.store);
        try {
          const ticket = await here.tickets.replace(newTicket('uid-before-read'), undefined);
          reads.beforeNextRead(() => writer.tickets.update(ticket.scene, (t) => ({ ...t, state: 'scanned' })).then(() => {}));
          const status = await within(here.tickets.waitForChange(ticket.scene, 'pending', 10_000), 2000, 'the read did not see the change');
          assert.equal(status.state, 'scanned');
        } finally {
          await here.stop();
          await writer.stop();
        }
      });

      check('a change published after the read but before the wait begins is not lost', async (store, peer) => {
        const writer = await startedTickets(await peer());
        const reads = readHooks(store);
        const here = await startedTickets(reads.store);
        // Subscribed after `here`, on the same store: when it has the news, `here` has had it too.
        const news = collector();
        await store.subscribe(storeChannels.tickets, news.handler);
        try {
          const ticket = await here.tickets.replace(newTicket('uid-after-read'), undefined);
          reads.afterNextRead(async () => {
            await writer.tickets.update(ticket.scene, (t) => ({ ...t, state: 'scanned' }));
            await news.next();
          });
          const status = await within(here.tickets.waitForChange(ticket.scene, 'pending', 10_000), 2000, 'the news arrived before the wait and was lost');
          assert.equal(status.state, 'scanned');
        } finally {
          await here.stop();
          await writer.stop();
        }
      });
    });

    describe('updateWithRetry', () => {
      const append = (n: number) => (current: string | undefined) => {
        const list = current === undefined ? [] : (JSON.parse(current) as number[]);
        return { result: n, next: JSON.stringify([...list, n]) };
      };

      check('100 parallel updaters, each update applied exactly once', async (store, peer) => {
        const other = await peer();
        await store.set('k', '[]', 10_000);
        // Half the updaters on another instance, as other processes would be.
        const results = await Promise.all(Array.from({ length: 100 }, (_, n) => updateWithRetry(n % 2 ? other : store, 'k', append(n), {
          attempts: 1000, exhausted: () => new Error(`updater ${n} gave up`),
        })));
        assert.ok(results.every((r) => r.written));
        const applied = JSON.parse((await store.get('k'))!) as number[];
        assert.deepEqual(applied.toSorted((a, b) => a - b), Array.from({ length: 100 }, (_, n) => n));
      });

      check('an absent key is created; nothing to change writes nothing; a refusal passes through unwritten', async (store) => {
        const options = { attempts: 3, exhausted: () => new Error('gave up') };
        assert.deepEqual(await updateWithRetry(store, 'k', append(1), options), { result: 1, written: true });
        assert.equal(await store.get('k'), '[1]');
        assert.deepEqual(await updateWithRetry(store, 'k', () => ({ result: 'same' }), options), { result: 'same', written: false });
        await assert.rejects(updateWithRetry(store, 'k', () => { throw new Error('refused'); }, options), /refused/);
        assert.equal(await store.get('k'), '[1]');
      });

      check('an updater that loses every race gives up after its attempts with its own error, writing nothing of its own', async (store, peer) => {
        const rival = await peer();
        await store.set('k', '0');
        let calls = 0;
        const change = (current: string | undefined) => {
          calls += 1;
          return { result: undefined, next: `${current}-mine` };
        };
        // Another writer gets in between every read and write of this one.
        const reads = readHooks(store);
        for (let i = 0; i < 5; i += 1) reads.afterNextRead(async () => { await rival.set('k', String(i + 1)); });
        await assert.rejects(updateWithRetry(reads.store, 'k', change, { attempts: 5, exhausted: () => new Error('too busy') }), /too busy/);
        assert.equal(calls, 5);
        assert.equal(await store.get('k'), '5');
      });
    });

    describe('through the oidc-provider adapter', () => {
      const payload = (extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
        iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60, accountId: 'acc', clientId: 'client', ...extra,
      });

      check('of 100 concurrent consumes of one authorization code exactly one succeeds; the rest get invalid_grant', async (store) => {
        const codes = new StoreAdapter('AuthorizationCode', store, log);
        await codes.upsert('code1', payload({ jti: 'code1', kind: 'AuthorizationCode', grantId: 'g1' }), 60);
        const results = await Promise.allSettled(Array.from({ length: 100 }, () => codes.consume('code1')));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const result of results) {
          if (result.status === 'rejected') assert.equal((result.reason as { error?: string }).error, 'invalid_grant');
        }
        const found = await codes.find('code1');
        assert.ok(found?.consumed, 'find shows the code consumed');
        assert.equal(found.accountId, 'acc');
        await assert.rejects(codes.consume('code1'), { error: 'invalid_grant' });
      });

      check('consuming an expired, destroyed or unknown code is a lost race and does not bring it back', async (store) => {
        const codes = new StoreAdapter('AuthorizationCode', store, log);
        await codes.upsert('short', payload({ jti: 'short', kind: 'AuthorizationCode' }), 0.05);
        await codes.upsert('revoked', payload({ jti: 'revoked', kind: 'AuthorizationCode', grantId: 'g9' }), 60);
        await codes.revokeByGrantId('g9');
        await store.set('control', 'v', 50);
        await expiry(store, 'control');
        await assert.rejects(codes.consume('short'), { error: 'invalid_grant' });
        await assert.rejects(codes.consume('revoked'), { error: 'invalid_grant' });
        await assert.rejects(codes.consume('unknown'), { error: 'invalid_grant' });
        assert.equal(await codes.find('revoked'), undefined);
        assert.equal(await codes.find('short'), undefined);
        assert.equal(await codes.find('unknown'), undefined);
      });

      check('revokeByGrantId removes every token of the grant and nothing of another grant', async (store) => {
        const models = ['AccessToken', 'RefreshToken', 'AuthorizationCode'].map((model) => new StoreAdapter(model, store, log));
        for (const adapter of models) {
          await adapter.upsert('of-g1', payload({ grantId: 'g1' }), 60);
          await adapter.upsert('of-g2', payload({ grantId: 'g2' }), 60);
        }
        // The provider calls it once per grantable model.
        for (const adapter of models) await adapter.revokeByGrantId('g1');
        for (const adapter of models) {
          assert.equal(await adapter.find('of-g1'), undefined);
          assert.ok(await adapter.find('of-g2'));
        }
      });

      check('a grant’s index outlives its shorter tokens, so revocation still finds the longest one', async (store) => {
        const access = new StoreAdapter('AccessToken', store, log);
        const refresh = new StoreAdapter('RefreshToken', store, log);
        await refresh.upsert('rt', payload({ grantId: 'g' }), 10);
        await access.upsert('at', payload({ grantId: 'g' }), 0.05);
        await until(async () => (await access.find('at')) === undefined, 'the access token did not expire with its TTL');
        await access.revokeByGrantId('g');
        assert.equal(await refresh.find('rt'), undefined);
      });

      check('a session is stored, found by id and by uid, and destroyed with its uid lookup', async (store) => {
        const sessions = new StoreAdapter('Session', store, log);
        const session = payload({ jti: 'sid', uid: 'uid1', kind: 'Session' });
        await sessions.upsert('sid', session, 60);
        assert.deepEqual(await sessions.find('sid'), session);
        assert.deepEqual(await sessions.findByUid('uid1'), session);
        await sessions.destroy('sid');
        assert.equal(await sessions.find('sid'), undefined);
        assert.equal(await sessions.findByUid('uid1'), undefined);
      });

      check('a stored model that is not JSON, or not an object, reads as absent without throwing', async (store) => {
        const grants = new StoreAdapter('Grant', store, log);
        // The adapter's key layout (oidc:<model>:<id>) is how a corrupted record is planted here.
        const corrupt = ['not json', '{"jti":"x","exp":17', '[1,2]', 'null', '42', ''];
        for (const [i, raw] of corrupt.entries()) {
          await store.set(`oidc:Grant:bad${i}`, raw);
          assert.equal(await grants.find(`bad${i}`), undefined, JSON.stringify(raw));
        }
        await store.indexAdd('oidc:Grant:a-set', 'member');
        assert.equal(await grants.find('a-set'), undefined, 'a key of another type');
      });
    });
  });
}

/** Waits until `condition` holds, checking every 10 ms; fails the test with `message` after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, message: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(10);
  }
}

/** Waits until `key` has expired: a control key whose TTL shows that time has passed. */
function expiry(store: Store, key: string): Promise<void> {
  return until(async () => (await store.get(key)) === undefined, `${key} did not expire within 2 s`);
}

/** The store as `Tickets` sees it, with hooks run once around its next reads (to stage a race). */
function readHooks(store: Store): { store: Store; beforeNextRead(hook: () => Promise<void>): void; afterNextRead(hook: () => Promise<void>): void } {
  const before: Array<() => Promise<void>> = [];
  const after: Array<() => Promise<void>> = [];
  const hooked = new Proxy(store, {
    get(target, property) {
      if (property === 'get') {
        return async (key: string) => {
          await before.shift()?.();
          const value = await target.get(key);
          await after.shift()?.();
          return value;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: hooked, beforeNextRead: (hook) => before.push(hook), afterNextRead: (hook) => after.push(hook) };
}

async function startedTickets(store: Store): Promise<{ tickets: Tickets; stop(): Promise<void> }> {
  const tickets = new Tickets(store, createLogger('silent'), 60_000);
  await tickets.start();
  return { tickets, stop: () => tickets.stop() };
}

function newTicket(uid: string): NewTicket {
  return { uid, clientId: 'shop', scopes: ['openid'], requester: { ip: '203.0.113.7', user_agent: 'test', time: Date.now() }, interactionExpiresAt: Date.now() + 60_000 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the promise, or fails the test after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** A handler that records messages; `next()` waits (≤ 2 s) for the next one not yet taken. */
export function collector(): { handler: (message: string) => void; messages: string[]; next(): Promise<string>; until(message: string): Promise<void> } {
  const messages: string[] = [];
  let taken = 0;
  let notify: (() => void) | undefined;
  return {
    messages,
    handler(message) {
      messages.push(message);
      notify?.();
    },
    async next() {
      const deadline = Date.now() + 2000;
      while (messages.length <= taken) {
        const arrived = new Promise<void>((resolve) => { notify = resolve; });
        await within(arrived, deadline - Date.now(), 'no message arrived within 2 s').catch((err: unknown) => {
          if (messages.length <= taken) throw err;
        });
      }
      return messages[taken++]!;
    },
    /** Takes messages until `message` (≤ 2 s each). */
    async until(message) {
      while ((await this.next()) !== message);
    },
  };
}
