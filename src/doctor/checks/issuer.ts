import { request } from 'undici';
import { fail, ok, warn, type Check } from '../check.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * ISSUER is https (http is accepted outside production on a loopback host, where a developer runs
 * it) and answers its own discovery document with itself as `issuer`: that is what every website
 * fetches first, and a mismatch (a proxy, a wrong ISSUER) breaks every sign-in.
 */
export const issuer: Check = {
  id: 'issuer',
  title: 'ISSUER',
  async run({ config, production, timeoutMs }) {
    const url = new URL(config.issuer);
    const https = url.protocol === 'https:';
    if (production && !https) {
      return fail(`${config.issuer} is not https`, 'Set ISSUER to the public https URL of saoma (TLS at saoma\'s proxy; TRUST_PROXY=true behind it).');
    }
    const discovery = `${config.issuer}/.well-known/openid-configuration`;
    let answered: string | undefined;
    try {
      const res = await request(discovery, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        return fail(`${discovery} answered HTTP ${res.statusCode}`, 'Make ISSUER the URL saoma is served at: the proxy must pass every path under it to saoma unchanged.');
      }
      answered = (JSON.parse(text) as { issuer?: unknown }).issuer as string | undefined;
    } catch (err) {
      // A timeout is a DOMException whose numeric `code` says nothing: its name does.
      const name = (err as Error).name;
      const code = name === 'TimeoutError' || name === 'AbortError' ? name : (err as NodeJS.ErrnoException).code ?? name;
      const why = code === 'TimeoutError' || code === 'AbortError' ? `no answer within ${timeoutMs} ms` : code === undefined || code === 'SyntaxError' ? 'the answer is not JSON' : code;
      return fail(`could not fetch ${discovery}: ${why}`, 'Start saoma, and make ISSUER the public URL it is reached at (DNS, TLS certificate, proxy); websites cannot sign in until it answers.');
    }
    if (answered !== config.issuer) {
      return fail(`${discovery} names another issuer (${String(answered)})`, `Set ISSUER to ${String(answered)} or serve saoma at ${config.issuer}: every process must have the same ISSUER, the URL websites use.`);
    }
    if (https) return ok(`${config.issuer} answers its discovery document`);
    if (LOOPBACK.has(url.hostname)) return ok(`${config.issuer} answers its discovery document (http on loopback: fine outside production, which needs https)`);
    return warn(`${config.issuer} answers, but over plain http`, 'Serve saoma over https (production refuses an http ISSUER); http is only for loopback development.');
  },
};
