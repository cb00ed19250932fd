import { loadConfig } from '../../config/load.ts';
import { isSaomaError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { Accounts } from '../../oidc/accounts.ts';
import { SigningKeys, keySchedule, loadCookieKeys } from '../../oidc/keys.ts';
import { createProvider } from '../../oidc/provider.ts';
import { openStore } from '../../store/open.ts';
import { ClientMetadataError } from '../registry.ts';
import { configuredClients, createAdmin } from '../setup.ts';
import type { Actor } from '../service.ts';
import { Refused, operator, type Backend } from './backend.ts';
import { storeAccounts } from './accounts.ts';
import { createAccountService } from '../../accounts/setup.ts';

/**
 * The command line straight on the store, configured by the same environment as the servers
 * (REDIS_URL…, REDIS_KEY_PREFIX, CLIENTS_FILE, ISSUER, the key schedule). It builds the same
 * admin service the API uses, so the checks and effects are the same; the running servers see
 * a client change at once and a key rotation within moments (it is published on the store).
 * Audit lines go to this command's stderr, as JSON.
 */
export async function storeBackend(environment: NodeJS.ProcessEnv): Promise<Backend> {
  const config = loadConfig(environment);
  if (config.store.kind === 'memory') {
    throw new Refused('no_store', 'No REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) is set: the in-memory store lives inside the server process. Set the same Redis variables as the server, or use --api with the admin API.');
  }
  const log = createLogger(environment.LOG_LEVEL ?? 'info', process.stderr);
  const store = await openStore(config.store, { keyPrefix: config.env.REDIS_KEY_PREFIX, commandTimeoutMs: config.env.REDIS_COMMAND_TIMEOUT_MS, log });
  try {
    const keys = await SigningKeys.open(store, log, keySchedule(config.env));
    const accounts = new Accounts(store);
    const provider = await createProvider({
      config,
      store,
      log,
      accounts,
      cookieKeys: await loadCookieKeys(store, config.env.COOKIE_KEYS),
      clients: configuredClients(config),
      signingKeys: keys.current(),
    });
    const { service, audit } = createAdmin({ config, store, log, provider, keys });
    const who: Actor = { actor: `cli:${operator()}`, ip: 'local' };
    return {
      listClients: () => refusals(service.listClients()),
      getClient: (id) => refusals(service.getClient(id)),
      createClient: (input) => refusals(service.createClient(input, who)),
      updateClient: (id, patch) => refusals(service.updateClient(id, patch, who)),
      removeClient: (id) => refusals(service.removeClient(id, who)),
      rotateClientSecret: (id) => refusals(service.rotateClientSecret(id, who)),
      listKeys: async () => service.listKeys(),
      rotateKeys: (delaySeconds) => refusals(service.rotateKeys(who, delaySeconds)),
      registrationToken: (ttlSeconds) => refusals(service.createRegistrationToken(who, ttlSeconds ?? 7 * 24 * 3600)),
      accounts: storeAccounts(createAccountService({ store, log, accounts, provider: () => provider, audit }), who, refusals),
      close: () => store.close(),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function refusals<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ClientMetadataError) throw new Refused(err.code, err.description, err.problems);
    if (isSaomaError(err)) throw new Refused(err.code, err.description);
    throw err;
  }
}
