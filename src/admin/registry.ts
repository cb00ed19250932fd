import { randomBytes } from 'node:crypto';
import { newClientId } from '../ids.ts';
import type { ClientMetadata } from 'oidc-provider';
import { SECRET_METHODS, changeProblems, clientProblems } from '../clients/metadata.ts';
import { SaomaError } from '../errors.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

/** Where a client comes from: configuration (the clients file, the demo; read-only) or the store. */
export type ClientSource = 'config' | 'store';

/** A client as the admin API shows it: its metadata without any secret, and where it lives. */
export interface ClientView {
  client_id: string;
  source: ClientSource;
  client_name: string | null;
  first_party: boolean;
  /** false only for a confidential client that opted out of PKCE (it must send a nonce). */
  require_pkce: boolean;
  /** null: the deployment's ID_TOKEN_PROFILE_CLAIMS. */
  id_token_profile_claims: boolean | null;
  application_type: string;
  token_endpoint_auth_method: string;
  grant_types: string[];
  scope: string | null;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  logo_uri: string | null;
  client_uri: string | null;
  policy_uri: string | null;
  tos_uri: string | null;
  saoma_primary_color: string | null;
  jwks_uri: string | null;
  backchannel_logout_uri: string | null;
  client_id_issued_at: number | null;
}

/** A change that made a secret: the only time it is ever shown. */
export interface WithSecret {
  client: ClientView;
  client_secret?: string;
}

/** The client metadata is refused; `problems` names each field and what is wrong with it. */
export class ClientMetadataError extends SaomaError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('invalid_client_metadata', problems.length === 1 ? `The client has a problem: ${problems[0]}` : `The client has ${problems.length} problems.`);
    this.problems = problems;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

export interface RegistryDeps {
  store: Store;
  /** Clients from configuration: listed, never changed, and their ids are taken. */
  configured: ClientMetadata[];
  production: boolean;
  /** oidc-provider's own verdict on a client, as a problem, or undefined when it accepts it. */
  check(metadata: ClientMetadata): Promise<string | undefined>;
  /** Revokes every grant and token of a client that is already gone; returns how many grants. */
  revokeGrants(clientId: string): Promise<number>;
}

/** The set listing the ids of the clients kept in the store. */
export const CLIENT_INDEX = storeKeys.clientIndex;
const INDEX = CLIENT_INDEX;
const clientKey = storeKeys.client;

/**
 * The websites (clients) managed at runtime. Each is oidc-provider's own `Client` record in the
 * store, which oidc-provider re-reads on every `Client.find`: a change is seen by every process
 * at once, with no restart and no message. Clients from configuration are read-only. The store
 * cannot be searched, so a set (`clients`) lists the ids for `list`.
 *
 * Guarantees: ids are unique across configuration and store (creation is create-if-absent);
 * an update is a compare-and-set of the whole record (two concurrent updates never merge
 * silently: one gets `conflict`); deleting removes the record first, so the client is refused
 * everywhere at once, then revokes its grants and tokens.
 */
