import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { Browser } from './helpers/browser.ts';
import * as oidc from 'openid-client';
import { fetchScene, relyingParty, scan, startLogin } from './helpers/login.ts';
import { RP, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/**
 * Defect 3 of issue 10: behind a proxy, the confirm screen's IP must be where the request really
 * came from, not what the client wrote into `X-Forwarded-For`. The test plays both the attacker
 * (who writes a forged address first) and the trusted proxies (which append what they saw); saoma
 * itself sees the connection from 127.0.0.1.
 */
const FORGED = '6.6.6.6';
const REAL = '203.0.113.7';

/** What the phone's confirm screen says about the browser that opened the login page. */
async function requesterSeen(saoma: RunningSaoma, headers: Record<string, string>): Promise<string> {
  // Every request of this browser passes through the same (simulated) proxies.
  const browser = new Browser();
  const original = browser.request.bind(browser);
  browser.request = (url, init = {}) => original(url, { ...init, headers: { ...headers, ...init.headers } });
  const login = await startLogin(saoma, { browser });
  const scanned = await scan(saoma, await fetchScene(saoma, login), 'ivy');
  assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
  return scanned.json.requester.ip;
}

describe('trusted proxies, by address and by hop count', () => {
  const running: RunningSaoma[] = [];
  const start = async (trust: string) => {
    const saoma = await startSaoma({ TRUST_PROXY: trust });
    running.push(saoma);
    return saoma;
  };
  after(async () => {
    for (const saoma of running) await saoma.close();
  });

  it('TRUST_PROXY=true (one proxy): a forged X-Forwarded-For does not reach the confirm screen; the address the proxy saw does', async () => {
    const saoma = await start('true');
    assert.equal(await requesterSeen(saoma, { 'x-forwarded-for': `${FORGED}, ${REAL}` }), REAL);
  });

  it('forged addresses do not escape the per-address rate limit of the mini-program API', async () => {
    const saoma = await start('true');
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) {
      const res = await fetch(`${saoma.issuer}/mp/scan`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i}, ${REAL}` }, body: '{}' });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.equal(statuses.filter((s) => s === 429).length, 1, 'the 121st request from the one real address is refused');
    assert.equal(statuses.at(-1), 429);
  });

  it('a hop count: two proxies, the client address is the second from the right', async () => {
    const saoma = await start('2');
    assert.equal(await requesterSeen(saoma, { 'x-forwarded-for': `${FORGED}, ${REAL}, 10.0.0.2` }), REAL);
  });

  it('a list of proxy addresses: read from the right, the first address that is not a trusted proxy', async () => {
    const saoma = await start('loopback, 10.0.0.0/8');
    assert.equal(await requesterSeen(saoma, { 'x-forwarded-for': `${FORGED}, ${REAL}, 10.1.2.3, 10.0.0.2` }), REAL);
    assert.equal(await requesterSeen(saoma, { 'x-forwarded-for': `${FORGED}, 10.9.9.9` }), FORGED, 'with no untrusted address between, the leftmost is the client');
  });

  it('a connection that is not from a trusted proxy: its forwarded headers are ignored', async () => {
    const saoma = await start('10.0.0.1');
    assert.equal(await requesterSeen(saoma, { 'x-forwarded-for': FORGED }), '127.0.0.1');
  });

  it('TRUST_PROXY=false: no forwarded header is believed', async () => {
    const saoma = await start('false');
    assert.equal(await requesterSeen(saoma, { 'x-forwarded-for': FORGED }), '127.0.0.1');
  });

  it('X-Forwarded-Proto is believed only from a trusted proxy (a client cannot claim https)', async () => {
    // The login's cookies are marked Secure exactly when the request counts as https.
    const cookiesOfAuth = async (saoma: RunningSaoma) => {
      const config = await relyingParty(saoma);
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: RP.redirect_uri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
      const res = await fetch(url, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } });
      await res.arrayBuffer();
      assert.equal(res.status, 303);
      return res.headers.getSetCookie().join('\n');
    };
    assert.match(await cookiesOfAuth(await start('loopback')), /; secure/i, 'from a trusted proxy, https');
    assert.doesNotMatch(await cookiesOfAuth(await start('10.0.0.1')), /; secure/i, 'from anyone else, plain http');
  });

  it('refuses a TRUST_PROXY that is neither a switch, a hop count nor addresses, naming the variable', () => {
    for (const bad of ['yes', '10.0.0.300', 'loopbak', '10.0.0.0/33']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), (err: Error) => /TRUST_PROXY/.test(err.message), bad);
    }
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'true' }).env.TRUST_PROXY, { hops: 1 });
    assert.equal(loadConfig({ TRUST_PROXY: '0' }).env.TRUST_PROXY, false);
    assert.deepEqual(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8 , uniquelocal' }).env.TRUST_PROXY, { addresses: ['10.0.0.0/8', 'uniquelocal'] });
  });
});
