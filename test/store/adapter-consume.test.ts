import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdapterPayload } from 'oidc-provider';
import { createLogger } from '../../src/log.ts';
import { StoreAdapter } from '../../src/oidc/adapter.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const log = createLogger('silent');

/** A memory store that counts reads. */
class CountingStore extends MemoryStore {
  gets = 0;
  override async get(key: string): Promise<string | undefined> {
    this.gets++;
    return super.get(key);
  }
}

const code = (jti: string): AdapterPayload => ({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60, jti, kind: 'AuthorizationCode', accountId: 'acc', clientId: 'client', grantId: 'g1' });

describe('consuming a code oidc-provider just found', () => {
  it('compares against what find read, without reading it again', async () => {
    const store = new CountingStore();
    const codes = new StoreAdapter('AuthorizationCode', store, log);
    await codes.upsert('c1', code('c1'), 60);
    assert.ok(await codes.find('c1'));
    const before = store.gets;
    await codes.consume('c1');
    assert.equal(store.gets, before, 'no read in consume');
    assert.ok((await codes.find('c1'))?.consumed);
    await assert.rejects(codes.consume('c1'), { error: 'invalid_grant' }, 'a second consume reads, and loses');
  });

  it('loses when the code was consumed or revoked elsewhere since it was found, and does not bring it back', async () => {
    const store = new MemoryStore();
    const here = new StoreAdapter('AuthorizationCode', store, log);
    const elsewhere = new StoreAdapter('AuthorizationCode', store, log);
    await here.upsert('c2', code('c2'), 60);
    await here.upsert('c3', code('c3'), 60);
    assert.ok(await here.find('c2'));
    assert.ok(await here.find('c3'));
    await elsewhere.consume('c2');
    await assert.rejects(here.consume('c2'), { error: 'invalid_grant' });
    await elsewhere.revokeByGrantId('g1');
    await assert.rejects(here.consume('c3'), { error: 'invalid_grant' });
    assert.equal(await store.get('oidc:AuthorizationCode:c3'), undefined);
  });
});
