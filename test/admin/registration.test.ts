import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { ADMIN_TOKEN, adminApi, refresh, signInTo, type Website } from './helpers.ts';

const register = (issuer: string, body: unknown, token?: string) =>
  fetch(`${issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })
    .then(async (res) => {
      const text = await res.text();
      return { status: res.status, json: (text.startsWith('{') ? JSON.parse(text) : { text }) as Record<string, any> };
    });

describe('Dynamic Client Registration', () => {
  it('is off by default: no endpoint, no discovery entry, no initial access tokens', async () => {
    const saoma = await startSaoma({ ADMIN_TOKEN });
    try {
      const discovery = (await (await fetch(`${saoma.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(discovery.registration_endpoint, undefined);
      assert.equal((await register(saoma.issuer, { redirect_uris: ['https://x.example/cb'] })).status, 404);
      const token = await adminApi(`${saoma.issuer}/admin`)('POST', '/registration-tokens', {});
      assert.equal(token.status, 400);
      assert.match(token.json.error_description, /REGISTRATION_ENABLED=true/);
    } finally {
      await saoma.close();
    }
  });

  describe('switched on (REGISTRATION_ENABLED=true)', () => {
    let saoma: RunningSaoma;
    let api: ReturnType<typeof adminApi>;
    const lines: string[] = [];
    before(async () => {
      const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
      saoma = await startSaoma({ ADMIN_TOKEN, REGISTRATION_ENABLED: 'true' }, new MemoryStore(), createLogger('info', sink));
      api = adminApi(`${saoma.issuer}/admin`);
    });
    after(() => saoma.close());

    const token = async () => {
      const made = await api('POST', '/registration-tokens', { ttl_seconds: 600 });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      return made.json.initial_access_token as string;
    };

    it('needs an initial access token made by an administrator', async () => {
      const discovery = (await (await fetch(`${saoma.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(discovery.registration_endpoint, `${saoma.issuer}/reg`);
      const body = { client_name: 'Self-service', redirect_uris: ['https://self.example/cb'] };
      assert.equal((await register(saoma.issuer, body)).status, 401);
      assert.equal((await register(saoma.issuer, body, 'made-up-token')).status, 401);
      assert.equal((await api('POST', '/registration-tokens', { ttl_seconds: 5 })).status, 400, 'a token that lives under a minute is refused');
    });

    it('a registered website signs people in end to end, is listed by the admin API, and is audited', async () => {
      const registered = await register(saoma.issuer, { client_name: 'Self-service Shop', redirect_uris: ['http://127.0.0.1:9/self'] }, await token());
      assert.equal(registered.status, 201, JSON.stringify(registered.json));
      const { client_id: id, client_secret: secret, registration_access_token: rat } = registered.json;
      assert.ok(id && secret && rat);
      assert.equal(registered.json.token_endpoint_auth_method, 'client_secret_basic');

      const site: Website = { client_id: id, client_secret: secret, redirect_uri: 'http://127.0.0.1:9/self' };
      const signedIn = await signInTo(saoma, site, 'hana');
      assert.equal(signedIn.claims.aud, id);

      await new Promise((r) => setTimeout(r, 20));
      const listed = await api('GET', '/clients');
      assert.ok(listed.json.clients.some((c: { client_id: string }) => c.client_id === id), 'listed with the other websites');
      const audit = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'registration.client.created');
      assert.equal(audit.client_id, id);
      assert.ok(audit.ip);
      assert.ok(!lines.join('\n').includes(secret) && !lines.join('\n').includes(rat), 'no secret or token in the log');

      const read = await fetch(`${saoma.issuer}/reg/${id}`, { headers: { authorization: `Bearer ${rat}` } });
      assert.equal(read.status, 200, 'RFC 7592: the website reads its own registration');
    });

    it('meets the same rules as the admin API, every problem named, and cannot make itself first-party', async () => {
      const refused = await register(saoma.issuer, { redirect_uris: ['http://evil.example/cb', 'https://ok.example/cb#x'], logo_uri: 'http://ok.example/logo.png', first_party: true, grant_types: ['authorization_code', 'implicit'] }, await token());
      assert.equal(refused.status, 400);
      const description: string = refused.json.error_description;
      for (const problem of [/redirect_uris\[0\].*https/, /redirect_uris\[1\].*fragment/, /logo_uri: must use https/, /first_party: only an administrator/, /client_name: required/, /grant_types\[1\].*implicit/]) {
        assert.match(description, problem);
      }
    });

    it('a website that deletes its registration (RFC 7592) loses its grants and tokens', async () => {
      const registered = await register(saoma.issuer, { client_name: 'Leaving', redirect_uris: ['http://127.0.0.1:9/leaving'] }, await token());
      const site: Website = { client_id: registered.json.client_id, client_secret: registered.json.client_secret, redirect_uri: 'http://127.0.0.1:9/leaving' };
      const signedIn = await signInTo(saoma, site, 'ivan', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
      const rt = signedIn.tokens.refresh_token!;
      assert.ok(await saoma.store.get(`oidc:RefreshToken:${rt}`));
      const deleted = await fetch(`${saoma.issuer}/reg/${site.client_id}`, { method: 'DELETE', headers: { authorization: `Bearer ${registered.json.registration_access_token}` } });
      assert.equal(deleted.status, 204);
      await waitFor(async () => (await saoma.store.get(`oidc:RefreshToken:${rt}`)) === undefined, 1000);
      assert.equal((await refresh(saoma.issuer, site, rt)).status, 401);
    });
  });
});

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
