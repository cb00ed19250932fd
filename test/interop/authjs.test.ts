import { after, before, describe, it } from 'node:test';
import { assert, calls, deskAndPhone, example, NICKNAME, npmVersion, recordResult, SIGNATURE_NOT_CHECKED, shown, signInThroughSaoma, signOutThroughSaoma, snap, startRig, startWebsite, SUB, type Rig, type Website } from './harness.ts';

const KEY = 'authjs';

describe('Auth.js (@auth/core through @auth/express) with its documented generic OIDC provider', () => {
  let rig: Rig;
  let site: Website;
  before(async () => {
    rig = await startRig(KEY);
    site = await startWebsite(process.execPath, [example(KEY, 'server.ts').pathname], {
      env: { AUTH_SECRET: 'interop-test-auth-secret-0123456789abcdef', AUTH_SAOMA_ISSUER: rig.saoma.issuer, AUTH_SAOMA_ID: rig.client.client_id, AUTH_SAOMA_SECRET: rig.client.client_secret!, APP_URL: rig.appUrl },
      ready: `${rig.appUrl}/`,
    });
  });
  after(async () => {
    await site?.stop();
    await rig?.close();
  });

  it('signs a person in with their sub and nickname (from the ID token), and signs them out at saoma and back', async () => {
    const { desk, phone } = await deskAndPhone(rig.chromium);
    await signInThroughSaoma(rig, desk, phone, async (page) => {
      await page.locator('#signin').click();
      await page.getByRole('button', { name: /WeChat/ }).click();
    });
    const user = await shown(desk);
    assert.match(user.sub, SUB);
    assert.equal(user.nickname, NICKNAME);
    await snap(desk, 'interop-authjs-signed-in');
    const seen = calls(rig.seen());

    await signOutThroughSaoma(rig, desk, async (page) => {
      await page.locator('#signout').click();
      await page.getByRole('button', { name: /sign out/i }).click();
    });

    recordResult(KEY, {
      library: 'Auth.js (@auth/core, @auth/express)',
      version: `@auth/core ${npmVersion('@auth/core')}, @auth/express ${npmVersion('@auth/express')}`,
      page: 'authjs.md',
      discovery: seen.discovery,
      login: true,
      id_token_verified: seen.jwks || SIGNATURE_NOT_CHECKED,
      userinfo: seen.userinfo ? true : 'not used (profile from the ID token)',
      refresh: 'not built in (hand-written in the jwt callback)',
      logout: true,
    });
  });
});
