import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { SaomaError } from '../errors.ts';
import { rateLimit } from '../http/rate-limit.ts';
import type { Audit } from '../log.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './service.ts';

/** Failed attempts per IP and minute before answers turn to 429 (a 32+ character token is not guessed anyway). */
const FAILURES_PER_MINUTE = 20;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** A short, stable, non-secret name for the token in audit lines (a hash prefix, never the token). */
export function tokenFingerprint(token: string): string {
  return sha256(token).toString('hex').slice(0, 8);
}

/**
 * The admin API's gate: `Authorization: Bearer <ADMIN_TOKEN>`. Both sides are hashed before a
 * constant-time comparison, so neither the token's length nor its prefix leaks through timing.
 * Whatever is wrong (no header, another scheme, a wrong token) the answer is the same 401 with no
 * hint; the audit line records the reason. On success `ctx.state.who` names the caller:
 * the token's fingerprint, plus the `X-Saoma-Actor` the command line sends (user@host), which is
 * a label for the audit trail, not a proof.
 */
export function adminAuth(token: string, store: Store, audit: Audit) {
  const expected = sha256(token);
  const fingerprint = tokenFingerprint(token);
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header);
    const reason = !header ? 'missing' : !match ? 'malformed' : timingSafeEqual(sha256(match[1]!), expected) ? undefined : 'wrong';
    if (reason) {
      audit({ event: 'admin.auth_failed', actor: 'unknown', ip: ctx.ip, reason, method: ctx.method, path: ctx.path });
      ctx.set('WWW-Authenticate', 'Bearer realm="saoma-admin"');
      await rateLimit(store, storeKeys.adminAuthFailures(ctx.ip), FAILURES_PER_MINUTE, 60_000);
      throw new SaomaError('unauthorized', 'A valid admin token is required.');
    }
    const label = ctx.get('x-saoma-actor').replace(/[^A-Za-z0-9@._-]/g, '').slice(0, 64);
    ctx.state.who = { actor: `admin-token:${fingerprint}${label ? ` for ${label}` : ''}`, ip: ctx.ip } satisfies Actor;
    await next();
  };
}
