import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createEmulator } from '../../src/emulator/emulator.ts';
import { createLogger } from '../../src/log.ts';
import { startRedisCluster } from '../helpers/redis-cluster.ts';
import { freePort, startServer, type RedisProcess } from '../helpers/redis.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const APPID = 'wx0123456789abcdef';
const SECRET = 'doctor-test-app-secret-7f3a9c';
const COOKIE_KEYS = 'doctor-test-cookie-key-0123456789abcdefghij';

interface Run { code: number; stdout: string; stderr: string }

/** `node bin/saoma.ts doctor …` as an operator runs it, with only the environment given here. */
function doctor(env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeArgs, 'bin/saoma.ts', 'doctor', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The report's block for one check, as `<icon> <message>` and the fix lines under it (indent trimmed). */
function row(stdout: string, title: string): string {
  const lines = stdout.split('\n');
  const pattern = new RegExp(`^(\\S+) ${title.replace(/[()]/g, '\\$&')} +(.*)$`);
  const start = lines.findIndex((l) => pattern.test(l));
  assert.ok(start >= 0, `the report has a line for ${title}:\n${stdout}`);
  const [, icon, message] = pattern.exec(lines[start]!)!;
  const block = [`${icon} ${message}`];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break;
    block.push(line.trim());
  }
  return block.join('\n');
}

const TITLES = ['Configuration', 'AppID and secret', 'API IP whitelist', 'Login page released', 'Code image', 'URL Link (Open WeChat)', 'Phone-number ability', 'ISSUER', 'Cookie keys', 'Redis persistence', 'Clock'];

