import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { RP, freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { ADMIN_TOKEN, adminApi, authorize, backToWebsite, refresh, signInTo, type Website } from './helpers.ts';

const SHOP = { client_name: 'Admin Shop', redirect_uris: ['http://127.0.0.1:9/shop/callback'], logo_uri: 'https://shop.example/logo.png', client_uri: 'https://shop.example' };

describe('the admin API', () => {
  let saoma: RunningSaoma;
  let api: ReturnType<typeof adminApi>;
  const lines: string[] = [];
  before(async () => {
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    saoma = await startSaoma({ ADMIN_TOKEN }, new MemoryStore(), createLogger('info', sink));
    api = adminApi(`${saoma.issuer}/admin`);
  });
  after(() => saoma.close());

  const audits = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.audit === true);

  it('a website created through the API signs people in end to end (openid-client), and its secret is shown only once', async () => {
    const created = await api('POST', '/clients', SHOP, { 'x-saoma-actor': 'alice@laptop' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { client, client_secret: secret } = created.json;
    assert.match(client.client_id, /^[A-Za-z0-9]{20}$/);
    assert.equal(client.token_endpoint_auth_method, 'client_secret_basic');
    assert.ok(typeof secret === 'string' && secret.length >= 43, 'a 256-bit secret made by saoma');

    const read = await api('GET', `/clients/${client.client_id}`);
    assert.equal(read.status, 200);
    assert.equal(read.json.client.client_name, 'Admin Shop');
    const listed = await api('GET', '/clients');
    assert.ok(listed.json.clients.some((c: { client_id: string }) => c.client_id === client.client_id));
    assert.doesNotMatch(JSON.stringify([read.json, listed.json]), new RegExp(secret), 'never shown again');

    const site: Website = { client_id: client.client_id, client_secret: secret, redirect_uri: SHOP.redirect_uris[0]! };
    const signedIn = await signInTo(saoma, site, 'alice', { scope: 'openid profile' });
    assert.equal(signedIn.claims.aud, client.client_id);
    assert.equal(signedIn.claims.iss, saoma.issuer);
    // The WeChat confirm screen showed the website as the admin described it.
    assert.deepEqual(signedIn.scanned.client, { client_id: client.client_id, name: 'Admin Shop', logo_uri: SHOP.logo_uri, client_uri: SHOP.client_uri });
    const userinfo = await oidc.fetchUserInfo(signedIn.config, signedIn.tokens.access_token, signedIn.claims.sub);
    assert.equal(userinfo.sub, signedIn.claims.sub);

    const wrongSecret = await oidc.discovery(new URL(saoma.issuer), client.client_id, 'not-the-secret', oidc.ClientSecretBasic('not-the-secret'), { execute: [oidc.allowInsecureRequests] });
    const login = await authorize(saoma.issuer, site, { config: wrongSecret });
    assert.equal(login.status, 303, 'the authorization endpoint does not need the secret; the token endpoint does');
  });

  it('a missing, malformed or wrong admin token gets the same 401 with no hint, and an audit line without the token', async () => {
    const answers = await Promise.all([
      fetch(`${saoma.issuer}/admin/clients`),
      fetch(`${saoma.issuer}/admin/clients`, { headers: { authorization: `Basic ${ADMIN_TOKEN}` } }),
      fetch(`${saoma.issuer}/admin/clients`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } }),
      fetch(`${saoma.issuer}/admin/clients`, { headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` } }),
      fetch(`${saoma.issuer}/admin/no-such-route`, { headers: { authorization: 'Bearer wrong' } }),
    ]);
    const seen = await Promise.all(answers.map(async (res) => ({ status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text() })));
    for (const answer of seen) assert.deepEqual(answer, seen[0]);
    assert.equal(seen[0]!.status, 401);
    assert.deepEqual(JSON.parse(seen[0]!.body), { error: 'unauthorized', error_description: 'A valid admin token is required.' });

    const failures = audits().filter((a) => a.event === 'admin.auth_failed');
    assert.ok(failures.length >= 5);
    assert.deepEqual(new Set(failures.map((f) => f.reason)), new Set(['missing', 'malformed', 'wrong']));
    for (const f of failures) assert.ok(f.ip && f.time && f.path, JSON.stringify(f));
    assert.ok(!lines.some((l) => l.includes(ADMIN_TOKEN.slice(0, 20))), 'no log line holds the admin token');
  });

  it('a malformed client is refused with every problem named, and nothing is stored', async () => {
    const before = (await api('GET', '/clients')).json.clients.length;
    const answer = await api('POST', '/clients', {
      client_name: 'x'.repeat(101),
      redirect_uris: ['http://shop.example/cb', 'https://shop.example/cb#top', 'https://*.shop.example/cb', 'not a uri', 'https://shop.example/' + 'a'.repeat(2100)],
      post_logout_redirect_uris: ['https://user:pw@shop.example/'],
      logo_uri: 'http://shop.example/logo.png',
      client_uri: 'ftp://shop.example',
      grant_types: ['authorization_code', 'implicit', 'password'],
      token_endpoint_auth_method: 'client_secret_jwt',
      scope: 'openid email',
      first_party: 'yes',
      client_secret: 'chosen-by-me',
      colour: 'blue',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error, 'invalid_client_metadata');
    const problems: string[] = answer.json.problems;
    const expected = [
      /^client_name: must be at most 100/,
      /^redirect_uris\[0\]: http:\/\/shop\.example\/cb must use https/,
      /^redirect_uris\[1\]: .* must not contain a fragment/,
      /^redirect_uris\[2\]: .* must not contain a wildcard/,
      /^redirect_uris\[3\]: not a uri is not a valid absolute URI/,
      /^redirect_uris\[4\]: .* must be at most 2048 characters/,
      /^post_logout_redirect_uris\[0\]: .* must not contain credentials/,
      /^logo_uri: must use https/,
      /^client_uri: must use https/,
      /^grant_types\[1\]: "implicit" is not supported/,
      /^grant_types\[2\]: "password" is not supported/,
      /^token_endpoint_auth_method: "client_secret_jwt" is not supported/,
      /^scope: "email" is not a scope saoma offers/,
      /^first_party: must be true or false/,
      /^client_secret: saoma generates client secrets/,
      /^colour: unknown field/,
    ];
    for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `${pattern} in:\n${problems.join('\n')}`);
    assert.equal(problems.length, expected.length, problems.join('\n'));
    assert.equal((await api('GET', '/clients')).json.clients.length, before);
  });

  it('duplicate ids are refused, whether the id is in the store or in the clients file', async () => {
    const first = await api('POST', '/clients', { ...SHOP, client_id: 'dup-shop' });
    assert.equal(first.status, 201);
    const again = await api('POST', '/clients', { ...SHOP, client_id: 'dup-shop', redirect_uris: ['http://evil.example/cb'] });
    assert.equal(again.status, 400);
    assert.deepEqual(again.json.problems.sort(), ['client_id: "dup-shop" is already taken', 'redirect_uris[0]: http://evil.example/cb must use https (http only on a loopback host)']);
    const configured = await api('POST', '/clients', { ...SHOP, client_id: RP.client_id });
    assert.equal(configured.status, 400);
    assert.match(configured.json.problems[0], /already taken \(by a client from configuration\)/);
    // Concurrent creates of one id: exactly one wins.
    const racing = await Promise.all([1, 2, 3, 4].map(() => api('POST', '/clients', { ...SHOP, client_id: 'raced' })));
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, 400, 400, 400]);
  });

  it('an oversized body is refused before it is read in full', async () => {
    const answer = await api('POST', '/clients', { ...SHOP, client_name: 'x'.repeat(70 * 1024) });
    assert.equal(answer.status, 413);
    assert.equal(answer.json.error, 'payload_too_large');
  });

  it('clients from the clients file are listed as read-only and cannot be changed or deleted', async () => {
    const listed = await api('GET', '/clients');
    const rp = listed.json.clients.find((c: { client_id: string }) => c.client_id === RP.client_id);
    assert.equal(rp.source, 'config');
    assert.equal((await api('PATCH', `/clients/${RP.client_id}`, { client_name: 'Mine now' })).json.error, 'read_only');
    assert.equal((await api('DELETE', `/clients/${RP.client_id}`)).status, 409);
    assert.equal((await api('GET', '/clients/no-such-client')).status, 404);
  });

  it('an update takes effect on the next request: old redirect URIs are refused, auth methods switch, a new secret is shown once', async () => {
    const { json } = await api('POST', '/clients', SHOP);
    const id = json.client.client_id;
    const site: Website = { client_id: id, client_secret: json.client_secret, redirect_uri: SHOP.redirect_uris[0]! };
    const moved = await api('PATCH', `/clients/${id}`, { redirect_uris: ['http://127.0.0.1:9/shop/new'], logo_uri: null });
    assert.equal(moved.status, 200, JSON.stringify(moved.json));
    assert.equal(moved.json.client.logo_uri, null, 'null removes a field');
    assert.equal(moved.json.client_secret, undefined, 'the secret is kept and not shown');
    const old = await authorize(saoma.issuer, site);
    assert.equal(old.status, 400, 'the old redirect URI is refused');
    assert.equal(old.location, '', 'and never redirected to');
    assert.equal((await authorize(saoma.issuer, { ...site, redirect_uri: 'http://127.0.0.1:9/shop/new' })).status, 303);

    const bad = await api('PATCH', `/clients/${id}`, { redirect_uris: [], client_id: 'other', client_secret: 'x' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.problems.sort(), ['client_id: cannot be changed', 'client_secret: saoma generates client secrets; do not send one', 'redirect_uris: at least one is required']);

    const publicClient = await api('PATCH', `/clients/${id}`, { token_endpoint_auth_method: 'none' });
    assert.equal(publicClient.json.client.token_endpoint_auth_method, 'none');
    assert.equal(publicClient.json.client_secret, undefined);
    const confidential = await api('PATCH', `/clients/${id}`, { token_endpoint_auth_method: 'client_secret_basic' });
    assert.notEqual(confidential.json.client_secret, undefined, 'a client that needs a secret again gets a new one');
    assert.notEqual(confidential.json.client_secret, site.client_secret);
    const rotated = await api('POST', `/clients/${id}/secret`);
    assert.notEqual(rotated.json.client_secret, confidential.json.client_secret);
  });

  it('deleting a client revokes its grants and tokens: its refresh token dies, even when the id is registered again', async () => {
    const { json } = await api('POST', '/clients', { ...SHOP, client_id: 'short-lived' });
    const site: Website = { client_id: 'short-lived', client_secret: json.client_secret, redirect_uri: SHOP.redirect_uris[0]! };
    const signedIn = await signInTo(saoma, site, 'bob', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const first = signedIn.tokens.refresh_token!;
    const refreshed = await refresh(saoma.issuer, site, first);
    assert.equal(refreshed.status, 200, 'the refresh token works while the client exists');
    const current: string = refreshed.json.refresh_token;
    assert.ok(await saoma.store.get(`oidc:RefreshToken:${current}`));

    const removed = await api('DELETE', '/clients/short-lived');
    assert.deepEqual(removed.json, { client_id: 'short-lived', revoked_grants: 1 });
    assert.equal((await refresh(saoma.issuer, site, current)).status, 401, 'the client is gone: its credentials fail');
    assert.equal(await saoma.store.get(`oidc:RefreshToken:${current}`), undefined, 'the refresh token itself is deleted');
    assert.equal(await saoma.store.get(`oidc:AccessToken:${refreshed.json.access_token}`), undefined, 'so is the access token');
    const userinfo = await fetch(`${saoma.issuer}/me`, { headers: { authorization: `Bearer ${refreshed.json.access_token}` } });
    assert.equal(userinfo.status, 401);

    const reborn = await api('POST', '/clients', { ...SHOP, client_id: 'short-lived' });
    const again = await refresh(saoma.issuer, { ...site, client_secret: reborn.json.client_secret }, current);
    assert.equal(again.status, 400);
    assert.equal(again.json.error, 'invalid_grant', 'a new client with the old id inherits nothing');
  });

  it('a first-party website signs a signed-in person in without the web consent page; another website asks', async () => {
    const { json: first } = await api('POST', '/clients', { ...SHOP, client_name: 'Our own app', first_party: true, redirect_uris: ['http://127.0.0.1:9/own'] });
    const { json: third } = await api('POST', '/clients', { ...SHOP, client_name: 'Partner', redirect_uris: ['http://127.0.0.1:9/partner'] });
    const own: Website = { client_id: first.client.client_id, client_secret: first.client_secret, redirect_uri: 'http://127.0.0.1:9/own' };
    const partner: Website = { client_id: third.client.client_id, client_secret: third.client_secret, redirect_uri: 'http://127.0.0.1:9/partner' };
    const signedIn = await signInTo(saoma, own, 'carol', { scope: 'openid' });

    // Same browser, a scope not yet granted: the first-party website gets its code at once.
    const more = await authorize(saoma.issuer, own, { browser: signedIn.browser, scope: 'openid profile' });
    assert.equal(more.status, 303);
    assert.ok(more.location.startsWith(own.redirect_uri), `expected straight back to the website, got ${more.location}`);
    const tokens = await oidc.authorizationCodeGrant(more.config, await backToWebsite(signedIn.browser, more.location, own.redirect_uri), { pkceCodeVerifier: more.verifier, expectedState: more.state });
    assert.equal(tokens.scope, 'openid profile');

    // The partner, in the same browser, is asked.
    const asked = await authorize(saoma.issuer, partner, { browser: signedIn.browser, scope: 'openid' });
    const page = await signedIn.browser.request(asked.location);
    assert.match(page.text, /data-testid="allow"/, 'the consent page');
  });

  it('a website limited to some scopes cannot ask for others', async () => {
    const { json } = await api('POST', '/clients', { ...SHOP, scope: 'openid profile', redirect_uris: ['http://127.0.0.1:9/limited'] });
    const site: Website = { client_id: json.client.client_id, client_secret: json.client_secret, redirect_uri: 'http://127.0.0.1:9/limited' };
    const refused = await authorize(saoma.issuer, site, { scope: 'openid phone' });
    assert.equal(new URL(refused.location).searchParams.get('error'), 'invalid_scope');
    assert.equal((await authorize(saoma.issuer, site, { scope: 'openid profile' })).status, 303);
  });

  it('every admin change is one audit line: who, what, when, from where, and no secret', async () => {
    const created = await api('POST', '/clients', { ...SHOP, client_id: 'audited' }, { 'x-saoma-actor': 'alice@laptop' });
    await api('PATCH', '/clients/audited', { client_name: 'Audited Shop' }, { 'x-saoma-actor': 'alice@laptop' });
    const secret = (await api('POST', '/clients/audited/secret')).json.client_secret;
    await api('DELETE', '/clients/audited');
    await api('POST', '/keys/rotate', { delay_seconds: 3600 });
    const mine = audits().filter((a) => a.client_id === 'audited' || a.event === 'keys.rotated');
    assert.deepEqual(mine.map((a) => a.event), ['admin.client.created', 'admin.client.updated', 'admin.client.secret_rotated', 'admin.client.deleted', 'keys.rotated']);
    for (const a of mine) {
      assert.match(a.actor, /^admin-token:[0-9a-f]{8}/, 'who: the token, by fingerprint');
      assert.ok(a.ip, 'from where');
      assert.ok(!Number.isNaN(Date.parse(a.time)), 'when');
    }
    assert.equal(mine[0]!.actor.endsWith(' for alice@laptop'), true);
    assert.deepEqual(mine[1]!.fields, ['client_name']);
    const all = lines.join('\n');
    for (const s of [created.json.client_secret, secret]) assert.ok(!all.includes(s), 'no secret in the log');
  });
});

describe('where the admin API is served', () => {
  it('without ADMIN_TOKEN there is no admin API at all', async () => {
    const saoma = await startSaoma();
    try {
      assert.equal((await fetch(`${saoma.issuer}/admin/clients`)).status, 404);
    } finally {
      await saoma.close();
    }
  });

  it('with ADMIN_PORT it is served on its own port only, under ADMIN_PATH', async () => {
    const adminPort = await freePort();
    const saoma = await startSaoma({ ADMIN_TOKEN, ADMIN_PORT: String(adminPort), ADMIN_PATH: '/ops' });
    try {
      assert.equal((await fetch(`${saoma.issuer}/ops/clients`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 404, 'not on the public port');
      const api = adminApi(`http://127.0.0.1:${adminPort}/ops`);
      const listed = await api('GET', '/clients');
      assert.equal(listed.status, 200);
      assert.ok(listed.json.clients.length >= 2);
      assert.equal((await fetch(`http://127.0.0.1:${adminPort}/ops/clients`)).status, 401);
    } finally {
      await saoma.close();
    }
  });
});
