import type Koa from 'koa';

/**
 * Makes every request the provider sees say it came to the ISSUER's origin, whatever its Host,
 * `X-Forwarded-Host` or absolute request target says. oidc-provider builds its absolute URLs
 * (discovery's endpoints, the sign-out form, where a finished login returns to) from Koa's
 * `ctx.href`, which is the request's own idea of its origin: a forged Host would otherwise get a
 * discovery document naming the attacker's server, and a cache in front would keep it for
 * everyone. The issuer is configured, so it is the only origin saoma names. Requests are not
 * refused for their Host: health probes name the pod's address, and they keep working.
 *
 * Done on the provider's request prototype (Koa's getters, overridden once), so it costs nothing
 * per request and reaches every middleware and route mounted on the provider. `ctx.protocol` (and
 * so `ctx.secure`, which marks cookies Secure) stays what the connection or a trusted proxy says.
 */
export function pinOriginToIssuer(app: Koa, issuer: string): void {
  const { origin, host, hostname } = new URL(issuer);
  Object.defineProperties(app.request, {
    origin: { configurable: true, get: () => origin },
    host: { configurable: true, get: () => host },
    hostname: { configurable: true, get: () => hostname },
    href: {
      configurable: true,
      get(this: Koa.Request) {
        return origin + pathOf(this.originalUrl);
      },
    },
    URL: {
      configurable: true,
      get(this: Koa.Request) {
        return new URL(this.href);
      },
    },
  });
}

/** The path and query of a request target, also of an absolute-form one (`GET http://host/path`). */
function pathOf(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  const url = URL.parse(target);
  return url ? url.pathname + url.search : '/';
}
