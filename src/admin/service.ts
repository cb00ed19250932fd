import { SaomaError } from '../errors.ts';
import type { Audit } from '../log.ts';
import type { KeyStatus, SigningKeys } from '../oidc/keys.ts';
import type { ClientRegistry, ClientView, WithSecret } from './registry.ts';

/** Who asks, and from where: written into every audit event. */
export interface Actor {
  actor: string;
  ip: string;
}

export interface RegistrationTokens {
  /** A new initial access token for Dynamic Client Registration, valid `ttlSeconds`. */
  issue(ttlSeconds: number): Promise<string>;
}

export interface AdminDeps {
  registry: ClientRegistry;
  keys: SigningKeys;
  audit: Audit;
  /** Absent while Dynamic Client Registration is off. */
  registration: RegistrationTokens | undefined;
}

/** Longest life of an initial access token: long enough for an onboarding, short enough to forget. */
export const MAX_REGISTRATION_TOKEN_TTL = 30 * 24 * 3600;

/**
 * Everything an administrator can do, whatever the way in (the admin API or the command line on
 * the store): the same checks, the same effects, and one audit event per change, naming who, what
 * and from where, never a secret.
 */
export class AdminService {
  readonly #deps: AdminDeps;

  constructor(deps: AdminDeps) {
    this.#deps = deps;
  }

  listClients(): Promise<ClientView[]> {
    return this.#deps.registry.list();
  }

  getClient(id: string): Promise<ClientView> {
    return this.#deps.registry.get(id);
  }

  async createClient(input: Record<string, unknown>, who: Actor): Promise<WithSecret> {
    const created = await this.#deps.registry.create(input);
    this.#deps.audit({ event: 'admin.client.created', ...who, client_id: created.client.client_id, fields: Object.keys(input).sort(), first_party: created.client.first_party });
    return created;
  }

  async updateClient(id: string, patch: Record<string, unknown>, who: Actor): Promise<WithSecret> {
    const { changed, ...updated } = await this.#deps.registry.update(id, patch);
    this.#deps.audit({ event: 'admin.client.updated', ...who, client_id: id, fields: changed.sort(), secret_generated: updated.client_secret !== undefined });
    return updated;
  }

  async rotateClientSecret(id: string, who: Actor): Promise<WithSecret> {
    const rotated = await this.#deps.registry.rotateSecret(id);
    this.#deps.audit({ event: 'admin.client.secret_rotated', ...who, client_id: id });
    return rotated;
  }

  async removeClient(id: string, who: Actor): Promise<{ client_id: string; revoked_grants: number }> {
    const revoked = await this.#deps.registry.remove(id);
    this.#deps.audit({ event: 'admin.client.deleted', ...who, client_id: id, revoked_grants: revoked });
    return { client_id: id, revoked_grants: revoked };
  }

  listKeys(): KeyStatus[] {
    return this.#deps.keys.list();
  }

  async rotateKeys(who: Actor, delaySeconds?: number): Promise<{ added: KeyStatus[]; keys: KeyStatus[] }> {
    if (delaySeconds !== undefined && (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 90 * 24 * 3600)) {
      throw new SaomaError('invalid_request', '"delay_seconds" must be a whole number of seconds from 0 to 7776000 (90 days).');
    }
    const result = await this.#deps.keys.rotate(delaySeconds === undefined ? undefined : delaySeconds * 1000);
    this.#deps.audit({ event: 'keys.rotated', ...who, added: result.added.map((k) => ({ kid: k.kid, alg: k.alg, signs_from: k.signs_from })) });
    return result;
  }

  async createRegistrationToken(who: Actor, ttlSeconds: number): Promise<{ initial_access_token: string; expires_at: number }> {
    const registration = this.#deps.registration;
    if (!registration) throw new SaomaError('invalid_request', 'Dynamic Client Registration is off; set REGISTRATION_ENABLED=true to use it.');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_REGISTRATION_TOKEN_TTL) {
      throw new SaomaError('invalid_request', `"ttl_seconds" must be a whole number from 60 to ${MAX_REGISTRATION_TOKEN_TTL}.`);
    }
    const token = await registration.issue(ttlSeconds);
    const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
    this.#deps.audit({ event: 'admin.registration_token.created', ...who, expires_at: expiresAt });
    return { initial_access_token: token, expires_at: expiresAt };
  }
}
