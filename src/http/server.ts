import type { IncomingMessage, ServerResponse } from 'node:http';
import { nanoid } from 'nanoid';
import type { Logger } from '../log.ts';
import { wasRefused } from './connection-cap.ts';
import { forwardedHeaders, type TrustProxy } from './proxy.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export type Route =
  | {
    /** Paths this app serves: `/demo` serves `/demo`, `/demo/…` and `/demo?…`. */
    prefixes: string[];
    handler: Handler;
  }
  | {
    /** One path (without its query) and the methods served there. */
    path: RegExp;
    methods: string[];
    handler: Handler;
  };

function serves(route: Route, method: string | undefined, path: string): boolean {
  if ('prefixes' in route) return route.prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return route.path.test(path) && route.methods.includes(method ?? '');
}

/**
 * Headers on every answer: no framing anywhere (clickjacking), scripts and styles only from saoma
 * itself, no inline script, no referrer to other sites. `form-action` is left out on purpose:
 * after a form post the browser is redirected on to the relying party, and browsers apply
 * `form-action` to that redirect too. oidc-provider adds the hash of its own form_post script to
 * this header when it needs one.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** The same, as entries once rather than `Object.entries` per request (it showed in the profile). */
const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

export interface DispatchOptions {
  trustProxy: TrustProxy;
  /**
   * `Strict-Transport-Security: max-age=…` on every answer, when saoma is served over https (the
   * issuer): browsers then never again try plain http for this host, so nobody on the path can
   * strip TLS from a later visit. No `includeSubDomains`: sibling hosts are not ours to commit.
   */
  hstsMaxAge?: number;
}

/**
 * The one HTTP entry: forwarded headers reduced to what trusted proxies said (`proxy.ts`),
 * security headers and a request id on every answer, one access-log line per request (path only:
 * query strings can carry codes), then the first app whose prefix matches, or the fallback (the
 * provider with saoma's own routes).
 */
export function dispatch(routes: Route[], fallback: Handler, log: Logger, options: DispatchOptions = { trustProxy: false }): Handler {
  const forwarded = forwardedHeaders(options.trustProxy);
  const hsts = options.hstsMaxAge === undefined ? undefined : `max-age=${options.hstsMaxAge}`;
  return (req, res) => {
    // Over the per-address cap (connection-cap.ts): already answered 429, nothing more to do.
    if (wasRefused(req.socket)) {
      res.destroy();
      return;
    }
    forwarded(req);
    const offered = req.headers['x-request-id'];
    const requestId = typeof offered === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(offered) ? offered : nanoid(16);
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of SECURITY_HEADER_ENTRIES) res.setHeader(name, value);
    if (hsts) res.setHeader('Strict-Transport-Security', hsts);
    // oidc-provider builds URLs from the Host: one that is not a host would answer 500 (a missing
    // one, which only HTTP/1.0 allows, is left alone: old health checkers send none).
    const host = req.headers.host;
    if (host && !(/^[^\s/?#@\\]+$/.test(host) && URL.canParse(`http://${host}/`))) {
      res.writeHead(400, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: 'The Host header is not a valid host.' }));
      return;
    }
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    // `on`, not `once`: a response closes once, and `once` would add a wrapper to every request.
    res.on('close', () => {
      log.info({ req_id: requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    const route = routes.find((r) => serves(r, req.method, path));
    (route?.handler ?? fallback)(req, res);
  };
}
