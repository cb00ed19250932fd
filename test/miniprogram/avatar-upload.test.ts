import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { AVATAR_MAX_BYTES } from '../../src/login/avatar-routes.ts';
import { complete, fetchScene, mp, scan, startLogin } from '../helpers/login.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { JPEG, PNG, WEBP } from './images.ts';

/** What wx.uploadFile sends: multipart/form-data with the extra fields and the file. */
async function upload(saoma: RunningSaoma, fields: Record<string, string>, file?: { bytes: Uint8Array<ArrayBuffer>; type?: string; name?: string }) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  if (file) form.set('avatar', new Blob([file.bytes], { type: file.type ?? 'image/png' }), file.name ?? 'tmp_avatar.png');
  const res = await fetch(`${saoma.issuer}/mp/avatar`, { method: 'POST', body: form });
  return { status: res.status, json: await res.json() as any };
}

describe('POST /mp/avatar: the picture a person chose, for the scanner of a live code only', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  async function scanned(user: string, scope = 'openid profile') {
    const login = await startLogin(saoma, { scope });
    const scene = await fetchScene(saoma, login);
    const answer = await scan(saoma, scene, user);
    assert.equal(answer.status, 200);
    return { login, scene, token: answer.json.token as string };
  }

  it('the scanner uploads a picture; it is served from a stable URL that becomes the picture claim', async () => {
    const { login, scene, token } = await scanned('ava');
    const uploaded = await upload(saoma, { scene, token }, { bytes: PNG });
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.json));
    const url: string = uploaded.json.avatar_url;
    assert.match(url, new RegExp(`^${saoma.issuer}/mp/avatar/[A-Za-z0-9_-]{24}$`));

    const served = await fetch(url);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.match(served.headers.get('cache-control')!, /immutable/);
    assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), PNG);

    assert.equal((await mp(saoma, 'confirm', { scene, token, avatar_url: url, nickname: 'Ava' })).status, 200);
    const tokens = await oidc.authorizationCodeGrant(login.config, await complete(saoma, login), { pkceCodeVerifier: login.verifier, expectedState: login.state });
    const sub = tokens.claims()!.sub;
    assert.deepEqual(await oidc.fetchUserInfo(login.config, tokens.access_token, sub), { sub, nickname: 'Ava', picture: url });
    assert.equal((await fetch(url)).status, 200, 'the URL still serves after the login');
  });

  it('the type is read from the bytes, not from the label: a JPEG labelled PNG is served as JPEG, WebP is accepted', async () => {
    const { scene, token } = await scanned('bea');
    const jpeg = await upload(saoma, { scene, token }, { bytes: JPEG, type: 'image/png', name: 'x.png' });
    assert.equal(jpeg.status, 200);
    assert.equal((await fetch(jpeg.json.avatar_url)).headers.get('content-type'), 'image/jpeg');
    const webp = await upload(saoma, { scene, token }, { bytes: WEBP, type: 'application/octet-stream' });
    assert.equal((await fetch(webp.json.avatar_url)).headers.get('content-type'), 'image/webp');
  });

  it('what is not a JPEG, PNG or WebP image is refused, whatever its label says', async () => {
    const { scene, token } = await scanned('cid');
    for (const bytes of [new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), new TextEncoder().encode('<!doctype html><script>alert(1)</script>'), new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])]) {
      const refused = await upload(saoma, { scene, token }, { bytes, type: 'image/png' });
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error, 'invalid_request');
    }
    const empty = await upload(saoma, { scene, token }, { bytes: new Uint8Array() });
    assert.equal(empty.status, 400);
  });

  it(`a picture over ${AVATAR_MAX_BYTES} bytes is 413 payload_too_large; exactly the limit is accepted`, async () => {
    const { scene, token } = await scanned('dov');
    const atLimit = new Uint8Array(AVATAR_MAX_BYTES);
    atLimit.set(JPEG);
    assert.equal((await upload(saoma, { scene, token }, { bytes: atLimit })).status, 200);
    const over = new Uint8Array(AVATAR_MAX_BYTES + 1);
    over.set(JPEG);
    const refused = await upload(saoma, { scene, token }, { bytes: over });
    assert.equal(refused.status, 413);
    assert.equal(refused.json.error, 'payload_too_large');
    const huge = new Uint8Array(4 * AVATAR_MAX_BYTES);
    huge.set(JPEG);
    assert.equal((await upload(saoma, { scene, token }, { bytes: huge })).status, 413);
  });

  it('only the scanner of a live code may upload: wrong token, unknown scene, before the scan, after confirm or cancel', async () => {
    const { scene, token } = await scanned('eve');
    assert.equal((await upload(saoma, { scene, token: 'not-the-token' }, { bytes: PNG })).json.error, 'invalid_token');
    assert.equal((await upload(saoma, { scene: 'NoSuchSceneAtAll1234', token }, { bytes: PNG })).json.error, 'ticket_not_found');

    const pending = await startLogin(saoma);
    const pendingScene = await fetchScene(saoma, pending);
    const early = await upload(saoma, { scene: pendingScene, token }, { bytes: PNG });
    assert.deepEqual([early.status, early.json.error], [401, 'invalid_token']);

    assert.equal((await mp(saoma, 'confirm', { scene, token })).status, 200);
    const late = await upload(saoma, { scene, token }, { bytes: PNG });
    assert.deepEqual([late.status, late.json.error], [409, 'ticket_already_confirmed']);

    const other = await scanned('fay');
    assert.equal((await mp(saoma, 'cancel', { scene: other.scene, token: other.token })).status, 200);
    const cancelled = await upload(saoma, { scene: other.scene, token: other.token }, { bytes: PNG });
    assert.deepEqual([cancelled.status, cancelled.json.error], [410, 'ticket_cancelled']);
  });

  it('bad forms are 400 invalid_request: not multipart, no file, no scene, no token', async () => {
    const { scene, token } = await scanned('gus');
    const json = await fetch(`${saoma.issuer}/mp/avatar`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene, token }) });
    assert.equal(json.status, 400);
    for (const [fields, file] of [[{ scene, token }, undefined], [{ token }, { bytes: PNG }], [{ scene }, { bytes: PNG }]] as const) {
      const refused = await upload(saoma, fields, file);
      assert.deepEqual([refused.status, refused.json.error], [400, 'invalid_request']);
    }
    const garbled = await fetch(`${saoma.issuer}/mp/avatar`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: 'this is not a form' });
    assert.equal(garbled.status, 400);
  });

  it('an unknown or malformed picture id is a 404', async () => {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAAAA', '..%2F..%2Fetc', 'x']) {
      const res = await fetch(`${saoma.issuer}/mp/avatar/${id}`);
      assert.equal(res.status, 404);
    }
  });
});
