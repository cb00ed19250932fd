import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApache } from './apache.ts';
import { deskAndPhone, journey, recordResult, startRig, type Rig, type Website } from './harness.ts';

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

  // mod_auth_openidc 2.4 reads the RFC 9207 iss on saoma's error answer as a third-party-initiated
  // login: without OIDCDefaultURL it shows its error page ("… because OIDCDefaultURL is not set");
  // with it, it starts a new sign-in at OIDCDefaultURL, so the person sees a fresh code.
  it('a person who cancels on saoma\'s page gets a fresh code (OIDCDefaultURL), not the website\'s error page', async () => {
    const { desk } = await deskAndPhone(rig.chromium);
    await desk.goto(`${rig.appUrl}/`);
    await desk.locator('#signin').click();
    await desk.waitForURL(new RegExp(`^${rig.saoma.issuer}/interaction/`));
    const first = desk.url();
    const pages: string[] = [];
    desk.on('response', async (response) => {
      if (response.url().startsWith(rig.appUrl) && response.status() === 200) pages.push(await response.text());
    });
    await desk.getByTestId('abort').click();
    await desk.waitForURL((url) => url.href.startsWith(`${rig.saoma.issuer}/interaction/`) && url.href !== first);
    await desk.locator('#login[data-view="pending"]').waitFor();
    assert.deepEqual(pages.filter((page) => /Error/.test(page)), [], 'the website showed an error page');
  });
});
