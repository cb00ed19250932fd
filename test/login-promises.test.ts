import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from './helpers/browser.ts';
import { complete, fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { RP, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/** A login that has reached "scanned" by `user`. */
async function scannedLogin(saoma: RunningSaoma, user = 'alice') {
  const login = await startLogin(saoma);
  const scene = await fetchScene(saoma, login);
  const scanned = await scan(saoma, scene, user);
  assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
  return { login, scene, token: scanned.json.token as string };
}

describe('the promises of a login', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  it('a second browser cannot read the status, fetch the code image or complete', async () => {
    const { login, scene, token } = await scannedLogin(saoma);
    await mp(saoma, 'confirm', { scene, token });
    const stranger = new Browser();
    // A stranger who has a login page of their own still has no cookie for this one.
    await startLogin(saoma, { browser: stranger });
    for (const path of ['status?state=pending', 'qrcode']) {
      const answer = await stranger.request(`${saoma.issuer}/interaction/${login.uid}/${path}`);
      assert.ok(answer.status >= 400 && answer.status < 500, `${path}: ${answer.status}`);
      assert.equal(answer.json.error, 'interaction_not_found');
      assert.doesNotMatch(answer.text, /confirmed|scanned|alice/);
    }
    const completed = await stranger.request(`${saoma.issuer}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
    assert.ok(completed.status >= 400 && completed.status < 500);
    assert.match(completed.type, /html/);
    // The rightful browser still can.
    const callback = await complete(saoma, login);
    assert.ok(callback.searchParams.get('code'));
  });

  it('a second WeChat user cannot take over or confirm a code another scanned', async () => {
    const { scene, token } = await scannedLogin(saoma, 'alice');
    const bob = await scan(saoma, scene, 'bob');
    assert.equal(bob.status, 409);
    assert.equal(bob.json.error, 'ticket_already_scanned');
    const guessed = await mp(saoma, 'confirm', { scene, token: 'x'.repeat(32) });
    assert.equal(guessed.status, 401);
    assert.equal(guessed.json.error, 'invalid_token');
    const cancelled = await mp(saoma, 'cancel', { scene, token: 'y'.repeat(32) });
    assert.equal(cancelled.json.error, 'invalid_token');
    assert.equal((await mp(saoma, 'confirm', { scene, token })).status, 200, 'alice still can');
  });

  it('the same WeChat user may scan again, and only the newest token counts', async () => {
    const { scene, token } = await scannedLogin(saoma, 'erin');
    const again = await scan(saoma, scene, 'erin');
    assert.equal(again.status, 200);
    assert.equal((await mp(saoma, 'confirm', { scene, token })).json.error, 'invalid_token');
    assert.equal((await mp(saoma, 'confirm', { scene, token: again.json.token })).status, 200);
  });

  it('two concurrent confirms have one winner', async () => {
    const { scene, token } = await scannedLogin(saoma);
    const answers = await Promise.all(Array.from({ length: 5 }, () => mp(saoma, 'confirm', { scene, token })));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    for (const loser of answers.filter((a) => a.status !== 200)) assert.equal(loser.json.error, 'ticket_already_confirmed');
  });

  it('two concurrent completes finish one login, once: the website gets one code', async () => {
    const { login, scene, token } = await scannedLogin(saoma);
    await mp(saoma, 'confirm', { scene, token });
    const url = `${saoma.issuer}/interaction/${login.uid}/complete`;
    const answers = await Promise.all([login.browser.request(url, { method: 'POST', form: {} }), login.browser.request(url, { method: 'POST', form: {} })]);
    // The second is either refused (it lost the ticket to the first) or, when the first had
    // already finished, answered as the retry of a lost answer: onto the same login.
    const onward = answers.filter((a) => a.status === 303);
    assert.ok(onward.length >= 1, answers.map((a) => a.status).join());
    for (const refused of answers.filter((a) => a.status !== 303)) {
      assert.equal(refused.status, 410);
      assert.match(refused.text, /data-code="ticket_consumed"/);
    }
    assert.equal(new Set(onward.map((a) => a.location)).size, 1, 'every 303 leads to the same login');
    const codes = [];
    for (const answer of onward) {
      const landed = await login.browser.follow(answer.location!, saoma.issuer, answer);
      const code = landed.url.startsWith(RP.redirect_uri) ? new URL(landed.url).searchParams.get('code') : null;
      if (code) codes.push(code);
    }
    assert.equal(codes.length, 1, 'the website gets exactly one code');
  });

  it('a cancelled ticket cannot complete, and the website hears nothing until the user gives up', async () => {
    const { login, scene, token } = await scannedLogin(saoma);
    assert.deepEqual(await mp(saoma, 'cancel', { scene, token }), { status: 200, json: { state: 'cancelled' } });
    const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=scanned`);
    assert.equal(status.json.state, 'cancelled');
    const completed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
    assert.equal(completed.status, 410);
    assert.equal((await mp(saoma, 'confirm', { scene, token })).json.error, 'ticket_cancelled');
    // Refresh: a new code, and the old scene is dead.
    const refreshed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/refresh`, { method: 'POST', form: {} });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.json.state, 'pending');
    const newScene = await fetchScene(saoma, login);
    assert.notEqual(newScene, scene);
    assert.equal((await scan(saoma, scene, 'alice')).json.error, 'ticket_cancelled');
    // Giving up sends access_denied to the website.
    const aborted = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/abort`, { method: 'POST', form: {} });
    const landed = await login.browser.follow(aborted.location!, saoma.issuer, aborted);
    assert.ok(landed.url.startsWith(RP.redirect_uri));
    assert.equal(new URL(landed.url).searchParams.get('error'), 'access_denied');
  });

  it('a new code is refused while the current one is still live', async () => {
    const login = await startLogin(saoma);
    const refreshed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/refresh`, { method: 'POST', form: {} });
    assert.equal(refreshed.status, 409);
    assert.equal(refreshed.json.error, 'ticket_in_progress');
  });

  it('the code image is fetched from WeChat once per ticket however often the page reloads', async () => {
    const before = (await saoma.calls()).getwxacodeunlimit ?? 0;
    const login = await startLogin(saoma);
    const images: Array<{ bytes: Buffer }> = [];
    for (let i = 0; i < 3; i++) {
      await login.browser.request(`${saoma.issuer}/interaction/${login.uid}`);
      images.push(await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`));
    }
    await Promise.all([1, 2, 3].map(() => login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`)));
    assert.equal((await saoma.calls()).getwxacodeunlimit, before + 1);
    assert.ok(images.every((image) => image.bytes.equals(images[0]!.bytes)));
  });

  it('the login page cannot be framed and runs no inline script', async () => {
    const login = await startLogin(saoma);
    const page = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /<script>(?!<\/script>)/);
    const res = await fetch(`${saoma.issuer}/.well-known/openid-configuration`);
    assert.match(res.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  });

  it('a dead or foreign login page is a friendly page, not a raw error', async () => {
    const browser = new Browser();
    const page = await browser.request(`${saoma.issuer}/interaction/not-a-real-uid`);
    assert.equal(page.status, 404);
    assert.match(page.type, /html/);
    assert.match(page.text, /data-code="interaction_not_found"/);
    assert.doesNotMatch(page.text, /SessionNotFound|at .*\.ts/);
  });
});

describe('an expiring code', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma({ TICKET_TTL_SECONDS: '1' });
  });
  after(() => saoma.close());

  it('an expired ticket cannot be confirmed or completed, and the waiting page learns it on time', async () => {
    const { login, scene, token } = await scannedLogin(saoma);
    const started = Date.now();
    const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=scanned`);
    assert.equal(status.json.state, 'expired');
    assert.ok(Date.now() - started < 5000, 'the wait ends at expiry, not at the long-poll timeout');
    const confirmed = await mp(saoma, 'confirm', { scene, token });
    assert.equal(confirmed.status, 410);
    assert.equal(confirmed.json.error, 'ticket_expired');
    const completed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
    assert.equal(completed.status, 410);
    const refreshed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/refresh`, { method: 'POST', form: {} });
    assert.equal(refreshed.json.state, 'pending');
  });
});
