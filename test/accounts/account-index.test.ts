import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountIndex, addOnce, indexForAccount } from '../../src/accounts/account-index.ts';
import { Accounts } from '../../src/oidc/accounts.ts';
import { storeKeys } from '../../src/store/keys.ts';
import { MemoryStore } from '../../src/store/memory.ts';

/** A memory store that counts index adds and create-if-absent writes. */
class CountingStore extends MemoryStore {
  adds = 0;
  creates = 0;
  override async indexAdd(index: string, member: string, ttlMs?: number): Promise<void> {
    this.adds++;
    return super.indexAdd(index, member, ttlMs);
  }
  override async create(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.creates++;
    return super.create(key, value, ttlMs);
  }
}

describe('the per-account index, added to once per process', () => {
  it('skips an add this process made for at least the TTL needed, and makes one that needs longer', async () => {
    const store = new CountingStore();
    await addOnce(store, 'i', 'm', 60_000);
    await addOnce(store, 'i', 'm', 30_000);
    assert.equal(store.adds, 1, 'covered by the first add');
    await addOnce(store, 'i', 'm', 120_000);
    assert.equal(store.adds, 2, 'a longer TTL is added');
    await addOnce(store, 'i', 'm');
    await addOnce(store, 'i', 'm');
    assert.equal(store.adds, 3, 'no TTL is added once, then covers');
    await addOnce(store, 'i', 'm', 3_600_000);
    assert.equal(store.adds, 3, 'a member without TTL covers any TTL');
    await addOnce(store, 'i', 'other');
    await addOnce(new CountingStore(), 'i', 'm');
    assert.equal(store.adds, 4, 'another member is added; another store has its own memory');
  });

  it('adds oidc-provider models every time (they leave the index one by one), keys once', async () => {
    const store = new CountingStore();
    for (let i = 0; i < 2; i++) {
      await indexForAccount(store, 'sub1', 'Session:s1', 60_000);
      await indexForAccount(store, 'sub1', 'key:account-used:sub1:rp');
    }
    assert.equal(store.adds, 3);
    assert.deepEqual((await store.indexMembers(accountIndex('sub1'))).sort(), ['Session:s1', 'key:account-used:sub1:rp']);
  });

  it('a returning person: the identity link just read is not written again, and one missing from the index is added back', async () => {
    const store = new CountingStore();
    const identity = { appid: 'wxapp', openid: 'o-returning' };
    const first = await new Accounts(store).resolve(identity);
    const [link] = (await store.indexMembers(accountIndex(first.sub))).filter((m) => m.startsWith('key:identity:'));
    assert.ok(link, 'the identity link is in the index');
    store.creates = 0;
    assert.equal((await new Accounts(store).resolve(identity)).sub, first.sub);
    assert.equal(store.creates, 0, 'no identity write for a link that is there');

    // An account from before the index (or a crash before its index add), seen by another process.
    await store.indexRemove(accountIndex(first.sub), link);
    await store.indexRemove(storeKeys.accountList, `${first.created_at}.${first.sub}`);
    const otherProcess = anotherProcessOn(store);
    assert.equal((await new Accounts(otherProcess).resolve(identity)).sub, first.sub);
    assert.ok((await store.indexMembers(accountIndex(first.sub))).includes(link));
    assert.ok((await store.indexMembers(storeKeys.accountList)).includes(`${first.created_at}.${first.sub}`));
  });
});

/** The same store reached through another object: as another process (or a restarted one), it has no memory of earlier adds. */
function anotherProcessOn(store: MemoryStore): MemoryStore {
  return new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
