import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { ADMIN_TOKEN, adminApi, refresh, signInTo, type Website } from '../admin/helpers.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { LogoutEndpoint } from './logout-endpoint.ts';

describe('back-channel logout', { timeout: 60_000 }, () => {
  let saoma: RunningSaoma;
  let api: ReturnType<typeof adminApi>;
  const rp = new LogoutEndpoint();
  let site: Website;

  before(async () => {
    await rp.start();
    saoma = await startSaoma({ ADMIN_TOKEN });
    api = adminApi(`${saoma.issuer}/admin`);
    const created = await api('POST', '/clients', { client_name: 'Logout Shop', redirect_uris: ['http://127.0.0.1:9/logout-shop/cb'], backchannel_logout_uri: rp.url });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.client.backchannel_logout_uri, rp.url);
    site = { client_id: created.json.client.client_id, client_secret: created.json.client_secret, redirect_uri: 'http://127.0.0.1:9/logout-shop/cb' };
  });
  after(async () => {
    await saoma.close();
    rp.server.closeAllConnections();
    rp.server.close();
  });

  it('a back-channel logout URI is checked like a redirect URI: https, or http on loopback outside production', async () => {
    const refused = await api('POST', '/clients', { client_name: 'Bad', redirect_uris: ['https://bad.example/cb'], backchannel_logout_uri: 'http://bad.example/logout' });
    assert.equal(refused.status, 400);
    assert.ok(refused.json.problems.some((p: string) => p.startsWith('backchannel_logout_uri: must use https')), JSON.stringify(refused.json));
    assert.equal((await api('POST', '/clients', { client_name: 'Bad', redirect_uris: ['https://bad.example/cb'], backchannel_logout_uri: 'https://bad.example/logout#x' })).status, 400);
    const discovery = await (await fetch(`${saoma.issuer}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.backchannel_logout_supported, true);
  });

  it('signing out at saoma sends the website a logout token for the person, which it verifies with jose', async () => {
    const signedIn = await signInTo(saoma, site, 'bc-ann');
    const before = rp.requests;
    const endSession = oidc.buildEndSessionUrl(signedIn.config, { client_id: site.client_id });
    const page = await signedIn.browser.request(endSession);
    assert.equal(page.status, 200, page.text.slice(0, 200));
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)![1]!;
    const action = new URL(/action="([^"]+)"/.exec(page.text)![1]!, saoma.issuer);
    const out = await signedIn.browser.request(action, { form: { xsrf, logout: 'yes' }, headers: { origin: saoma.issuer } });
    assert.equal(out.status, 303, out.text.slice(0, 200));
    await rp.arrived(before + 1);
    const payload = await rp.verify(saoma.issuer, site.client_id, before);
    assert.equal(payload.sub, signedIn.claims.sub);
  });

  it('block, sign out everywhere and delete each reach the website', async () => {
    for (const [user, action] of [['bc-ben', 'block'], ['bc-cai', 'sign-out'], ['bc-dai', 'delete']] as const) {
      const signedIn = await signInTo(saoma, site, user);
      const sub = signedIn.claims.sub;
      const before = rp.requests;
      const done = action === 'delete' ? await api('DELETE', `/accounts/${sub}`) : await api('POST', `/accounts/${sub}/${action}`);
      assert.equal(done.status, 200, JSON.stringify(done.json));
      assert.equal(done.json.logouts_sent, 1, action);
      await rp.arrived(before + 1);
      assert.equal((await rp.verify(saoma.issuer, site.client_id, before)).sub, sub, action);
    }
  });

  it('a website that does not answer delays no one, and one that fails is tried again', async () => {
    const signedIn = await signInTo(saoma, site, 'bc-eve', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    let release: () => void = () => {};
    const held: ServerResponse[] = [];
    rp.answer = (res) => {
      held.push(res);
      release = () => held.forEach((r) => r.writeHead(200).end());
    };
    const before = rp.requests;
    // The delete answers while the website still holds its request: if it waited, this would hang.
    const deleted = await api('DELETE', `/accounts/${signedIn.claims.sub}`);
    assert.equal(deleted.status, 200);
    assert.equal((await refresh(saoma.issuer, site, signedIn.tokens.refresh_token!)).json.error, 'invalid_grant');
    await rp.arrived(before + 1);
    release();

    const failing = await signInTo(saoma, site, 'bc-fan');
    let failures = 1;
    rp.answer = (res) => res.writeHead(failures-- > 0 ? 503 : 200).end();
    const first = rp.requests;
    assert.equal((await api('POST', `/accounts/${failing.claims.sub}/sign-out`)).status, 200);
    await rp.arrived(first + 2);
    assert.equal((await rp.verify(saoma.issuer, site.client_id, first + 1)).sub, failing.claims.sub, 'the retry carries a valid token');
    rp.answer = (res) => res.writeHead(200).end();
  });

  it('after a signing-key change (a new provider instance serves), sign-ins are still recorded and logout tokens still sent', async () => {
    const previous = saoma.saoma.provider;
    const changed = newProvider(previous);
    await saoma.saoma.admin.service.rotateKeys({ actor: 'test', ip: 'local' });
    await changed;
    const signedIn = await signInTo(saoma, site, 'bc-gao');
    const shown = await api('GET', `/accounts/${signedIn.claims.sub}`);
    assert.ok(shown.json.account.last_sign_in_at > 0, 'the new instance records the sign-in');
    assert.equal(shown.json.websites[0]?.client_id, site.client_id);
    const before = rp.requests;
    assert.equal((await api('POST', `/accounts/${signedIn.claims.sub}/sign-out`)).json.logouts_sent, 1);
    await rp.arrived(before + 1);
    assert.equal((await rp.verify(saoma.issuer, site.client_id, before)).sub, signedIn.claims.sub);
  });

  /** Resolves once the process serves a provider other than `previous` (the key change reached it). */
  function newProvider(previous: unknown): Promise<void> {
    const deadline = Date.now() + 20_000;
    return new Promise((resolve, reject) => {
      const look = () => {
        if (saoma.saoma.provider !== previous) return resolve();
        if (Date.now() > deadline) return reject(new Error('no new provider instance after the key change'));
        setTimeout(look, 10);
      };
      look();
    });
  }
});
