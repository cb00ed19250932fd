/**
 * One whole saoma login as the page and the phone do it, step by step, for the soak: each failure
 * says at which step it happened and how, so errors can be counted by kind.
 */
import type { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { complete, mp, scan, startLogin } from '../../test/helpers/login.ts';
import type { RunningSaoma } from '../../test/helpers/saoma.ts';

/** A failed login: the step and what went wrong there (`kind` is what the soak counts). */
export class LoginFailure extends Error {
  readonly kind: string;

  constructor(step: string, what: string) {
    super(`${step}: ${what}`);
    this.kind = `${step}: ${what}`.slice(0, 80);
  }
}

/** Runs `action` as step `step`: an exception becomes a LoginFailure naming the step and the error's kind. */
async function step<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof LoginFailure) throw err;
    const e = err as Error & { cause?: { code?: string }; code?: string };
    // The helpers assert with a message that names the answer ("complete answered 410: …").
    const what = e.code === 'ERR_ASSERTION' ? e.message.split(':')[0]! : e.cause?.code ?? e.code ?? e.name ?? 'error';
    throw new LoginFailure(name, what);
  }
}

function expect(name: string, ok: boolean, what: () => string): void {
  if (!ok) throw new LoginFailure(name, what());
}

/**
 * /auth → the login page → the code image → the page's long-poll → wx.login + /mp/scan → the second
 * long-poll → /mp/confirm → /complete → code → /token, through the test helpers. The scene is read
 * from the store (`ticket-of:<uid>`) instead of decoding the image, as the other benchmarks do.
 */
export async function fullLogin(remote: RunningSaoma, config: oidc.Configuration, raw: Redis, prefix: string, user: string): Promise<void> {
  const login = await step('login page', () => startLogin(remote, { config }));
  expect('login page', login.page.status === 200, () => String(login.page.status));
  const base = `${remote.issuer}/interaction/${login.uid}`;
  const image = await step('code image', () => login.browser.request(`${base}/qrcode`));
  expect('code image', image.status === 200, () => `${image.status} ${image.json?.error ?? ''}`.trim());
  const scene = await step('code image', () => raw.get(`${prefix}ticket-of:${login.uid}`));
  expect('code image', Boolean(scene), () => 'no ticket');
  const first = step('long-poll (scan)', () => login.browser.request(`${base}/status?state=pending`));
  // Awaited below; until then a failure of the poll must not go unhandled if an earlier step fails.
  first.catch(() => {});
  const scanned = await step('scan', () => scan(remote, scene!, user));
  expect('scan', scanned.status === 200, () => `${scanned.status} ${scanned.json?.error ?? ''}`.trim());
  const seen = await first;
  expect('long-poll (scan)', seen.json?.state === 'scanned', () => `${seen.status} ${seen.json?.state ?? seen.json?.error ?? ''}`.trim());
  const second = step('long-poll (confirm)', () => login.browser.request(`${base}/status?state=scanned`));
  second.catch(() => {});
  const confirmed = await step('confirm', () => mp(remote, 'confirm', { scene, token: scanned.json.token }));
  expect('confirm', confirmed.status === 200, () => `${confirmed.status} ${confirmed.json?.error ?? ''}`.trim());
  const told = await second;
  expect('long-poll (confirm)', told.json?.state === 'confirmed', () => `${told.status} ${told.json?.state ?? told.json?.error ?? ''}`.trim());
  const callback = await step('complete', () => complete(remote, login));
  const tokens = await step('token', () => oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true }));
  expect('token', Boolean(tokens.claims()?.sub), () => 'no sub');
}
