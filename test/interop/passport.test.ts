import { after, before, describe, it } from 'node:test';
import { journey, nodeWebsite, npmVersion, recordResult, startRig, type Rig, type Website } from './harness.ts';

const KEY = 'passport';

describe('passport-openidconnect (no PKCE: registered with require_pkce false, nonce on)', () => {
  let rig: Rig;
  let site: Website;
  before(async () => {
    rig = await startRig(KEY);
    site = await nodeWebsite(rig, KEY, 'server.mjs');
  });
  after(async () => {
    await site?.stop();
    await rig?.close();
  });

  it('signs a person in with sub and nickname (from userinfo), signs out at saoma and back', async () => {
    const { seen } = await journey(rig, KEY, { refresh: false });
    recordResult(KEY, {
      library: 'passport-openidconnect', version: `${npmVersion('passport-openidconnect')} (passport ${npmVersion('passport')})`, page: 'passport-openidconnect.md',
      discovery: seen.discovery || 'no (endpoints configured)', login: true, id_token_verified: seen.jwks || 'claims checked; signature never (library)', userinfo: seen.userinfo,
      refresh: 'no (library has none)', logout: true,
    });
  });
});
