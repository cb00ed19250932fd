import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JWK } from 'oidc-provider';
import { createLogger } from '../../src/log.ts';
import { SigningKeys, keySchedule } from '../../src/oidc/keys.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const log = createLogger('silent');
const HOUR = 3600_000;
const schedule = { activationDelayMs: HOUR, retentionMs: 2 * HOUR };
const kids = (keys: JWK[]) => keys.map((k) => k.kid);

describe('the signing keyring', () => {
  it('starts with one signing key per algorithm, shared by every process on the store', async () => {
    const store = new MemoryStore();
    const [a, b] = await Promise.all([SigningKeys.open(store, log, schedule), SigningKeys.open(store, log, schedule)]);
    assert.deepEqual(a.list().map((k) => [k.alg, k.state]), [['RS256', 'signing'], ['ES256', 'signing']]);
    assert.deepEqual(kids(a.current()), kids(b.current()), 'concurrent first starts agree on one set');
  });

  it('a rotated key is published at once, signs after the delay, and the old one stays published for the retention, then goes', async () => {
    const store = new MemoryStore();
    const keys = await SigningKeys.open(store, log, schedule);
    const [oldRsa, oldEc] = kids(keys.current());
    const now = Date.now();
    const { added } = await keys.rotate();
    const [newRsa, newEc] = added.map((k) => k.kid);

    const state = (at: number) => Object.fromEntries(keys.list(at).map((k) => [k.kid, k.state]));
    assert.deepEqual(state(now + 1000), { [oldRsa!]: 'signing', [oldEc!]: 'signing', [newRsa!]: 'next', [newEc!]: 'next' });
    // oidc-provider signs with the first key of an algorithm: before the delay, still the old ones.
    assert.deepEqual(kids(keys.current(now + 1000)).slice(0, 2), [oldRsa, oldEc]);
    assert.deepEqual(state(now + HOUR + 1000), { [oldRsa!]: 'retiring', [oldEc!]: 'retiring', [newRsa!]: 'signing', [newEc!]: 'signing' });
    assert.deepEqual(kids(keys.current(now + HOUR + 1000)).slice(0, 2), [newRsa, newEc]);
    assert.deepEqual(kids(keys.current(now + 3 * HOUR + 1000)), [newRsa, newEc], 'unpublished once its tokens have expired');
  });

  it('a rotation before the last one took effect lets that key sign in between, and loses no key', async () => {
    const store = new MemoryStore();
    const keys = await SigningKeys.open(store, log, schedule);
    const first = await keys.rotate(HOUR);
    const second = await keys.rotate(2 * HOUR);
    const now = Date.now();
    const signing = (at: number) => keys.list(at).filter((k) => k.state === 'signing' && k.alg === 'RS256').map((k) => k.kid);
    assert.deepEqual(signing(now + HOUR + 1000), [first.added[0]!.kid]);
    assert.deepEqual(signing(now + 2 * HOUR + 1000), [second.added[0]!.kid]);
    assert.ok(keys.list(now + 2 * HOUR + 1000).some((k) => k.kid === first.added[0]!.kid), 'the in-between key stays published after it signed');
  });

  it('concurrent rotations from two processes both land (compare-and-set), and each process hears of the other\'s', async () => {
    const store = new MemoryStore();
    const a = await SigningKeys.open(store, log, schedule);
    const b = await SigningKeys.open(store, log, schedule);
    const installed: JWK[][] = [];
    await b.follow((keys) => installed.push(keys), 60_000);
    const [ra, rb] = await Promise.all([a.rotate(), b.rotate()]);
    // b hears of a's rotation through the store's publish; under load that takes a moment.
    for (const deadline = Date.now() + 5000; kids(installed.at(-1) ?? []).length !== 6 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const published = kids(b.current());
    for (const kid of [...ra.added, ...rb.added].map((k) => k.kid)) assert.ok(published.includes(kid), `${kid} survived`);
    assert.equal(published.length, 6);
    assert.ok(installed.length >= 1 && kids(installed.at(-1)!).length === 6, 'b installed the keys a added');
    await b.stop();
  });

  it('a process switches to the new key on time by itself, and drops the old one when its time is up', async () => {
    const store = new MemoryStore();
    // The drop comes well after the switch, so a timer that fires late under load still sees the
    // switch on its own (with both due at once the process would rightly do both in one install).
    const keys = await SigningKeys.open(store, log, { activationDelayMs: 150, retentionMs: 1500 });
    const installed: string[][] = [];
    const { promise: thirdInstall, resolve } = Promise.withResolvers<void>();
    await keys.follow((k) => {
      if (installed.push(kids(k) as string[]) === 3) resolve();
    }, 60_000);
    const before = kids(keys.current());
    const { added } = await keys.rotate();
    // The switch is due 150 ms after the rotation and the drop 1.5 s after that; 10 s is ample under load.
    await Promise.race([thirdInstall, new Promise((r) => setTimeout(r, 10_000).unref())]);
    assert.deepEqual(installed.map((k) => k.length), [4, 4, 2], 'published, then signing, then the old ones gone');
    assert.deepEqual(installed[0]!.slice(0, 2), before);
    assert.deepEqual(installed[1]!.slice(0, 2), added.map((k) => k.kid));
    assert.deepEqual(installed[2], added.map((k) => k.kid));
    await keys.stop();
  });

  it('reads the first stored format (a plain JWKS) as keys that sign', async () => {
    const store = new MemoryStore();
    const fresh = await SigningKeys.open(new MemoryStore(), log, schedule);
    await store.set('keys:signing', JSON.stringify({ keys: fresh.current() }));
    const legacy = await SigningKeys.open(store, log, schedule);
    assert.deepEqual(kids(legacy.current()), kids(fresh.current()));
    assert.deepEqual(legacy.list().map((k) => k.state), ['signing', 'signing']);
  });

  it('retention defaults to the ID token lifetime plus five minutes', () => {
    assert.deepEqual(keySchedule({ KEY_ACTIVATION_DELAY_SECONDS: 60, ID_TOKEN_TTL_SECONDS: 600 }), { activationDelayMs: 60_000, retentionMs: 900_000 });
    assert.deepEqual(keySchedule({ KEY_ACTIVATION_DELAY_SECONDS: 0, KEY_RETENTION_SECONDS: 10, ID_TOKEN_TTL_SECONDS: 600 }), { activationDelayMs: 0, retentionMs: 10_000 });
  });
});
