/**
 * The bare provider: oidc-provider 9 as any website would run it on Redis, with nothing of saoma —
 * no account index, no client-grant index, no guarded adapter, no Koa app around it, no pages — and
 * an instant login. The baseline issue 16 names for Redis round trips per login ("the bare
 * provider's count on the same Redis"), and shown beside saoma's own instant login for CPU.
 *
 * Its adapter is the plainest honest one over ioredis, one command per step: a model is one JSON
 * string (`SET … PX`); a code or refresh token's consumption is a second key read with it in one
 * `MGET`; tokens of a grant are a set (`SADD` + `PEXPIRE`) so that revoking a grant reaches them;
 * a session is found by its uid through one more key. Written for this benchmark: it is what the
 * provider needs and nothing more, so the count is a floor for a Redis-backed oidc-provider.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { RP } from '../../test/helpers/saoma.ts';
import { instantInteraction } from './instant-login.ts';

const CONSUMABLE = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

class PlainRedisAdapter implements Adapter {
  readonly #redis: Redis;
  readonly #model: string;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string, model: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#prefix}${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const ttl = expiresIn ? ['PX', expiresIn * 1000] as const : undefined;
    await (ttl ? this.#redis.set(key, JSON.stringify(payload), ...ttl) : this.#redis.set(key, JSON.stringify(payload)));
    if (GRANTABLE.has(this.#model) && payload.grantId) {
      const grant = `${this.#prefix}grant:${payload.grantId}`;
      await this.#redis.sadd(grant, key);
      if (expiresIn) await this.#redis.pexpire(grant, expiresIn * 1000, 'GT');
    }
    if (payload.uid) await (ttl ? this.#redis.set(`${this.#prefix}uid:${payload.uid}`, id, ...ttl) : this.#redis.set(`${this.#prefix}uid:${payload.uid}`, id));
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!CONSUMABLE.has(this.#model)) {
      const raw = await this.#redis.get(this.#key(id));
      return raw ? JSON.parse(raw) : undefined;
    }
    const [raw, consumed] = await this.#redis.mget(this.#key(id), `${this.#key(id)}:consumed`);
    if (!raw) return undefined;
    return consumed ? { ...JSON.parse(raw), consumed: Number(consumed) } : JSON.parse(raw);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.#redis.get(`${this.#prefix}uid:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined; // no device flow here
  }

  async consume(id: string): Promise<void> {
    await this.#redis.set(`${this.#key(id)}:consumed`, Math.floor(Date.now() / 1000), 'EX', 14 * 24 * 3600);
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grant = `${this.#prefix}grant:${grantId}`;
    const keys = await this.#redis.smembers(grant);
    await this.#redis.del(grant, ...keys);
  }
}

/** A private JWK of each algorithm saoma signs with (RS256 for ID tokens, ES256 published too). */
function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [{ ...rsa, kid: 'bare-rs256', alg: 'RS256', use: 'sig' }, { ...ec, kid: 'bare-es256', alg: 'ES256', use: 'sig' }];
}

export interface BareProvider {
  issuer: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the bare provider on `port` (0: any) with the tests' confidential RP, saoma's default
 * lifetimes and PKCE for every client; GET /interaction/<uid> logs one fixed account in at once.
 */
export async function startBareProvider(redisUrl: string, keyPrefix: string, port = 0): Promise<BareProvider> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as { port: number }).port;
  const issuer = `http://127.0.0.1:${bound}`;
  const provider = new Provider(issuer, {
    adapter: (model: string) => new PlainRedisAdapter(redis, `${keyPrefix}oidc:`, model),
    clients: [{
      client_id: RP.client_id,
      client_secret: RP.client_secret,
      redirect_uris: [RP.redirect_uri],
      post_logout_redirect_uris: [RP.post_logout_redirect_uri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks: { keys: signingKeys() as never },
    cookies: { keys: [randomBytes(32).toString('base64url')], long: { httpOnly: true, sameSite: 'lax' }, short: { httpOnly: true, sameSite: 'lax' } },
    claims: { openid: ['sub'], profile: ['nickname', 'picture'] },
    scopes: ['openid', 'profile', 'offline_access'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 30 * 86_400, Interaction: 3600, Session: 14 * 86_400, Grant: 30 * 86_400 },
    rotateRefreshToken: true,
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  const oidcCallback = provider.callback();
  const instant = instantInteraction(provider, 'bare-provider-account');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && /^\/interaction\/[^/?]+(\?|$)/.test(req.url ?? '')) instant(req, res);
    else oidcCallback(req, res);
  });
  return {
    issuer,
    port: bound,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
    },
  };
}
