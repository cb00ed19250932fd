/**
 * The instant login, both sides: the baseline of the per-login benchmarks. On the server, saoma's
 * own provider (createSaoma: same configuration, adapter, keys and client) whose
 * GET /interaction/<uid> logs a fixed account in at once; in the browser, the four requests of such
 * a login (/auth → /interaction/<uid> → /auth/<uid> → the RP's callback) and the RP's /token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import type Provider from 'oidc-provider';
import type { Saoma } from '../../src/app.ts';
import { startLogin } from '../../test/helpers/login.ts';
import { RP, type RunningSaoma } from '../../test/helpers/saoma.ts';

/**
 * GET /interaction/<uid> logs a fixed account in at once (login and consent to the requested
 * scopes), in front of saoma's own routes; everything else is saoma's provider unchanged.
 */
export async function installInstantLogin(running: Saoma): Promise<void> {
  const { provider, server: http } = running;
  const account = await running.accounts.resolve({ appid: 'bench', openid: 'bench-user' });
  const [original] = http.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (!original) throw new Error('the saoma server has no request listener');
  const instant = instantInteraction(provider, account.sub);
  http.removeAllListeners('request');
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && /^\/interaction\/[^/?]+(\?|$)/.test(req.url ?? '')) instant(req, res);
    else original.call(http, req, res);
  });
}

/**
 * The instant interaction of a provider (saoma's or the bare one, `bare-provider.ts`): logs
 * `accountId` in and grants the requested scopes at once, then sends the browser back to /auth.
 */
export function instantInteraction(provider: Provider, accountId: string): (req: IncomingMessage, res: ServerResponse) => void {
  const instant = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    const to = await provider.interactionResult(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    res.writeHead(303, { location: to, 'cache-control': 'no-store' }).end();
  };
  return (req, res) => {
    instant(req, res).catch((err: unknown) => {
      console.error('instant login failed:', err);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

/** One instant login, as a browser and the RP do it: /auth → /interaction → /auth/<uid> → callback → /token. */
export async function instantLogin(remote: RunningSaoma, config: oidc.Configuration): Promise<void> {
  const login = await startLogin(remote, { config });
  if (login.page.status !== 303 || !login.page.location) throw new Error(`the instant interaction answered ${login.page.status}`);
  const landed = await login.browser.follow(login.page.location, remote.issuer);
  if (!landed.url.startsWith(RP.redirect_uri)) throw new Error(`expected the RP's callback, got ${landed.url} (${landed.status})`);
  const tokens = await oidc.authorizationCodeGrant(login.config, new URL(landed.url), { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
  if (!tokens.claims()?.sub) throw new Error('no sub in the ID token');
}
