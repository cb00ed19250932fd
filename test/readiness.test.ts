import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.ts';
import { openStore } from '../src/store/open.ts';
import { startLogin } from './helpers/login.ts';
import { startRedis, type ThrowawayRedis } from './helpers/redis.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

interface Readiness {
  status: 'ready' | 'not_ready';
  checks: { store: { status: string }; wechat: { status: string; token: string; last_fetch?: { result: string; errcode?: number; age_seconds: number } } };
}

/**
 * `/readyz` tells the truth about what a login needs: the store and WeChat's access token. When
 * WeChat refuses the AppSecret (reset in the console, every login failing) the process is not
 * ready, and it is ready again once WeChat accepts it — without probes adding WeChat calls.
 */
describe('/readyz', () => {
  let redis: ThrowawayRedis;
  let saoma: RunningSaoma;
  const readyz = async () => {
    const res = await fetch(`${saoma.issuer}/readyz`);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    return { status: res.status, body: (await res.json()) as Readiness };
  };
  const stableTokenCalls = async () => (await saoma.calls()).stable_token as number;

  before(async () => {
    redis = await startRedis();
    const store = await openStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'readyz:', commandTimeoutMs: 500, log: createLogger('silent') });
    saoma = await startSaoma({}, store);
  });
  after(async () => {
    await saoma?.close();
    await redis?.stop();
  });

  it('is ready with the store and an access token, and says so per check', async () => {
    const { status, body } = await readyz();
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.store.status, 'ready');
    assert.equal(body.checks.wechat.status, 'ready');
    assert.equal(body.checks.wechat.token, 'cached');
    assert.equal(body.checks.wechat.last_fetch?.result, 'ok');
    assert.ok(body.checks.wechat.last_fetch!.age_seconds >= 0);
    assert.ok(!JSON.stringify(body).includes(saoma.config.wechat.secret), 'the AppSecret is not in the answer');
  });

  it('turns not-ready when WeChat refuses the AppSecret, without a WeChat call per probe, and ready again when it accepts it', async () => {
    // The AppSecret is reset in WeChat's console: the token in use stops working, and fetching a new one is refused.
    await saoma.emulator('/emulator/faults', { api: 'stable_token', errcode: 40125, times: 10_000 });
    await saoma.emulator('/emulator/invalidate_token', {});
    const login = await startLogin(saoma);
    const image = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`);
    assert.notEqual(image.status, 200, 'the login cannot get its code');

    const refused = await readyz();
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.status, 'not_ready');
    assert.equal(refused.body.checks.store.status, 'ready', 'the store is fine; only WeChat is broken');
    assert.equal(refused.body.checks.wechat.status, 'not_ready');
    assert.equal(refused.body.checks.wechat.token, 'none');
    assert.deepEqual({ ...refused.body.checks.wechat.last_fetch, at: undefined, age_seconds: undefined }, { result: 'failed', errcode: 40125, at: undefined, age_seconds: undefined });

    // A balancer probing hard: the deployment retries the token at most once per 5 s, not per probe.
    const before = await stableTokenCalls();
    for (let i = 0; i < 20; i++) assert.equal((await readyz()).status, 503);
    assert.ok((await stableTokenCalls()) - before <= 1, `20 probes made ${(await stableTokenCalls()) - before} stable_token calls`);

    await saoma.emulator('/emulator/faults/reset', {});
    const deadline = Date.now() + 15_000;
    let answer = await readyz();
    while (answer.status !== 200) {
      assert.ok(Date.now() < deadline, `not ready again within 15 s: ${JSON.stringify(answer.body)}`);
      await new Promise((r) => setTimeout(r, 200));
      answer = await readyz();
    }
    assert.equal(answer.body.checks.wechat.token, 'cached');
    assert.equal(answer.body.checks.wechat.last_fetch?.result, 'ok');
    const again = await startLogin(saoma);
    assert.equal((await again.browser.request(`${saoma.issuer}/interaction/${again.uid}/qrcode`)).status, 200, 'logins get their code again');
  });

  it('is not ready, with a 503 and not a 500, while the store is down', async () => {
    await redis.stop();
    try {
      const { status, body } = await readyz();
      assert.equal(status, 503);
      assert.equal(body.checks.store.status, 'not_ready');
      assert.equal(body.checks.wechat.status, 'not_ready');
    } finally {
      await redis.restart();
    }
  });
});
