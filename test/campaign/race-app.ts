import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { EMULATOR_APPID, EMULATOR_SECRET } from '../../src/config/load.ts';
import { createEmulator } from '../../src/emulator/emulator.ts';
import { openidOf } from '../../src/emulator/identity.ts';
import { hashToken } from '../../src/login/ticket.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { RedisStore } from '../../src/store/redis.ts';
import { signIn } from '../helpers/login.ts';
import { RP, startSaoma } from '../helpers/saoma.ts';

/**
 * One saoma app of a race world, in a worker thread of its own (`races.ts` starts it): its own
 * event loop and store connections, as a process of its own would have, and out of reach of the
 * test runner's async hooks, which would make every promise of the server dearer. The first app
 * of a world also serves the WeChat emulator every app exchanges its codes with.
 *
 * What a trial needs before its race is made here, through the services the routes themselves
 * use, on the parent's request (`Setup` below); the race itself is only HTTP, from the parent.
 */
export interface AppOptions {
  store: { kind: 'memory' } | { kind: 'redis'; url: string; keyPrefix: string };
  port: number;
  issuer: string;
  /** Where the emulator listens; the first app starts it on `emulatorPort` instead. */
  emulatorUrl?: string;
  emulatorPort?: number;
}

const options = workerData as AppOptions;
const log = createLogger('silent');
const store = options.store.kind === 'memory'
  ? new MemoryStore()
  : await new RedisStore({ kind: 'redis', url: options.store.url }, { keyPrefix: options.store.keyPrefix, commandTimeoutMs: 2000, log }).connect();

const emulator = options.emulatorPort === undefined ? undefined : createEmulator({ appid: EMULATOR_APPID, secret: EMULATOR_SECRET, log });
const emulatorServer: Server | undefined = emulator?.app.listen(options.emulatorPort, '127.0.0.1');
if (emulatorServer) await new Promise((resolve) => emulatorServer.once('listening', resolve));
const emulatorUrl = options.emulatorUrl ?? `http://127.0.0.1:${options.emulatorPort}`;
// WeChat's timeout is not what is raced (test/wechat-failures.test.ts is about it): on a busy CI
// machine a burst of ten scans must not turn into 503s because the emulator answered late.
const app = await startSaoma({ PORT: String(options.port), ISSUER: options.issuer, WECHAT_API_BASE: emulatorUrl, TRUST_PROXY: 'true', WECHAT_TIMEOUT_MS: '60000' }, store);
const { tickets, accounts, provider } = app.saoma;

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** A pending login ticket, as the login page's first load makes it (`Tickets.replace`). */
async function pendingTicket(uid = randomBytes(12).toString('base64url')): Promise<string> {
  const ticket = await tickets.replace({
    uid,
    clientId: RP.client_id,
    scopes: ['openid', 'profile'],
    requester: { ip: '192.0.2.1', user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', time: Date.now() },
    interactionExpiresAt: Date.now() + 10 * 60_000,
  }, undefined);
  return ticket.scene;
}

/** What the parent may ask for. */
const setup = {
  /** A pending ticket and a wx.login code (as the emulator's /emulator/login gives it) for each of `users`. */
  async scan(users: string[]): Promise<{ scene: string; codes: string[] }> {
    const codes = users.map((user) => emulator!.state.loginCodes.issue({ user, openid: openidOf(EMULATOR_APPID, user) }));
    return { scene: await pendingTicket(), codes };
  },
  /** An account for a simulated WeChat user, as /mp/scan resolves it. */
  async account(user: string): Promise<string> {
    return (await accounts.resolve({ appid: EMULATOR_APPID, openid: openidOf(EMULATOR_APPID, user) })).sub;
  },
  /** A ticket scanned by `account`, as /mp/scan leaves it (the scanner holds the token); confirmed too if asked, as /mp/confirm leaves it. */
  async scanned(account: string, uid?: string, confirmed = false): Promise<{ scene: string; token: string }> {
    const scene = await pendingTicket(uid);
    const token = randomBytes(24).toString('base64url');
    await tickets.update(scene, (t) => ({ ...t, state: confirmed ? 'confirmed' : 'scanned', account_id: account, token_hash: hashToken(token) }));
    return { scene, token };
  },
  async ticketState(scene: string): Promise<string | undefined> {
    return (await tickets.get(scene))?.state;
  },
  /**
   * An authorization code for `account` on a grant of its own, made through oidc-provider's own
   * models (as `/auth/<uid>` makes it once the login is done), with the PKCE verifier to redeem it.
   * Each code gets its own grant, because reuse detection revokes the grant of a code redeemed twice.
   */
  async authorizationCode(account: string, scope = 'openid offline_access'): Promise<{ code: string; verifier: string }> {
    const grant = new provider.Grant({ accountId: account, clientId: RP.client_id });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    const client = await provider.Client.find(RP.client_id);
    const verifier = randomBytes(32).toString('base64url');
    // The fields /auth/<uid> gives a code (process_response_types.js); the typings ask for a `gty` it never sets.
    const fields = {
      accountId: account, amr: ['wechat'], client: client!, grantId, scope, redirectUri: RP.redirect_uri,
      codeChallenge: s256(verifier), codeChallengeMethod: 'S256', authTime: Math.floor(Date.now() / 1000),
    };
    const code = await new provider.AuthorizationCode(fields as unknown as ConstructorParameters<typeof provider.AuthorizationCode>[0]).save();
    return { code, verifier };
  },
  /** A whole login through this app, with openid-client, as a website would: its subject. */
  async signIn(user: string): Promise<string> {
    const { claims } = await signIn({ ...app, issuer: options.issuer }, user);
    return String(claims.sub);
  },
  async close(): Promise<void> {
    await app.close();
    emulatorServer?.closeAllConnections();
    if (emulatorServer) await new Promise((resolve) => emulatorServer.close(resolve));
  },
};
export type Setup = typeof setup;

parentPort!.on('message', async ({ id, op, args }: { id: number; op: keyof Setup; args: unknown[] }) => {
  try {
    const value = await (setup[op] as (...a: unknown[]) => Promise<unknown>)(...args);
    parentPort!.postMessage({ id, value });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).stack ?? String(err) });
  }
});
parentPort!.postMessage({ ready: true });
