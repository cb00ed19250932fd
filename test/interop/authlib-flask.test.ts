import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { example, exampleEnv, journey, recordResult, startRig, startWebsite, type Rig, type Website } from './harness.ts';

const KEY = 'authlib';
// Debian's Python with its python3-authlib and python3-flask, whatever python3 is first on PATH.
const PYTHON = '/usr/bin/python3';

describe('Python Authlib + Flask, from the app.py of docs/integrations/authlib.md', () => {
  let rig: Rig;
  let site: Website;
  before(async () => {
    rig = await startRig(KEY);
    site = await startWebsite(PYTHON, [example(KEY, 'app.py').pathname], { env: exampleEnv(rig), ready: `${rig.appUrl}/` });
  });
  after(async () => {
    await site?.stop();
    await rig?.close();
  });

  it('signs a person in with sub and nickname (from the verified ID token), refreshes, signs out at saoma and back', async () => {
    const { seen, refreshed } = await journey(rig, KEY, { refresh: true });
    const versions = execFileSync(PYTHON, ['-c', 'import authlib; from importlib.metadata import version; print(f"Authlib {authlib.__version__}, Flask {version(\'flask\')}")'], { encoding: 'utf8' }).trim();
    recordResult(KEY, {
      library: 'Python Authlib (Flask client)', version: versions, page: 'authlib.md',
      discovery: seen.discovery, login: true, id_token_verified: seen.jwks, userinfo: seen.userinfo || 'not used (claims from the ID token)', refresh: refreshed, logout: true,
    });
  });
});
