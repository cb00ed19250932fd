import type Provider from 'oidc-provider';
import type { Logger } from '../log.ts';
import type { WebsiteSession } from './holdings.ts';

/** Tries per logout token: the first at once, then after each of these waits (bounded, then given up). */
export const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

type Send = (this: { clientId: string }, sub: string, sid: string) => Promise<void>;

/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0) that never makes anyone wait.
 * oidc-provider's own sign-out awaits every website's endpoint; here each client's
 * `backchannelLogout` is replaced by one that queues the signed logout token and returns at once,
 * so a slow or unreachable website delays and fails nothing: not a sign-out at saoma, not a
 * block, not a delete. Delivery is tried `1 + RETRY_DELAYS_MS.length` times within this process
 * (lost if it stops meanwhile: back-channel logout is best effort by design), each attempt bounded
 * by oidc-provider's HTTP timeout. Outcomes are log lines naming the website, never the token.
 *
 * Call once per Provider instance (a key rotation that swaps the Provider must call it again).
 */
export function deliverLogoutsInBackground(provider: Provider, log: Logger): void {
  const prototype = provider.Client.prototype as unknown as { backchannelLogout: Send };
  const send = prototype.backchannelLogout;
  prototype.backchannelLogout = function queued(this: { clientId: string }, sub: string, sid: string) {
    const client = this;
    const attempt = (n: number): void => {
      send.call(client, sub, sid).then(
        () => log.info({ event: 'backchannel.delivered', client_id: client.clientId, attempt: n + 1 }, 'back-channel logout delivered'),
        (err: Error) => {
          const wait = RETRY_DELAYS_MS[n];
          log.warn({ event: 'backchannel.failed', client_id: client.clientId, attempt: n + 1, reason: err.message, retry_in_ms: wait ?? null }, 'back-channel logout not delivered');
          if (wait !== undefined) setTimeout(() => attempt(n + 1), wait).unref();
        },
      );
    };
    attempt(0);
    return Promise.resolve();
  };
}

/**
 * Sends a logout token to every website in `ended` that registered a back-channel logout URI and
 * counts the ones sent (or queued, in a server process). A website that refuses or cannot be
 * reached is skipped, never thrown: in a process without the background queue (the command line
 * straight on the store) oidc-provider's own send throws on a non-200 answer, and a delete or a
 * block must not stop half-way, with the person's data still there, because one website is down.
 */
export async function announceLogouts(provider: () => Provider, sub: string, ended: WebsiteSession[]): Promise<number> {
  let sent = 0;
  for (const { clientId, sid } of ended) {
    const client = await provider().Client.find(clientId);
    if (!client?.backchannelLogoutUri) continue;
    try {
      await (client as unknown as { backchannelLogout: (sub: string, sid: string) => Promise<void> }).backchannelLogout(sub, sid);
      sent++;
    } catch {
      // Not delivered: the audit line's logouts_sent says how many were.
    }
  }
  return sent;
}

/**
 * oidc-provider's outgoing requests (back-channel logout) refuse special-use addresses, loopback
 * included, against SSRF. Outside production a website under development may listen on a
 * loopback address (as its redirect URIs may), so there, and only for a loopback host, the check
 * is left out. In production every address check stays.
 */
export function outgoingFetch(production: boolean): (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => Promise<Response> {
  return (url, options) => {
    const host = new URL(url).hostname;
    if (!production && (host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host))) delete options.dispatcher;
    return globalThis.fetch(url, options);
  };
}
