import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Retention } from '../../src/accounts/retention.ts';
import { signedInKey, usedKey } from '../../src/accounts/usage.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { storeKeys } from '../../src/store/keys.ts';
import { refresh } from '../admin/helpers.ts';
import { RP, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { inspectableMemory, keysMentioning, signInAs, type InspectableStore } from './helpers.ts';

const DAY = 24 * 3600;

describe('account retention (ACCOUNT_RETENTION_DAYS)', () => {
  let saoma: RunningSaoma;
  let inspectable: InspectableStore;
  before(async () => {
    inspectable = inspectableMemory();
    saoma = await startSaoma({}, inspectable.store);
  });
  after(() => saoma.close());

  const retention = (days: number) => new Retention({ accounts: saoma.saoma.accountService, store: saoma.store, log: createLogger('silent'), days, everyMs: 3_600_000 });

  it('is off by default', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).env.ACCOUNT_RETENTION_DAYS, 0);
  });

  it('deletes an account unused past the retention by the admin delete\'s path, and keeps one in use', async () => {
    const idle = await signInAs(saoma, 'retention-idle', 'Idle Lin-unique');
    const active = await signInAs(saoma, 'retention-active', 'Active Ma');
    // The idle person's last sign-in, last website use and creation: 40 days ago.
    const old = Math.floor(Date.now() / 1000) - 40 * DAY;
    await saoma.store.set(signedInKey(idle.sub), String(old));
    await saoma.store.set(usedKey(idle.sub, RP.client_id), String(old));
    const record = JSON.parse((await saoma.store.get(storeKeys.account(idle.sub)))!);
    await saoma.store.set(storeKeys.account(idle.sub), JSON.stringify({ ...record, created_at: old }));
    await saoma.store.indexRemove('accounts', `${record.created_at}.${idle.sub}`);
    await saoma.store.indexAdd('accounts', `${old}.${idle.sub}`);

    assert.equal(await retention(0).sweep(), 0, 'off at 0');
    assert.equal(await retention(60).sweep(), 0, 'nobody idle for 60 days');
    assert.equal(await retention(30).sweep(), 1);

    assert.equal(await saoma.saoma.accounts.find(idle.sub), undefined);
    assert.deepEqual(await keysMentioning(inspectable, [idle.sub, 'Idle Lin-unique']), []);
    assert.equal((await refresh(saoma.issuer, RP, idle.tokens.refresh_token!)).json.error, 'invalid_grant');
    assert.ok(await saoma.saoma.accounts.find(active.sub), 'an account in use stays');
    assert.equal((await refresh(saoma.issuer, RP, active.tokens.refresh_token!)).status, 200);
    // The refresh just now counts as use: still kept with a one-day retention.
    assert.equal(await retention(1).sweep(), 0);
    assert.equal(await retention(1).sweep(Date.now() + 2 * DAY * 1000), 1, 'two days later it is idle');
  });
});
