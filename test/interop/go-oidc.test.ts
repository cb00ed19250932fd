import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { example, exampleEnv, journey, recordResult, startRig, startWebsite, type Rig, type Website } from './harness.ts';

const KEY = 'go-oidc';
const GOPATH = '/usr/share/gocode'; // Debian's golang-github-coreos-go-oidc-dev and golang-golang-x-oauth2-dev
/** Offline: GOPATH mode against Debian's packaged sources, never the module proxy. */
const GO_ENV = { GO111MODULE: 'off', GOPATH, GOPROXY: 'off', GOFLAGS: '', GOCACHE: join(process.env.HOME ?? tmpdir(), '.cache', 'go-build') };

function debianVersion(name: string): string {
  return execFileSync('dpkg-query', ['-W', '-f', '${Version}', name], { encoding: 'utf8' });
}

describe('Go go-oidc + x/oauth2, from the main.go of docs/integrations/go-oidc.md', () => {
  let rig: Rig;
  let site: Website;
  before(async () => {
    const binary = join(mkdtempSync(join(tmpdir(), 'saoma-go-')), 'site');
    execFileSync('go', ['build', '-o', binary, example(KEY, 'main.go').pathname], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...GO_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    rig = await startRig(KEY);
    site = await startWebsite(binary, [], { env: exampleEnv(rig), ready: `${rig.appUrl}/` });
  });
  after(async () => {
    await site?.stop();
    await rig?.close();
  });

  it('signs a person in with sub and nickname (from the verified ID token), refreshes, signs out at saoma and back', async () => {
    const { seen, refreshed } = await journey(rig, KEY, { refresh: true });
    const go = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, ...GO_ENV } }).trim();
    recordResult(KEY, {
      library: 'Go go-oidc + x/oauth2', version: `go-oidc ${debianVersion('golang-github-coreos-go-oidc-dev')}, x/oauth2 ${debianVersion('golang-golang-x-oauth2-dev')}, ${go}`, page: 'go-oidc.md',
      discovery: seen.discovery, login: true, id_token_verified: seen.jwks, userinfo: seen.userinfo || 'not used (claims from the ID token)', refresh: refreshed, logout: true,
    });
  });
});
