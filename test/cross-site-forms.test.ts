import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import request from 'supertest';
import { mp, relyingParty, sceneFromImage } from './helpers/login.ts';
import { RP, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

type Agent = ReturnType<typeof request.agent>;

/**
 * Defect 5 of issue 10: every state-changing POST a browser makes to saoma (finish, cancel or
 * refresh a login, allow on the consent page, confirm a sign-out) refuses a request that another
 * site made, on top of SameSite=Lax cookies: a foreign `Origin` or `Sec-Fetch-Site: cross-site`
 * (or `same-site`) gets 403 `cross_site_request`. supertest's agent plays the person's browser,
 * holding the cookies; the attacker's page is simulated by the headers a browser sends for it.
 */
const EVIL = 'https://evil.example';

describe('state-changing browser POSTs refuse requests made by other sites', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  const ours = () => ({ Origin: saoma.issuer, 'Sec-Fetch-Site': 'same-origin' });

  /** The website sends a browser to sign in; the browser lands on the login (or consent) page. */
  const browser = () => request.agent(saoma.issuer).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36');

  async function openLogin(agent: Agent = browser(), scope = 'openid', extra: Record<string, string> = {}) {
    const config = await relyingParty(saoma);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: RP.redirect_uri, scope, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
    const auth = await agent.get(url.pathname + url.search).redirects(0);
    assert.equal(auth.status, 303, auth.text);
    const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(auth.headers.location!, saoma.issuer).pathname)![1]!;
    const page = await agent.get(`/interaction/${uid}`);
    assert.equal(page.status, 200);
    return { agent, uid, page, config, verifier };
  }

  /** …and the person scans and confirms in WeChat, so that only the browser's /complete is left. */
  async function confirmedLogin(agent?: Agent) {
    const login = await openLogin(agent);
    const image = await login.agent.get(`/interaction/${login.uid}/qrcode`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    const scene = await sceneFromImage(image.body as Buffer);
    const scanned = await mp(saoma, 'scan', { scene, code: await saoma.wxLogin('olga') });
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal((await mp(saoma, 'confirm', { scene, token: scanned.json.token })).status, 200);
    return { ...login, scene };
  }

  const refusedAsPage = (res: request.Response) => {
    assert.equal(res.status, 403, res.text.slice(0, 300));
    assert.match(res.headers['content-type']!, /html/);
    assert.match(res.text, /data-code="cross_site_request"/);
  };

  it('a cross-site POST to /complete with the person\'s cookie is refused with a page saying why; the login still finishes from saoma\'s own page', async () => {
    const { agent, uid } = await confirmedLogin();
    refusedAsPage(await agent.post(`/interaction/${uid}/complete`).type('form').set({ Origin: EVIL }).send({}).redirects(0));
    refusedAsPage(await agent.post(`/interaction/${uid}/complete`).type('form').set({ Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' }).send({}).redirects(0));
    const status = await agent.get(`/interaction/${uid}/status?state=`);
    assert.equal(status.body.state, 'confirmed', 'the refused request changed nothing');
    const done = await agent.post(`/interaction/${uid}/complete`).type('form').set(ours()).send({}).redirects(0);
    assert.equal(done.status, 303, done.text);
  });

  it('Sec-Fetch-Site alone decides when there is no Origin: cross-site and same-site (a sibling subdomain is another origin) are refused', async () => {
    const { agent, uid } = await openLogin();
    refusedAsPage(await agent.post(`/interaction/${uid}/abort`).type('form').set({ 'Sec-Fetch-Site': 'cross-site' }).send({}).redirects(0));
    refusedAsPage(await agent.post(`/interaction/${uid}/abort`).type('form').set({ 'Sec-Fetch-Site': 'same-site', Origin: 'https://sibling.127.0.0.1.example' }).send({}).redirects(0));
    const status = await agent.get(`/interaction/${uid}/status?state=`);
    assert.equal(status.body.state, 'pending', 'the login was not cancelled');
  });

  it('/refresh (called by the page script) answers JSON: {"error": "cross_site_request"}', async () => {
    const { agent, uid } = await openLogin();
    const res = await agent.post(`/interaction/${uid}/refresh`).set({ Origin: EVIL, Accept: 'application/json' }).send();
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'cross_site_request');
    assert.ok(res.body.error_description);
  });

  it('the consent page\'s Allow and the sign-out confirmation refuse a foreign Origin, and work from saoma\'s own pages', async () => {
    const { agent, uid } = await confirmedLogin();
    const finished = await agent.post(`/interaction/${uid}/complete`).type('form').set(ours()).send({}).redirects(0);
    assert.equal(finished.status, 303);
    // Follow back through /auth so the session cookie is set; then ask for more: the consent page.
    await agent.get(new URL(finished.headers.location!, saoma.issuer).pathname + new URL(finished.headers.location!, saoma.issuer).search).redirects(0);
    const consent = await openLogin(agent, 'openid profile');
    assert.match(consent.page.text, /data-testid="allow"/);
    refusedAsPage(await agent.post(`/interaction/${consent.uid}/consent`).type('form').set({ Origin: EVIL }).send({}).redirects(0));
    assert.equal((await agent.post(`/interaction/${consent.uid}/consent`).type('form').set(ours()).send({}).redirects(0)).status, 303);

    const endSession = oidc.buildEndSessionUrl(consent.config, { client_id: RP.client_id });
    const logoutPage = await agent.get(endSession.pathname + endSession.search);
    assert.equal(logoutPage.status, 200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(logoutPage.text)![1]!;
    const action = /action="([^"]+)"/.exec(logoutPage.text)![1]!;
    const path = new URL(action, saoma.issuer).pathname;
    refusedAsPage(await agent.post(path).type('form').set({ Origin: EVIL }).send({ xsrf, logout: 'yes' }).redirects(0));
    const signedOut = await agent.post(path).type('form').set(ours()).send({ xsrf, logout: 'yes' }).redirects(0);
    assert.equal(signedOut.status, 303, signedOut.text.slice(0, 300));
  });

  it('our own pages keep working: a form post with Origin: null and Sec-Fetch-Site: same-origin (what Referrer-Policy: no-referrer makes browsers send), and an old client sending neither header', async () => {
    const first = await openLogin();
    const nullOrigin = await first.agent.post(`/interaction/${first.uid}/abort`).type('form').set({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }).send({}).redirects(0);
    assert.equal(nullOrigin.status, 303, nullOrigin.text.slice(0, 300));
    const second = await openLogin();
    const bare = await second.agent.post(`/interaction/${second.uid}/abort`).type('form').send({}).redirects(0);
    assert.equal(bare.status, 303, bare.text.slice(0, 300));
  });
});
