import { after, before, describe, it } from 'node:test';
import { journey, nodeWebsite, npmVersion, recordResult, SIGNATURE_NOT_CHECKED, startRig, type Rig, type Website } from './harness.ts';

const KEY = 'oauth4webapi';

describe('oauth4webapi on node:http, as docs/integrations/openid-client.md shows it', () => {
  let rig: Rig;
  let site: Website;
  before(async () => {
    rig = await startRig(KEY);
    site = await nodeWebsite(rig, KEY);
  });
  after(async () => {
    await site?.stop();
    await rig?.close();
  });

  it('signs a person in with sub and nickname, refreshes (rotating) tokens, signs out at saoma and back', async () => {
    const { seen, refreshed } = await journey(rig, KEY, { refresh: true });
    recordResult(KEY, {
      library: 'oauth4webapi', version: npmVersion('oauth4webapi'), page: 'openid-client.md',
      discovery: seen.discovery, login: true, id_token_verified: seen.jwks || SIGNATURE_NOT_CHECKED, userinfo: seen.userinfo, refresh: refreshed, logout: true,
    });
  });
});
