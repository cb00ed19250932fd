import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchScene, startLogin } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/** Malformed, missing, oversized or out-of-order input: a 4xx with a stable code, never a 5xx. */
describe('bad input to the mini-program API', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  const post = async (path: string, body: string, type = 'application/json') => {
    const res = await fetch(`${saoma.issuer}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, json: (await res.json()) as { error: string; error_description: string } };
  };

  const cases: Array<[string, string, string, number, string]> = [
    ['not JSON', '/mp/scan', '{"scene":', 400, 'invalid_request'],
    ['a JSON array', '/mp/scan', '[]', 400, 'invalid_request'],
    ['no code', '/mp/scan', '{"scene":"abc"}', 400, 'invalid_request'],
    ['a number for a scene', '/mp/scan', '{"scene":5,"code":"x"}', 400, 'invalid_request'],
    ['a scene outside WeChat\'s alphabet', '/mp/scan', '{"scene":"%E4%BD%A0","code":"x"}', 400, 'invalid_request'],
    ['a scene longer than 32', '/mp/scan', JSON.stringify({ scene: 'a'.repeat(33), code: 'x' }), 400, 'invalid_request'],
    ['an unknown scene', '/mp/scan', '{"scene":"NoSuchSceneAtAll1","code":"x"}', 404, 'ticket_not_found'],
    ['a confirm without token', '/mp/confirm', '{"scene":"NoSuchSceneAtAll1"}', 400, 'invalid_request'],
    ['a confirm on an unknown scene', '/mp/confirm', '{"scene":"NoSuchSceneAtAll1","token":"t"}', 404, 'ticket_not_found'],
    ['a cancel with a huge token', '/mp/cancel', JSON.stringify({ scene: 'abc', token: 't'.repeat(500) }), 400, 'invalid_request'],
    ['an oversized body', '/mp/scan', JSON.stringify({ scene: 'abc', code: 'x', pad: 'p'.repeat(40_000) }), 413, 'payload_too_large'],
  ];
  for (const [name, path, body, status, error] of cases) {
    it(`${name} → ${status} ${error}`, async () => {
      const answer = await post(path, body);
      assert.equal(answer.status, status);
      assert.equal(answer.json.error, error);
      assert.ok(answer.json.error_description.length > 10);
    });
  }

  it('a form body where JSON is expected is refused', async () => {
    const answer = await post('/mp/scan', 'scene=a&code=b', 'application/x-www-form-urlencoded');
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error, 'invalid_request');
  });

  it('a refused scene never reaches WeChat', async () => {
    const before = (await saoma.calls()).jscode2session ?? 0;
    await post('/mp/scan', JSON.stringify({ scene: 'bad scene!', code: 'x' }));
    await post('/mp/scan', JSON.stringify({ scene: 'NoSuchSceneAtAll1', code: 'x' }));
    assert.equal((await saoma.calls()).jscode2session ?? 0, before);
  });

  it('confirm before scan is out of order and reveals nothing', async () => {
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    const answer = await post('/mp/confirm', JSON.stringify({ scene, token: 'guess-guess-guess' }));
    assert.equal(answer.status, 401);
    assert.equal(answer.json.error, 'invalid_token');
  });

  it('a status long-poll with a made-up state answers at once with the real one', async () => {
    const login = await startLogin(saoma);
    const answer = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=${'z'.repeat(5000)}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.state, 'pending');
  });
});
