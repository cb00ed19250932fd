import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { SaomaError } from '../src/errors.ts';
import { MemoryStore } from '../src/store/memory.ts';
import type { Store } from '../src/store/store.ts';
import { complete, fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/**
 * The store fails once, at one chosen call of a `/complete` request: either before the call
 * reaches it (nothing written) or after it applied (written, but the answer lost, as a write that
 * timed out during a stall and still landed). Whichever call it is, the browser's retry of
 * `/complete` finishes the same login: the website gets a code for the account that scanned.
 */
type FaultMode = 'before' | 'after';

describe('a fault during /complete, then a retry', () => {
  const fault = { at: 0, calls: 0, mode: 'before' as FaultMode };
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma({}, faulty(new MemoryStore(), fault));
  });
  after(() => saoma.close());

  async function confirmedLogin(user: string) {
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, user);
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal((await mp(saoma, 'confirm', { scene, token: scanned.json.token })).status, 200);
    const accountId = (await saoma.saoma.tickets.get(scene))!.account_id!;
    return { login, accountId };
  }

  async function finishes(login: Awaited<ReturnType<typeof confirmedLogin>>['login'], accountId: string, what: string) {
    const callback = await complete(saoma, login).catch((err: Error) => {
      throw new Error(`${what}: ${err.message.slice(0, 200)}`, { cause: err });
    });
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    assert.equal(tokens.claims()!.sub, accountId, `${what}: the website signs in the person who scanned`);
  }

  for (const mode of ['before', 'after'] as const) {
    it(`whichever store call of /complete fails (${mode === 'before' ? 'not applied' : 'applied, answer lost'}), the retry finishes the same login`, async () => {
      // How many store calls one /complete makes, measured on a login of its own.
      const probe = await confirmedLogin(`probe-${mode}`);
      fault.at = 0;
      fault.calls = 0;
      const answer = await probe.login.browser.request(`${saoma.issuer}/interaction/${probe.login.uid}/complete`, { method: 'POST', form: {} });
      assert.equal(answer.status, 303);
      const total = fault.calls;
      assert.ok(total >= 5, `/complete made ${total} store calls`);

      for (let at = 1; at <= total; at++) {
        const { login, accountId } = await confirmedLogin(`faulted-${mode}-${at}`);
        fault.mode = mode;
        fault.calls = 0;
        fault.at = at;
        let first;
        try {
          first = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
        } finally {
          fault.at = 0;
        }
        assert.ok(first.status === 303 || first.status === 503, `fault at call ${at} of ${total}: /complete answered ${first.status}`);
        await finishes(login, accountId, `fault ${mode} call ${at} of ${total}, then a retry`);
      }
    });
  }

  it('a /complete whose 303 was lost is answered again, onto the same login', async () => {
    const { login, accountId } = await confirmedLogin('lost-answer');
    const url = `${saoma.issuer}/interaction/${login.uid}/complete`;
    const lost = await login.browser.request(url, { method: 'POST', form: {} });
    assert.equal(lost.status, 303);
    const again = await login.browser.request(url, { method: 'POST', form: {} });
    assert.equal(again.status, 303);
    assert.equal(again.location, lost.location);
    await finishes(login, accountId, 'the retry');
  });
});

/** The store, failing with `unavailable` at the `fault.at`-th call since `fault.calls` was reset. */
function faulty(store: Store, fault: { at: number; calls: number; mode: FaultMode }): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (name === 'subscribe' || name === 'close' || name === 'ping') return (value as (...a: unknown[]) => unknown).apply(target, args);
        fault.calls += 1;
        const hit = fault.at !== 0 && fault.calls === fault.at;
        const unavailable = new SaomaError('unavailable', 'The store is unreachable; try again shortly.', { detail: 'injected by the test' });
        if (hit && fault.mode === 'before') throw unavailable;
        const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
        if (hit) throw unavailable;
        return result;
      };
    },
  });
}
