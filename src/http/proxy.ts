import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * Which proxies in front of saoma are believed (`TRUST_PROXY`): none (`false`), the last `n` hops,
 * or the proxies at these addresses / CIDRs / `loopback` `linklocal` `uniquelocal`.
 */
export type TrustProxy = false | { hops: number } | { addresses: string[] };

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Reads `TRUST_PROXY`: `false`/`0`, `true` (one hop, kept from when it was a yes/no switch), a hop
 * count, or a comma list of proxy addresses, CIDRs and range names — proxy-addr's rules, as
 * Express and Koa users know them. Returns a problem for anything else.
 */
export function parseTrustProxy(value: string): TrustProxy | { problem: string } {
  const text = value.trim();
  if (text === 'false') return false;
  if (text === 'true') return { hops: 1 };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 100) return { problem: 'a hop count must be at most 100' };
    return hops === 0 ? false : { hops };
  }
  const addresses = text.split(',').map((part) => part.trim()).filter(Boolean);
  if (!addresses.length) return { problem: 'false, true, a hop count, or a comma list of proxy addresses or CIDRs' };
  try {
    proxyaddr.compile(addresses);
  } catch (err) {
    const unknownName = addresses.find((a) => /^[a-z]+$/i.test(a) && !NAMED_RANGES.has(a));
    return { problem: unknownName ? `"${unknownName}" is not an address; the names are loopback, linklocal and uniquelocal` : (err as Error).message };
  }
  return { addresses };
}

/** proxy-addr's trust function for a setting: is `address`, `hop` steps from saoma, a proxy we believe? */
function trustFunction(trust: Exclude<TrustProxy, false>): (address: string, hop: number) => boolean {
  if ('hops' in trust) return (_address, hop) => hop < trust.hops;
  return proxyaddr.compile(trust.addresses);
}

const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'] as const;

/**
 * Makes a request's forwarded headers say only what trusted proxies said, before any app reads
 * them. Koa (and oidc-provider, a Koa app) believe `X-Forwarded-*` wholesale when `app.proxy` is
 * on, and take the LEFTMOST `X-Forwarded-For`, which any client writes. So at the one HTTP entry:
 *
 * - `X-Forwarded-For` becomes the one client address proxy-addr finds: read from the right, the
 *   first address that is not a trusted proxy. Every `ctx.ip` (the confirm screen's requester,
 *   rate limits, audit lines) is then that address.
 * - `X-Forwarded-Proto` and `X-Forwarded-Host` are kept only when the connection itself comes from
 *   a trusted proxy (Express's rule); otherwise they are dropped, so a client cannot claim https.
 *
 * With `false` every forwarded header is dropped: no app can be talked into believing one.
 */
export function forwardedHeaders(trust: TrustProxy): (req: IncomingMessage) => void {
  if (trust === false) {
    return (req) => {
      for (const name of FORWARDED) delete req.headers[name];
    };
  }
  const trusted = trustFunction(trust);
  return (req) => {
    const peer = req.socket.remoteAddress ?? '';
    if (!trusted(peer, 0)) {
      for (const name of FORWARDED) delete req.headers[name];
      return;
    }
    req.headers['x-forwarded-for'] = proxyaddr(req, trusted);
  };
}

/** Whether a connection from `address` comes from a trusted proxy (with a hop count: every peer is one). */
export function isTrustedPeer(trust: TrustProxy): (address: string) => boolean {
  if (trust === false) return () => false;
  const trusted = trustFunction(trust);
  return (address) => trusted(address, 0);
}
