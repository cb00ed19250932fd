import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientProblems, redirectProblem } from '../../src/clients/metadata.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';

const admin = { source: 'admin', production: false } as const;

describe('the rules a client must meet', () => {
  it('https everywhere; http on a loopback host for native apps always, for websites only outside production', () => {
    for (const [uri, native, production, ok] of [
      ['https://shop.example/cb', false, true, true],
      ['http://127.0.0.1:8080/cb', true, true, true],
      ['http://[::1]/cb', true, true, true],
      ['http://localhost:3000/cb', false, false, true],
      ['http://localhost:3000/cb', false, true, false],
      ['http://127.0.0.2/cb', false, false, true],
      ['http://shop.example/cb', true, false, false],
      ['http://localhost.evil.example/cb', false, false, false],
      ['com.example.app:/cb', true, false, false],
      ['javascript:alert(1)', false, false, false],
    ] as const) {
      assert.equal(redirectProblem(uri, native, production) === undefined, ok, `${uri} native=${native} production=${production}: ${redirectProblem(uri, native, production)}`);
    }
  });

  it('a good client has no problems; the defaults need only a name and a redirect URI', () => {
    assert.deepEqual(clientProblems({ client_name: 'Shop', redirect_uris: ['https://shop.example/cb'] }, admin), []);
    assert.deepEqual(clientProblems({
      client_id: 'shop.v2', client_name: 'Shop', redirect_uris: ['https://shop.example/cb'], post_logout_redirect_uris: ['https://shop.example/'],
      logo_uri: 'https://shop.example/l.png', client_uri: 'https://shop.example', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://shop.example/jwks',
      grant_types: ['authorization_code'], scope: 'openid phone', first_party: false, application_type: 'web',
    }, admin), []);
  });

  it('limits: 20 URIs, 2048 characters each, a 100-character name, a 128-character id; no URI twice', () => {
    const many = Array.from({ length: 21 }, (_, i) => `https://shop.example/${i}`);
    assert.deepEqual(clientProblems({ client_name: 'S', redirect_uris: many }, admin), ['redirect_uris: at most 20 are allowed']);
    assert.deepEqual(clientProblems({ client_name: 'S', redirect_uris: ['https://a.example/', 'https://a.example/'] }, admin), ['redirect_uris[1]: listed twice']);
    assert.deepEqual(clientProblems({ client_id: 'x'.repeat(129), client_name: 'S', redirect_uris: ['https://a.example/'] }, admin), ['client_id: must be at most 128 characters']);
    assert.deepEqual(clientProblems({ client_id: 'a b', client_name: 'S', redirect_uris: ['https://a.example/'] }, admin), ['client_id: only A-Z a-z 0-9 . _ ~ - are allowed']);
  });

  it('private_key_jwt needs keys; a scope list needs openid; registration cannot ask for first_party', () => {
    assert.deepEqual(clientProblems({ client_name: 'S', redirect_uris: ['https://a.example/'], token_endpoint_auth_method: 'private_key_jwt' }, admin), ['jwks_uri: private_key_jwt needs jwks_uri or jwks (the keys the website signs with)']);
    assert.deepEqual(clientProblems({ client_name: 'S', redirect_uris: ['https://a.example/'], scope: 'profile' }, admin), ['scope: must include openid']);
    assert.deepEqual(clientProblems({ client_name: 'S', redirect_uris: ['https://a.example/'], first_party: true }, { ...admin, source: 'registration' }), ['first_party: only an administrator can mark a website as first-party']);
  });
});

describe('admin configuration', () => {
  it('an admin token must be long and fit in a header; registration is off by default', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ CLIENTS_FILE: '/nonexistent', ...env });
        return [];
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
      }
    };
    assert.match(problems({ ADMIN_TOKEN: 'short' })[0]!, /^ADMIN_TOKEN: must be at least 32 characters/);
    assert.match(problems({ ADMIN_TOKEN: `${'x'.repeat(32)} y` })[0]!, /^ADMIN_TOKEN: printable ASCII/);
    assert.match(problems({ ADMIN_PATH: '/admin/' })[0]!, /^ADMIN_PATH/);
    assert.deepEqual(problems({ ADMIN_TOKEN: 'x'.repeat(32), ADMIN_PORT: '3001' }), []);
    assert.equal(loadConfig({ CLIENTS_FILE: '/nonexistent' }).env.REGISTRATION_ENABLED, false, 'registration is off by default');
  });
});