/** A redis-server with the given settings, its files in a directory of its own. */
async function redisWith(settings: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-doctor-redis-'));
  const port = await freePort();
  const server: RedisProcess = await startServer(port, ['--dir', dir, ...settings]);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('saoma doctor', () => {
  let emulator: Server;
  let emulatorBase: string;
  let healthySettings: unknown;
  let saoma: RunningSaoma;
  let redis: { url: string; stop(): Promise<void> };
  let clientsDir: string;
  let env: Record<string, string>;

  const settings = async (update: Record<string, unknown>) => {
    const res = await fetch(`${emulatorBase}/emulator/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });
    assert.equal(res.status, 200, await res.text());
  };
  const clientsFile = (clients: unknown[]) => {
    const file = join(clientsDir, `clients-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(clients));
    return file;
  };
  const accessToken = async () => {
    const res = await fetch(`${emulatorBase}/cgi-bin/stable_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credential', appid: APPID, secret: SECRET }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };

  before(async () => {
    // The emulator as a healthy organisation account that lets in only this machine.
    const wechat = createEmulator({ appid: APPID, secret: SECRET, log: createLogger('silent'), settings: { account_type: 'organization', verified: true, ip_whitelist: ['127.0.0.1'] } });
    emulator = wechat.app.listen(0, '127.0.0.1');
    // The test's own calls (settings) reuse connections across doctor runs: keep them open, so a
    // socket the server closes just as fetch reuses it cannot fail a test with ECONNRESET.
    emulator.keepAliveTimeout = 60_000;
    await new Promise((resolve) => emulator.once('listening', resolve));
    emulatorBase = `http://127.0.0.1:${(emulator.address() as { port: number }).port}`;
    healthySettings = await (await fetch(`${emulatorBase}/emulator/settings`)).json();
    redis = await redisWith(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
    saoma = await startSaoma({ WECHAT_APPID: APPID, WECHAT_SECRET: SECRET, WECHAT_API_BASE: emulatorBase });
    clientsDir = mkdtempSync(join(tmpdir(), 'saoma-doctor-clients-'));
    env = {
      NODE_ENV: 'test',
      ISSUER: saoma.issuer,
      WECHAT_APPID: APPID,
      WECHAT_SECRET: SECRET,
      WECHAT_API_BASE: emulatorBase,
      REDIS_URL: redis.url,
      // Generous: the machine running the tests may be busy, and a slow answer is not what these tests are about.
      WECHAT_TIMEOUT_MS: '20000',
      COOKIE_KEYS,
      CLIENTS_FILE: clientsFile([{ client_id: 'shop', client_secret: 'shop-secret-that-is-long-enough-0123456789', redirect_uris: ['https://shop.example/callback'], scope: 'openid profile phone' }]),
    };
  });
  beforeEach(async () => settings(healthySettings as Record<string, unknown>));
  after(async () => {
    await saoma?.close();
    await redis?.stop();
    await new Promise((resolve) => emulator?.close(resolve));
    if (clientsDir) rmSync(clientsDir, { recursive: true, force: true });
  });

  it('a healthy organisation account: every line ✅, exit 0, and no secret or token in the output', async () => {
    const token = await accessToken();
    const run = await doctor(env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const title of TITLES) assert.match(row(run.stdout, title), /^✅/, title);
    assert.match(row(run.stdout, 'Code image'), /JPEG, 430×430 px: a QR code carrying the scene/);
    assert.match(run.stdout, /11 ✅, 0 ⚠️, 0 ❌ — ready\./);
    assert.equal(run.stderr, '');
    for (const secret of [SECRET, token, COOKIE_KEYS]) assert.ok(!run.stdout.includes(secret), 'no secret, token or key is printed');
    assert.equal(await accessToken(), token, 'the token is the same afterwards: the doctor never forced a refresh');
  });

  it('an individual account missing this server\'s IP, with its page unpublished: ❌ whitelist naming the address; once added, ❌ page, ⚠️ URL Link and phone; exit 1', async () => {
    await settings({ account_type: 'individual', verified: false, ip_whitelist: ['203.0.113.7'], released_pages: [] });
    const blocked = await doctor(env);
    assert.equal(blocked.code, 1);
    assert.match(row(blocked.stdout, 'API IP whitelist'), /^❌ WeChat saw this server as 127\.0\.0\.1, which is not in the mini-program's API IP whitelist \(errcode 40164\)\n→ Add 127\.0\.0\.1 in mp\.weixin\.qq\.com → 开发 → 开发管理 → 开发设置 → IP白名单/s);
    for (const title of ['AppID and secret', 'Login page released', 'Code image', 'URL Link (Open WeChat)', 'Phone-number ability']) {
      assert.match(row(blocked.stdout, title), /^⏭️ not checked: WeChat refuse.* this server's IP address.*"API IP whitelist"/, title);
    }
    for (const title of ['ISSUER', 'Cookie keys', 'Redis persistence', 'Clock']) assert.match(row(blocked.stdout, title), /^✅/, `${title} is still checked`);

    await settings({ ip_whitelist: ['203.0.113.7', '127.0.0.1'] });
    const next = await doctor(env);
    assert.equal(next.code, 1);
    assert.match(row(next.stdout, 'API IP whitelist'), /^✅/);
    assert.match(row(next.stdout, 'Login page released'), /^❌ .*pages\/login\/login is not in the released mini-program \(errcode 41030\).*\n→ Release a version of the mini-program that has pages\/login\/login.*set WECHAT_CHECK_PATH=false and WECHAT_ENV_VERSION=trial/s);
    assert.match(row(next.stdout, 'Code image'), /^✅ JPEG/, 'the image is checked anyway, drawn with check_path false');
    assert.match(row(next.stdout, 'URL Link (Open WeChat)'), /^⚠️ individual mini-program \(errcode 40002\): the "Open WeChat" button stays hidden.*\n→ .*WECHAT_OPEN_LINK=off/s);
    assert.match(row(next.stdout, 'Phone-number ability'), /^⚠️ not available \(individual or unverified mini-program, errcode 48001\).*shop.*\n→ Phone numbers need a verified \(微信认证\) non-individual mini-program.*saoma clients update <client_id> --scope "openid profile offline_access"/s);
  });

  it('a PNG code (as WeChat sends with a transparent background) decodes as well as a JPEG one', async () => {
    await settings({ code_format: 'png' });
    const run = await doctor(env);
    assert.match(row(run.stdout, 'Code image'), /^✅ PNG, 430×430 px: a QR code carrying the scene/);
  });

  it('a code image that does not decode (a proxy that mangles answers): ❌', async () => {
    // A WeChat stand-in that gives a token and a "JPEG" whose bytes stop after the header.
    const mangling = createHttpServer((req, res) => {
      res.setHeader('content-type', req.url!.startsWith('/wxa/getwxacodeunlimit') ? 'image/jpeg' : 'application/json');
      if (req.url!.startsWith('/cgi-bin/stable_token')) return res.end(JSON.stringify({ access_token: 'mangled-token', expires_in: 7200 }));
      if (req.url!.startsWith('/wxa/getwxacodeunlimit')) return res.end(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]));
      res.end(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }));
    });
    mangling.listen(0, '127.0.0.1');
    await once(mangling, 'listening');
    try {
      const run = await doctor({ ...env, WECHAT_API_BASE: `http://127.0.0.1:${(mangling.address() as { port: number }).port}` });
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, 'Code image'), /^❌ the image WeChat sent does not decode: .*\n→ Check that WECHAT_API_BASE is WeChat/s);
    } finally {
      mangling.close();
    }
  });

  it('a wrong secret: ❌ with where to find the AppSecret; the lines that need a token say they were not checked', async () => {
    const run = await doctor({ ...env, WECHAT_SECRET: 'not-the-secret' });
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'AppID and secret'), /^❌ WeChat refused the AppSecret for wx0123456789abcdef \(errcode 40125.*\n→ Set WECHAT_SECRET to the mini-program's AppSecret from mp\.weixin\.qq\.com → 开发 → 开发管理 → 开发设置/s);
    for (const title of ['API IP whitelist', 'Login page released', 'Code image', 'URL Link (Open WeChat)', 'Phone-number ability']) {
      assert.match(row(run.stdout, title), /^⏭️ not checked: no access token \(see "AppID and secret"\)/, title);
    }
    assert.ok(!run.stdout.includes('not-the-secret'));
  });

  it('a wrong AppID: ❌ naming it and where the right one is shown', async () => {
    const run = await doctor({ ...env, WECHAT_APPID: 'wxffffffffffffffff' });
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'AppID and secret'), /^❌ WeChat does not know the AppID wxffffffffffffffff \(errcode 40013.*\n→ Set WECHAT_APPID to the mini-program's AppID/s);
  });

  it('this server\'s IP missing from the whitelist: ❌ naming the address WeChat saw and where to add it', async () => {
    await settings({ ip_whitelist: ['198.51.100.1'] });
    const run = await doctor(env, ['--json']);
    assert.equal(run.code, 1);
    const check = JSON.parse(run.stdout).checks.find((c: { id: string }) => c.id === 'ip_whitelist');
    assert.equal(check.status, 'fail');
    assert.match(check.message, /WeChat saw this server as 127\.0\.0\.1, which is not in the mini-program's API IP whitelist \(errcode 40164\)/);
    assert.match(check.fix, /^Add 127\.0\.0\.1 in mp\.weixin\.qq\.com → 开发 → 开发管理 → 开发设置 → IP白名单 \(Development → Development settings → IP whitelist\)/);
  });

  it('an unpublished page: ❌ release it, or check_path false with trial while in review; with those set, ⚠️ and exit 0', async () => {
    await settings({ released_pages: ['pages/index/index'] });
    const run = await doctor(env);
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'Login page released'), /^❌ WeChat says pages\/login\/login is not in the released mini-program \(errcode 41030\): no login code can be drawn\n→ Release .*WECHAT_PAGE is spelled as in its app\.json\. While it is in review, set WECHAT_CHECK_PATH=false and WECHAT_ENV_VERSION=trial/s);

    const inReview = await doctor({ ...env, WECHAT_CHECK_PATH: 'false', WECHAT_ENV_VERSION: 'trial' });
    assert.equal(inReview.code, 0, inReview.stdout);
    assert.match(row(inReview.stdout, 'Login page released'), /^⚠️ pages\/login\/login is not released yet .*codes open the trial version because WECHAT_CHECK_PATH=false.*\n→ .*then set WECHAT_CHECK_PATH=true and WECHAT_ENV_VERSION=release/s);
    assert.match(row(inReview.stdout, 'Code image'), /^✅/);
  });

  it('an individual mini-program: URL Link ⚠️ (the button stays hidden, WECHAT_OPEN_LINK advice); with WECHAT_OPEN_LINK=off it is ✅', async () => {
    await settings({ account_type: 'individual' });
    const run = await doctor(env);
    assert.match(row(run.stdout, 'URL Link (Open WeChat)'), /^⚠️ individual mini-program \(errcode 40002\): the "Open WeChat" button stays hidden on phone browsers.*\n→ Nothing breaks: saoma hides the button after WeChat's first 40002\. Set WECHAT_OPEN_LINK=off/s);
    const off = await doctor({ ...env, WECHAT_OPEN_LINK: 'off' });
    assert.match(row(off.stdout, 'URL Link (Open WeChat)'), /^✅ not available \(individual mini-program, errcode 40002\); WECHAT_OPEN_LINK=off already hides the button/);
  });

  it('no phone ability (an unverified organisation): ⚠️ naming the websites that may ask for phone; ✅ when none may', async () => {
    await settings({ verified: false });
    const run = await doctor(env);
    assert.equal(run.code, 0, 'a warning does not fail the run');
    assert.match(row(run.stdout, 'Phone-number ability'), /^⚠️ not available \(individual or unverified mini-program, errcode 48001\), but websites may ask for the phone scope: shop, saoma-demo.*\n→ Phone numbers need a verified/s);

    const blogOnly = { ...env, DEMO: 'false', CLIENTS_FILE: clientsFile([{ client_id: 'blog', client_secret: 'blog-secret-that-is-long-enough-0123456789', redirect_uris: ['https://blog.example/cb'], scope: 'openid profile' }]) };
    const noPhone = await doctor(blogOnly);
    assert.match(row(noPhone.stdout, 'Phone-number ability'), /^✅ not available .*no website may ask for the phone scope/);

    // A website added at runtime (in the store) with no scope restriction may ask for phone too.
    const added = await new Promise<Run>((resolve) => execFile(process.execPath, ['bin/saoma.ts', 'clients', 'add', '--id', 'stored-shop', '--name', 'Stored Shop', '--redirect-uri', 'https://stored.example/cb'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...blogOnly, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })));
    assert.equal(added.code, 0, added.stderr);
    const stored = await doctor(blogOnly);
    assert.match(row(stored.stdout, 'Phone-number ability'), /^⚠️ not available .*may ask for the phone scope: stored-shop;/);

    await settings({ verified: true });
    const verified = await doctor(env);
    assert.match(row(verified.stdout, 'Phone-number ability'), /^✅ available: WeChat checked the \(deliberately invalid\) code and refused only the code \(errcode 40029\); no number was bought/);
  });

  it('Redis without AOF, or with allkeys-lru: ⚠️ with the redis.conf lines (❌ in production); read through INFO where CONFIG is disabled', async () => {
    const noAof = await redisWith(['--appendonly', 'no', '--maxmemory-policy', 'noeviction']);
    const lru = await redisWith(['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru', '--rename-command', 'CONFIG', '']);
    try {
      const a = await doctor({ ...env, REDIS_URL: noAof.url });
      assert.match(row(a.stdout, 'Redis persistence'), /^⚠️ 127\.0\.0\.1:\d+: appendonly no: a Redis restart loses every account.*\n→ In redis\.conf:\nappendonly yes\nappendfsync everysec\nthen restart Redis/s);
      assert.ok(!row(a.stdout, 'Redis persistence').includes('maxmemory-policy noeviction'), 'only the lines that need changing');

      const b = await doctor({ ...env, REDIS_URL: lru.url });
      assert.match(row(b.stdout, 'Redis persistence'), /^⚠️ 127\.0\.0\.1:\d+: maxmemory-policy allkeys-lru: when memory runs short Redis may throw away accounts or signing keys\n→ In redis\.conf:\nmaxmemory-policy noeviction/);

      const production = await doctor({ ...env, NODE_ENV: 'production', REDIS_URL: noAof.url });
      assert.match(row(production.stdout, 'Redis persistence'), /^❌ .*appendonly no/);
    } finally {
      await noAof.stop();
      await lru.stop();
    }
    const healthy = await doctor({ ...env }, ['--json']);
    const info = JSON.parse(healthy.stdout).checks.find((c: { id: string }) => c.id === 'redis_persistence');
    assert.match(info.message, /appendonly yes, maxmemory-policy noeviction \(read with CONFIG GET\)/);
  });

  it('a Redis with CONFIG disabled is read through INFO', async () => {
    const managed = await redisWith(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--rename-command', 'CONFIG', '']);
    try {
      const run = await doctor({ ...env, REDIS_URL: managed.url });
      assert.match(row(run.stdout, 'Redis persistence'), /^✅ .*appendonly yes, maxmemory-policy noeviction \(read with INFO\)/);
    } finally {
      await managed.stop();
    }
  });

  it('a Redis Cluster: every master is asked, and each one without AOF is named', async () => {
    const cluster = await startRedisCluster(3);
    try {
      const { REDIS_URL: _unused, ...withoutUrl } = env;
      const run = await doctor({ ...withoutUrl, REDIS_CLUSTER_NODES: cluster.nodes.join(',') });
      const line = row(run.stdout, 'Redis persistence');
      assert.match(line, /^⚠️ Cluster at /);
      for (const node of cluster.nodes) assert.ok(line.includes(`appendonly no on ${node}`), `${node} is named:\n${line}`);
      assert.match(line, /→ In redis\.conf of every master:\nappendonly yes/);
    } finally {
      await cluster.stop();
    }
  });

  it('a dead Redis: ❌ saying so, every other line still printed, no stack trace', async () => {
    const started = Date.now();
    const run = await doctor({ ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'Redis persistence'), /^❌ could not ask Redis \(127\.0\.0\.1:\d+\): .*ECONNREFUSED.*\n→ Start Redis, or correct REDIS_URL/s);
    assert.match(row(run.stdout, 'Phone-number ability'), /^✅ available/);
    for (const title of TITLES) row(run.stdout, title);
    assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(Date.now() - started < 60_000, 'it does not wait for Redis to come back');
  });

  it('WeChat unreachable: ❌ with what to open; the WeChat lines say they were not checked and why; the rest is checked', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await doctor({ ...env, WECHAT_API_BASE: closed });
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'AppID and secret'), new RegExp(`^❌ could not reach WeChat \\(connection failed: ECONNREFUSED\\) at ${closed}\\n→ Let this server reach ${closed} \\(outbound HTTPS on port 443`));
    for (const title of ['API IP whitelist', 'Login page released', 'Code image', 'URL Link (Open WeChat)', 'Phone-number ability']) {
      assert.match(row(run.stdout, title), /^⏭️ not checked: no access token/, title);
    }
    assert.match(row(run.stdout, 'Clock'), /^⏭️ not checked: could not reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
    for (const title of ['ISSUER', 'Cookie keys', 'Redis persistence']) assert.match(row(run.stdout, title), /^✅/, title);
    assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /);
  });

  it('a WeChat and an ISSUER that accept connections but never answer: bounded by the timeouts, each line says so', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => { held.push(socket); });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const hole = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      const run = await doctor({ ...env, WECHAT_API_BASE: hole, WECHAT_TIMEOUT_MS: '1000', ISSUER: hole });
      assert.equal(run.code, 1);
      assert.match(row(run.stdout, 'AppID and secret'), /^❌ WeChat did not answer in time \(no answer within 1000 ms\)/);
      assert.match(row(run.stdout, 'Clock'), /^⏭️ not checked: 127\.0\.0\.1:\d+ did not answer within 1000 ms/);
      assert.match(row(run.stdout, 'ISSUER'), /^❌ could not fetch http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: no answer within 5000 ms\n→ Start saoma, and make ISSUER the public URL/);
      assert.ok(Date.now() - started < 60_000, 'nothing waits longer than its timeout');
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('--json: one document, each check with id, status, message and fix', async () => {
    await settings({ account_type: 'individual' });
    const run = await doctor(env, ['--json']);
    assert.equal(run.code, 0);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(report), ['ok', 'counts', 'subject', 'checks']);
    assert.equal(report.ok, true);
    assert.deepEqual(report.checks.map((c: { id: string }) => c.id), ['config', 'wechat_credentials', 'ip_whitelist', 'login_page', 'code_image', 'url_link', 'phone_number', 'issuer', 'cookie_keys', 'redis_persistence', 'clock']);
    for (const check of report.checks) {
      assert.deepEqual(Object.keys(check), ['id', 'title', 'status', 'message', 'fix']);
      assert.ok(['ok', 'warn', 'fail', 'skipped'].includes(check.status));
      assert.equal(typeof check.message, 'string');
      assert.ok(check.status === 'ok' ? check.fix === null : typeof check.fix === 'string', `${check.id}: a fix with every warning and failure`);
    }
    const link = report.checks.find((c: { id: string }) => c.id === 'url_link');
    assert.equal(link.status, 'warn');
    assert.match(link.fix, /WECHAT_OPEN_LINK=off/);
    assert.deepEqual(report.counts, { ok: 9, warn: 2, fail: 0, skipped: 0 });
    assert.equal(run.stderr, '', 'nothing but the document');
    for (const secret of [SECRET, COOKIE_KEYS]) assert.ok(!run.stdout.includes(secret), 'no secret in the document');
  });

  it('production rules: an http issuer and no COOKIE_KEYS are ❌ (saoma would not start), and everything else is still checked', async () => {
    const { COOKIE_KEYS: _unused, ...withoutKeys } = env;
    const run = await doctor({ ...withoutKeys, NODE_ENV: 'production' });
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'Configuration'), /^❌ saoma would refuse to start: .*COOKIE_KEYS: production needs cookie signing keys.*ISSUER: production needs an https issuer/s);
    assert.match(row(run.stdout, 'Cookie keys'), /^❌ COOKIE_KEYS is not set.*\n→ Set COOKIE_KEYS=\$\(openssl rand -base64 48\)/s);
    assert.match(row(run.stdout, 'ISSUER'), /^❌ http:\/\/127\.0\.0\.1:\d+ is not https\n→ Set ISSUER to the public https URL/);
    assert.match(row(run.stdout, 'AppID and secret'), /^✅/);
    assert.match(row(run.stdout, 'Redis persistence'), /^✅/);
  });

  it('a clock two minutes ahead of WeChat\'s: ❌ with NTP as the fix; a few seconds is fine', async () => {
    const ahead = await doctor({ ...env, TEST_CLOCK_OFFSET_MS: '120000' }, [], ['--import', './test/doctor/shifted-clock.ts']);
    assert.match(row(ahead.stdout, 'Clock'), /^❌ this machine's clock is 1\d\d\.\d s ahead of WeChat .*\n→ Synchronise the clock with NTP/s);
    const drifting = await doctor({ ...env, TEST_CLOCK_OFFSET_MS: '-15000' }, [], ['--import', './test/doctor/shifted-clock.ts']);
    assert.match(row(drifting.stdout, 'Clock'), /^⚠️ this machine's clock is 1\d\.\d s behind WeChat/);
  });

  it('a configuration saoma cannot load at all: ❌ with every problem, each other line says it was not checked', async () => {
    const run = await doctor({ ...env, WECHAT_APPID: 'not-an-appid', WECHAT_CODE_WIDTH: '5' });
    assert.equal(run.code, 1);
    assert.match(row(run.stdout, 'Configuration'), /^❌ saoma would refuse to start: WECHAT_APPID: must look like wx followed by 16 hex digits; WECHAT_CODE_WIDTH: .*\n→ Fix each problem/s);
    for (const title of TITLES.slice(1)) assert.match(row(run.stdout, title), /^⏭️ not checked: the configuration does not load/, title);
  });

  it('--help lists doctor; a stray argument is a usage error (2)', async () => {
    const help = await new Promise<Run>((resolve) => execFile(process.execPath, ['bin/saoma.ts', '--help'], { cwd: ROOT }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })));
    assert.match(help.stdout, /saoma doctor \[--json\]/);
    const usage = await doctor(env, ['now']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: saoma doctor \[--json\]/);
  });
});
