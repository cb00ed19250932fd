import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { EMULATOR_APPID } from '../../src/config/load.ts';
import { openidOf } from '../../src/emulator/identity.ts';
import { RP, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

/** GET `path` with exactly this Host header (fetch would not send a broken one). */
function getWithHost(saoma: RunningSaoma, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(new URL(saoma.issuer).port), path, headers: { host }, setHost: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Found by the campaign: oidc-provider builds discovery's URLs from the request's Host, and a Host
 * that is not a host (a space, a port out of range, an open bracket) made discovery answer 500.
 */
describe('a Host header that is not a host', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  for (const host of ['x y', 'a:99999', '[::1', 'a/b']) {
    it(`Host ${JSON.stringify(host)} is refused with 400 invalid_request, on discovery and everywhere`, async () => {
      for (const path of ['/.well-known/openid-configuration', '/jwks', '/healthz']) {
        const answer = await getWithHost(saoma, path, host);
        assert.equal(answer.status, 400, `${path}: ${answer.status} ${answer.body.slice(0, 200)}`);
        assert.equal(JSON.parse(answer.body).error, 'invalid_request');
      }
    });
  }

  it('a request with a proper Host is served as before', async () => {
    const answer = await getWithHost(saoma, '/.well-known/openid-configuration', new URL(saoma.issuer).host);
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).issuer, saoma.issuer);
  });
});

/** Every absolute http(s) URL in `text` (a JSON document or a page). */
function absoluteUrls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s"'<>\\]+/g)].map((m) => m[0]);
}

/** One request with exactly these headers and request target; its Set-Cookie pairs kept. */
function send(saoma: RunningSaoma, init: { method?: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string; location?: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(new URL(saoma.issuer).port), method: init.method ?? 'GET', path: init.path, headers: init.headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location, cookies: (res.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]!) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * Found by the campaign: oidc-provider builds its absolute URLs (discovery's endpoints, the
 * sign-out form, where a finished login returns to) from the request's Host, so anyone could have
 * discovery name their own server, and a cache in front keep that answer for everyone. The
 * ISSUER is configured: every URL names it, whatever the request says.
 */
describe('a forged Host does not change the URLs saoma hands out', () => {
  let saoma: RunningSaoma;
  let proxied: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
    // Behind one trusted proxy (127.0.0.1 is then the proxy), which passes the client's Host on as X-Forwarded-Host.
    proxied = await startSaoma({ TRUST_PROXY: 'true' });
  });
  after(async () => {
    await saoma.close();
    await proxied.close();
  });

  const forged = 'attacker.example:8443';

  for (const [how, target] of [
    ['in the Host header', (_s: RunningSaoma) => ({ path: '/.well-known/openid-configuration', headers: { host: forged } })],
    ['as an absolute request target', (s: RunningSaoma) => ({ path: `http://${forged}/.well-known/openid-configuration`, headers: { host: new URL(s.issuer).host } })],
  ] as const) {
    it(`discovery names only the issuer when the attacker's host comes ${how}`, async () => {
      const answer = await send(saoma, target(saoma));
      assert.equal(answer.status, 200, answer.body.slice(0, 200));
      const urls = absoluteUrls(answer.body);
      assert.ok(urls.length > 5, answer.body);
      for (const url of urls) assert.ok(url === saoma.issuer || url.startsWith(`${saoma.issuer}/`), `${url} in discovery`);
    });
  }

  it("discovery names only the issuer when a trusted proxy forwards the attacker's Host as X-Forwarded-Host", async () => {
    const answer = await send(proxied, { path: '/.well-known/openid-configuration', headers: { host: new URL(proxied.issuer).host, 'x-forwarded-host': forged, 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(answer.status, 200, answer.body.slice(0, 200));
    for (const url of absoluteUrls(answer.body)) assert.ok(url === proxied.issuer || url.startsWith(`${proxied.issuer}/`), `${url} in discovery`);
  });

  it('the sign-out page posts to the issuer', async () => {
    const answer = await send(saoma, { path: '/session/end', headers: { host: forged } });
    assert.equal(answer.status, 200, answer.body.slice(0, 200));
    const action = /<form[^>]* action="([^"]+)"/.exec(answer.body)?.[1];
    assert.ok(action, 'the page has a form');
    assert.ok(action.startsWith(`${saoma.issuer}/`), `the form posts to ${action}`);
  });

  it('a login started with a forged Host returns the browser to the issuer when it finishes', async () => {
    const params = new URLSearchParams({
      client_id: RP.client_id, response_type: 'code', scope: 'openid', redirect_uri: RP.redirect_uri,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 'forged-host',
    });
    const start = await send(saoma, { path: `/auth?${params}`, headers: { host: forged } });
    assert.equal(start.status, 303, start.body.slice(0, 200));
    const uid = /\/interaction\/([^/?#]+)$/.exec(start.location ?? '')?.[1];
    assert.ok(uid, `expected the login page, got ${start.location}`);
    // The person scans and confirms (as /mp/scan and /mp/confirm leave the ticket); the browser finishes.
    const { sub } = await saoma.saoma.accounts.resolve({ appid: EMULATOR_APPID, openid: openidOf(EMULATOR_APPID, 'forged-host') });
    const ticket = await saoma.saoma.tickets.replace({
      uid, clientId: RP.client_id, scopes: ['openid'], requester: { ip: '192.0.2.1', user_agent: 'Mozilla/5.0 Firefox/128.0', time: Date.now() }, interactionExpiresAt: Date.now() + 60_000,
    }, undefined);
    await saoma.saoma.tickets.update(ticket.scene, (t) => ({ ...t, state: 'confirmed', account_id: sub }));
    const done = await send(saoma, { method: 'POST', path: `/interaction/${uid}/complete`, headers: { host: new URL(saoma.issuer).host, cookie: start.cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(done.status, 303, done.body.slice(0, 300));
    assert.ok(done.location?.startsWith(`${saoma.issuer}/auth/${uid}`), `the browser is sent to ${done.location}`);
  });

  it("health probes that name the pod's address as Host are answered", async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await send(saoma, { path, headers: { host: '10.42.0.17:3000' } });
      assert.equal(answer.status, 200, `${path}: ${answer.status} ${answer.body.slice(0, 200)}`);
    }
  });
});
