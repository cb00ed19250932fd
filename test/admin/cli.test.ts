import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { spawnSaoma, writeClientsFile, type SaomaProcess } from '../helpers/process.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { REDIS_URL, redisPrefix } from './fixtures.ts';
import { ADMIN_TOKEN, authorize, signInTo, type Issuer, type Website } from './helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** `node bin/saoma.ts …` as an operator runs it, with only the environment given here. */
function saoma(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/saoma.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A spawned process's own emulator, for signing in there. */
function issuerOf(process: SaomaProcess): Issuer {
  return {
    issuer: process.url,
    wxLogin: async (user) => ((await (await fetch(`${process.url}/emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) })).json()) as { code: string }).code,
  };
}

describe('the saoma command line', () => {
  it('--help explains every command and both ways in; a wrong command or option is a usage error (2)', async () => {
    const help = await saoma(['--help']);
    assert.equal(help.code, 0);
    for (const text of ['clients list', 'clients show', 'clients add', 'clients update', 'clients remove', 'clients secret', 'keys list', 'keys rotate', 'registration token', '--api', 'SAOMA_ADMIN_TOKEN', 'REDIS_URL', '--json', 'Examples']) {
      assert.ok(help.stdout.includes(text), `--help mentions ${text}`);
    }
    const clients = await saoma(['clients', '--help']);
    for (const text of ['--redirect-uri', '--auth-method', 'client_secret_basic', 'none', 'private_key_jwt', '--first-party', '--scope', 'printed once']) assert.ok(clients.stdout.includes(text), text);
    assert.match((await saoma(['keys', '--help'])).stdout, /published in the JWKS at once but only signs after/);

    const unknown = await saoma(['clients', 'frob']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command: clients frob/);
    const badOption = await saoma(['clients', 'list', '--colour']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /--colour/);
    assert.equal((await saoma(['clients', 'show'])).code, 2, 'a missing client_id');
    assert.equal((await saoma(['keys', 'rotate', '--delay', 'soon'])).code, 2);
  });

  it('without Redis or --api it says what to set instead of pretending', async () => {
    const answer = await saoma(['clients', 'list'], { CLIENTS_FILE: '/nonexistent' });
    assert.equal(answer.code, 1);
    assert.match(answer.stderr, /REDIS_URL.*--api/s);
  });

  describe('straight on the store, next to a running server', () => {
    const redis = redisPrefix('cli');
    let server: SaomaProcess;
    let env: Record<string, string>;

    before(async () => {
      env = { REDIS_URL, REDIS_KEY_PREFIX: redis.prefix, CLIENTS_FILE: writeClientsFile(), LOG_LEVEL: 'info' };
      server = await spawnSaoma({ ...env, KEY_REFRESH_SECONDS: '60' });
      env.ISSUER = server.url;
    });
    after(async () => {
      await server?.stop();
      await redis.clean();
    });

    it('a website added on the command line signs in end to end on the server; update and remove take effect there at once', async () => {
      const added = await saoma(['clients', 'add', '--name', 'CLI Shop', '--redirect-uri', 'http://127.0.0.1:9/cli', '--logo-uri', 'https://cli.example/logo.png', '--json'], env);
      assert.equal(added.code, 0, added.stderr);
      const { client, client_secret: secret } = JSON.parse(added.stdout);
      assert.equal(client.source, 'store');
      assert.ok(secret, 'the secret is printed once');
      const audit = added.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.event === 'admin.client.created');
      assert.equal(audit.actor.startsWith('cli:') && audit.actor.endsWith(`@${hostname()}`), true, 'the audit line names the operator');
      assert.equal(audit.ip, 'local');
      assert.ok(!added.stderr.includes(secret), 'and not the secret');

      const site: Website = { client_id: client.client_id, client_secret: secret, redirect_uri: 'http://127.0.0.1:9/cli' };
      const signedIn = await signInTo(issuerOf(server), site, 'fay');
      assert.equal(signedIn.claims.aud, client.client_id);
      assert.equal(signedIn.scanned.client.name, 'CLI Shop');

      const shown = await saoma(['clients', 'show', client.client_id], env);
      assert.equal(shown.code, 0);
      assert.match(shown.stdout, /CLI Shop/);
      assert.ok(!shown.stdout.includes(secret));
      const listed = JSON.parse((await saoma(['clients', 'list', '--json'], env)).stdout);
      assert.deepEqual(listed.clients.map((c: { client_id: string }) => c.client_id).sort(), ['saoma-demo', 'test-rp', 'test-spa', client.client_id].sort());

      const updated = await saoma(['clients', 'update', client.client_id, '--redirect-uri', 'http://127.0.0.1:9/cli-new', '--first-party'], env);
      assert.equal(updated.code, 0, updated.stderr);
      assert.equal((await authorize(server.url, site)).status, 400, 'the server refuses the old redirect URI at once');
      assert.equal((await authorize(server.url, { ...site, redirect_uri: 'http://127.0.0.1:9/cli-new' })).status, 303);

      const removed = await saoma(['clients', 'remove', client.client_id], env);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, /revoked 1 grant/);
      const gone = await saoma(['clients', 'show', client.client_id], env);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /Refused \(not_found\)/);
    });

    it('an id that begins with "-" (as a random id can) is an id, not an option, wherever an id goes', async () => {
      const id = '-oDashedClientId_1234';
      const added = await saoma(['clients', 'add', `--id=${id}`, '--name', 'Dash Shop', '--redirect-uri', 'http://127.0.0.1:9/dash'], env);
      assert.equal(added.code, 0, added.stderr);
      const shown = await saoma(['clients', 'show', id], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /Dash Shop/);
      const updated = await saoma(['clients', 'update', id, '--name', 'Dash Shop 2'], env);
      assert.equal(updated.code, 0, updated.stderr);
      assert.equal((await saoma(['clients', 'remove', '--', id], env)).code, 0, 'and "--" before it still works');
      assert.equal((await saoma(['clients', 'show', id], env)).code, 1, 'it is gone');
      const typo = await saoma(['clients', 'list', '--jsno'], env);
      assert.equal(typo.code, 2, 'a mistyped option is still a usage error');
      assert.match(typo.stderr, /--jsno/);
    });

    it('a refused website names every problem and exits 1; nothing is stored', async () => {
      const refused = await saoma(['clients', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example/cb', '--redirect-uri', 'https://ok.example/cb#x', '--grant-type', 'implicit', '--scope', 'openid email'], env);
      assert.equal(refused.code, 1);
      for (const problem of [/redirect_uris\[0\].*must use https/, /redirect_uris\[1\].*fragment/, /grant_types\[0\].*implicit/, /scope.*email/]) assert.match(refused.stderr, problem);
      const asJson = await saoma(['clients', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example/cb', '--json'], env);
      assert.equal(JSON.parse(asJson.stdout).error, 'invalid_client_metadata');
      const listed = JSON.parse((await saoma(['clients', 'list', '--json'], env)).stdout);
      assert.ok(!listed.clients.some((c: { client_name: string }) => c.client_name === 'Bad'));
    });

    it('keys rotate on the command line reaches the running server without a restart', async () => {
      const before = (await (await fetch(`${server.url}/jwks`)).json()) as { keys: Array<{ kid: string }> };
      const rotated = await saoma(['keys', 'rotate', '--delay', '3600', '--json'], env);
      assert.equal(rotated.code, 0, rotated.stderr);
      const added: string[] = JSON.parse(rotated.stdout).added.map((k: { kid: string }) => k.kid);
      assert.equal(added.length, 2);
      // The rotation is published on the store; the server installs it on the news, not on its 60 s timer.
      let jwks = before;
      for (let i = 0; i < 40 && !added.every((kid) => jwks.keys.some((k) => k.kid === kid)); i++) {
        await new Promise((r) => setTimeout(r, 50));
        jwks = (await (await fetch(`${server.url}/jwks`)).json()) as typeof jwks;
      }
      assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [...before.keys.map((k) => k.kid), ...added].sort());
      const listed = await saoma(['keys', 'list'], env);
      assert.match(listed.stdout, new RegExp(`${added[0]}\\s+\\S+\\s+next`));
    });
  });

  describe('through the admin API (--api)', () => {
    let running: RunningSaoma;
    const lines: string[] = [];
    before(async () => {
      const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
      running = await startSaoma({ ADMIN_TOKEN }, new MemoryStore(), createLogger('info', sink));
    });
    after(() => running.close());

    it('a website added through --api signs in end to end, and the server audits the operator', async () => {
      const api = { SAOMA_ADMIN_TOKEN: ADMIN_TOKEN };
      const added = await saoma(['clients', 'add', '--api', `${running.issuer}/admin`, '--name', 'API Shop', '--redirect-uri', 'http://127.0.0.1:9/api-shop', '--auth-method', 'none', '--json'], api);
      assert.equal(added.code, 0, added.stderr);
      const { client, client_secret: secret } = JSON.parse(added.stdout);
      assert.equal(secret, undefined, 'a public client has no secret');
      const signedIn = await signInTo(running, { client_id: client.client_id, redirect_uri: 'http://127.0.0.1:9/api-shop' }, 'gus');
      assert.equal(signedIn.claims.aud, client.client_id);

      const audit = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'admin.client.created' && l.client_id === client.client_id);
      assert.match(audit.actor, new RegExp(`^admin-token:[0-9a-f]{8} for .+@${hostname().replace(/[^A-Za-z0-9@._-]/g, '')}$`));

      const listed = await saoma(['clients', 'list'], { ...api, SAOMA_ADMIN_URL: `${running.issuer}/admin` });
      assert.match(listed.stdout, /API Shop/);
    });

    it('a wrong token is refused (exit 1) and a missing one is a usage error (exit 2)', async () => {
      const wrong = await saoma(['keys', 'list', '--api', `${running.issuer}/admin`], { SAOMA_ADMIN_TOKEN: 'not-the-token' });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /Refused \(unauthorized\)/);
      const missing = await saoma(['keys', 'list', '--api', `${running.issuer}/admin`]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /SAOMA_ADMIN_TOKEN/);
    });
  });
});
