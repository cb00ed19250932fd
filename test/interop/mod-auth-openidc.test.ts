import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startApache } from './apache.ts';
import { journey, recordResult, startRig, type Rig, type Website } from './harness.ts';

const KEY = 'mod_auth_openidc';

/** The Debian package's version, e.g. 2.4.12.3-2+deb12u5. */
function packageVersion(name: string): string {
  return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
}

describe('Apache mod_auth_openidc, from the saoma.conf of docs/integrations/mod_auth_openidc.md', () => {
  let rig: Rig;
  let site: Website;
  before(async () => {
    rig = await startRig(KEY);
    site = await startApache(rig);
  });
  after(async () => {
    await site?.stop();
    await rig?.close();
  });

  it('signs a person in (REMOTE_USER is the sub, OIDC_CLAIM_nickname the nickname), refreshes, signs out at saoma and back', async () => {
    const { seen, refreshed } = await journey(rig, KEY, { refresh: true });
    recordResult(KEY, {
      library: 'Apache mod_auth_openidc', version: `${packageVersion('libapache2-mod-auth-openidc')} (Apache ${packageVersion('apache2')})`, page: 'mod_auth_openidc.md',
      discovery: seen.discovery, login: true, id_token_verified: seen.jwks, userinfo: seen.userinfo, refresh: refreshed, logout: true,
    });
  });
});
