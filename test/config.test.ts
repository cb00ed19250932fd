import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { envSchema } from '../src/config/env.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';

function clientsFile(clients: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'saoma-config-')), 'clients.json');
  writeFileSync(file, typeof clients === 'string' ? clients : JSON.stringify(clients));
  return file;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}

describe('configuration', () => {
  it('the embedded default needs nothing: memory store, emulator, demo', () => {
    const config = loadConfig({ CLIENTS_FILE: '/nonexistent/clients.json' });
    assert.equal(config.store.kind, 'memory');
    assert.equal(config.wechat.emulator, true);
    assert.equal(config.wechat.embeddedEmulator, true);
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.equal(config.demo, true);
  });

  it('production refuses the in-memory store, the emulator and missing cookie keys, all in one report', () => {
    const problems = problemsOf({ NODE_ENV: 'production', CLIENTS_FILE: '/nonexistent' });
    assert.ok(problems.some((p) => p.startsWith('REDIS_URL')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('WECHAT_APPID')));
    assert.ok(problems.some((p) => p.startsWith('COOKIE_KEYS')));
    assert.ok(problems.some((p) => p.startsWith('ISSUER')));
  });

  it('every bad variable is named at once', () => {
    const problems = problemsOf({ PORT: 'eighty', TICKET_TTL_SECONDS: '-1', WECHAT_APPID: 'nope', REDIS_URL: 'http://x' });
    for (const name of ['PORT', 'TICKET_TTL_SECONDS', 'WECHAT_APPID', 'REDIS_URL']) assert.ok(problems.some((p) => p.startsWith(name)), `${name} in ${problems.join(' | ')}`);
  });

  it('bad clients are refused with the field and the reason', () => {
    const file = clientsFile([
      { client_id: 'a', client_secret: 'short', redirect_uris: ['http://evil.example/cb'] },
      { client_id: 'a', token_endpoint_auth_method: 'none', redirect_uris: ['https://ok.example/cb#frag'] },
    ]);
    const problems = problemsOf({ CLIENTS_FILE: file });
    assert.ok(problems.some((p) => /\[0\.client_secret\].*32/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /duplicate client_id a/.test(p)));
    assert.ok(problems.some((p) => /fragment/.test(p)));
    assert.ok(problems.length >= 3);
  });

  it('an unreadable clients file is a clear problem', () => {
    assert.match(problemsOf({ CLIENTS_FILE: clientsFile('{not json') })[0]!, /CLIENTS_FILE .*not valid JSON/);
  });

  it('docs/configuration.md lists every variable', () => {
    const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of Object.keys(envSchema.shape)) assert.match(doc, new RegExp(`\\| \`${name}\` \\|`), `${name} is missing from docs/configuration.md`);
  });
});
