import type { ProviderAccess } from '../oidc/live-provider.ts';
import type { ClientMetadata, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/load.ts';
import { demoClient } from '../demo/rp.ts';
import { auditLog, type Audit, type Logger } from '../log.ts';
import { adapterFactory } from '../oidc/adapter.ts';
import { revokeClientGrants, withClientGrantIndex } from '../oidc/client-grants.ts';
import type { SigningKeys } from '../oidc/keys.ts';
import { REGISTRATION_POLICY } from '../oidc/registration.ts';
import type { Store } from '../store/store.ts';
import { ClientRegistry } from './registry.ts';
import { AdminService } from './service.ts';

/** The clients that come from configuration: the clients file, and the demo client when the demo is on. */
export function configuredClients(config: Config): ClientMetadata[] {
  return [...config.clients, ...(config.demo ? [demoClient(config.issuer)] : [])];
}

export interface Admin {
  service: AdminService;
  registry: ClientRegistry;
  audit: Audit;
}

/**
 * The admin side of one process, over the same provider and store the logins use: the client
 * registry (checked by the provider's own client validation), the signing keys, initial access
 * tokens when registration is on, and the audit trail. Clients that register themselves
 * (RFC 7591) are listed with the others, and deleting one (RFC 7592) revokes its grants too.
 */
export function createAdmin(deps: { config: Config; store: Store; log: Logger; provider: ProviderAccess; keys: SigningKeys }): Admin {
  const { config, store, log, provider, keys } = deps;
  const audit = auditLog(log);
  const adapters = withClientGrantIndex(adapterFactory(store, log), store);
  const registry = new ClientRegistry({
    store,
    configured: configuredClients(config),
    production: config.production,
    check: async (metadata) => {
      try {
        await provider.Client.validate(metadata);
        return undefined;
      } catch (err) {
        const { error_description: description, message } = err as Error & { error_description?: string };
        return `metadata: ${description ?? message}`;
      }
    },
    revokeGrants: (clientId) => revokeClientGrants(adapters, store, clientId),
  });
  const registration = config.env.REGISTRATION_ENABLED
    ? { issue: (ttlSeconds: number) => new provider.InitialAccessToken({ expiresIn: ttlSeconds, policies: [REGISTRATION_POLICY] }).save() }
    : undefined;

  if (registration) {
    const on = provider.on.bind(provider) as (event: string, listener: (ctx: KoaContextWithOIDC, client: { clientId: string }) => void) => void;
    const failed = (err: unknown) => log.error({ err }, 'could not record a dynamically registered client');
    on('registration_create.success', (ctx, client) => {
      audit({ event: 'registration.client.created', actor: 'registration', ip: ctx.ip, client_id: client.clientId });
      registry.track(client.clientId).catch(failed);
    });
    on('registration_update.success', (ctx, client) => {
      audit({ event: 'registration.client.updated', actor: `registration:${client.clientId}`, ip: ctx.ip, client_id: client.clientId });
    });
    on('registration_delete.success', (ctx, client) => {
      revokeClientGrants(adapters, store, client.clientId).then(
        (revoked) => audit({ event: 'registration.client.deleted', actor: `registration:${client.clientId}`, ip: ctx.ip, client_id: client.clientId, revoked_grants: revoked }),
        failed,
      );
    });
  }

  return { service: new AdminService({ registry, keys, audit, registration }), registry, audit };
}