export class ClientRegistry {
  readonly #deps: RegistryDeps;
  readonly #configured: Map<string, ClientMetadata>;

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
    this.#configured = new Map(deps.configured.map((c) => [c.client_id, c]));
  }

  async list(): Promise<ClientView[]> {
    const stored: ClientView[] = [];
    for (const id of (await this.#deps.store.indexMembers(INDEX)).sort()) {
      const record = await this.#read(id);
      if (record) stored.push(view(record.metadata, 'store'));
      else await this.#deps.store.indexRemove(INDEX, id);
    }
    return [...[...this.#configured.values()].map((c) => view(c, 'config')), ...stored];
  }

  async get(id: string): Promise<ClientView> {
    const configured = this.#configured.get(id);
    if (configured) return view(configured, 'config');
    const record = await this.#read(id);
    if (!record) throw notFound(id);
    return view(record.metadata, 'store');
  }

  async create(input: Record<string, unknown>): Promise<WithSecret> {
    const problems = clientProblems(input, { source: 'admin', production: this.#deps.production });
    const id = typeof input.client_id === 'string' ? input.client_id : newClientId();
    if (this.#configured.has(id)) problems.push(`client_id: "${id}" is already taken (by a client from configuration)`);
    else if (await this.#deps.store.get(clientKey(id))) problems.push(`client_id: "${id}" is already taken`);
    if (problems.length) throw new ClientMetadataError(problems);

    const metadata = withDefaults({ ...input, client_id: id, client_id_issued_at: Math.floor(Date.now() / 1000) });
    const secret = needsSecret(metadata) ? newSecret() : undefined;
    if (secret) metadata.client_secret = secret;
    await this.#check(metadata);
    if (!(await this.#deps.store.create(clientKey(id), JSON.stringify(metadata)))) {
      throw new ClientMetadataError([`client_id: "${id}" is already taken`]);
    }
    await this.#deps.store.indexAdd(INDEX, id);
    return secret ? { client: view(metadata, 'store'), client_secret: secret } : { client: view(metadata, 'store') };
  }

  /** Merges `patch` into the client (a field set to null is removed) and returns it, with a secret if one was made. */
  async update(id: string, patch: Record<string, unknown>): Promise<WithSecret & { changed: string[] }> {
    this.#refuseConfigured(id);
    const record = await this.#read(id);
    if (!record) throw notFound(id);
    const problems = changeProblems(patch, id);
    const merged: Record<string, unknown> = { ...record.metadata };
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'client_id') continue;
      if (value === null) delete merged[field];
      else merged[field] = value;
    }
    problems.push(...clientProblems(merged, { source: 'stored', production: this.#deps.production }));
    if (problems.length) throw new ClientMetadataError([...new Set(problems)]);

    const metadata = withDefaults(merged);
    let secret: string | undefined;
    if (!needsSecret(metadata)) delete metadata.client_secret;
    else if (!metadata.client_secret) metadata.client_secret = secret = newSecret();
    await this.#check(metadata);
    await this.#write(id, record.raw, metadata);
    const changed = Object.keys(patch).filter((f) => f !== 'client_id');
    const client = view(metadata, 'store');
    return secret ? { client, client_secret: secret, changed } : { client, changed };
  }

  /** A new secret for a confidential client; the old one stops working at once. */
  async rotateSecret(id: string): Promise<WithSecret> {
    this.#refuseConfigured(id);
    const record = await this.#read(id);
    if (!record) throw notFound(id);
    if (!needsSecret(record.metadata)) {
      throw new SaomaError('invalid_request', `Client "${id}" authenticates with ${String(record.metadata.token_endpoint_auth_method)} and has no secret.`);
    }
    const secret = newSecret();
    const metadata = { ...record.metadata, client_secret: secret };
    await this.#write(id, record.raw, metadata);
    return { client: view(metadata, 'store'), client_secret: secret };
  }

  /** Deletes the client everywhere at once, then revokes its grants and tokens; returns how many grants. */
  async remove(id: string): Promise<number> {
    this.#refuseConfigured(id);
    if (!(await this.#deps.store.delete(clientKey(id)))) throw notFound(id);
    await this.#deps.store.indexRemove(INDEX, id);
    return this.#deps.revokeGrants(id);
  }

  /** Lists a client that oidc-provider stored itself (Dynamic Client Registration). */
  async track(id: string): Promise<void> {
    await this.#deps.store.indexAdd(INDEX, id);
  }

  async #read(id: string): Promise<{ raw: string; metadata: ClientMetadata } | undefined> {
    const raw = await this.#deps.store.get(clientKey(id));
    if (raw === undefined) return undefined;
    return { raw, metadata: JSON.parse(raw) as ClientMetadata };
  }

  async #write(id: string, expected: string, metadata: ClientMetadata): Promise<void> {
    if (!(await this.#deps.store.compareAndSet(clientKey(id), expected, JSON.stringify(metadata)))) {
      throw new SaomaError('conflict', `Client "${id}" was changed or deleted meanwhile; read it again and retry.`);
    }
  }

  async #check(metadata: ClientMetadata): Promise<void> {
    const problem = await this.#deps.check(metadata);
    if (problem) throw new ClientMetadataError([problem]);
  }

  #refuseConfigured(id: string): void {
    if (this.#configured.has(id)) {
      throw new SaomaError('read_only', `Client "${id}" comes from configuration (the clients file); change it there and restart.`);
    }
  }
}

function notFound(id: string): SaomaError {
  return new SaomaError('not_found', `There is no client "${id.slice(0, 128)}".`);
}

function needsSecret(metadata: ClientMetadata): boolean {
  return SECRET_METHODS.includes(String(metadata.token_endpoint_auth_method ?? 'client_secret_basic'));
}

/** 256 random bits; shown once, to the admin who made it. */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Explicit values for what oidc-provider would default, so that `show` tells the whole truth. */
function withDefaults(metadata: Record<string, unknown>): ClientMetadata {
  return {
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    application_type: 'web',
    ...metadata,
  } as unknown as ClientMetadata;
}

export function view(metadata: ClientMetadata, source: ClientSource): ClientView {
  const m = metadata as ClientMetadata & Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    client_id: m.client_id,
    source,
    client_name: text(m.client_name),
    first_party: m.first_party === true,
    require_pkce: m.require_pkce !== false,
    id_token_profile_claims: typeof m.id_token_profile_claims === 'boolean' ? m.id_token_profile_claims : null,
    application_type: text(m.application_type) ?? 'web',
    token_endpoint_auth_method: text(m.token_endpoint_auth_method) ?? 'client_secret_basic',
    grant_types: Array.isArray(m.grant_types) ? m.grant_types : ['authorization_code', 'refresh_token'],
    scope: text(m.scope),
    redirect_uris: Array.isArray(m.redirect_uris) ? m.redirect_uris : [],
    post_logout_redirect_uris: Array.isArray(m.post_logout_redirect_uris) ? m.post_logout_redirect_uris : [],
    logo_uri: text(m.logo_uri),
    client_uri: text(m.client_uri),
    policy_uri: text(m.policy_uri),
    tos_uri: text(m.tos_uri),
    saoma_primary_color: text(m.saoma_primary_color),
    jwks_uri: text(m.jwks_uri),
    backchannel_logout_uri: text(m.backchannel_logout_uri),
    client_id_issued_at: typeof m.client_id_issued_at === 'number' ? m.client_id_issued_at : null,
  };
}
