import { Refused, operator, type Backend } from './backend.ts';
import { apiAccounts } from './accounts.ts';

/**
 * The command line through the admin API: `base` is the API's root (e.g.
 * `http://127.0.0.1:3001/admin`), `token` the ADMIN_TOKEN. Every request names the operator
 * (`X-Saoma-Actor: user@host`) so the server's audit trail says who, not only which token.
 */
export function apiBackend(base: string, token: string): Backend {
  const root = base.replace(/\/$/, '');
  const actor = operator();

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'x-saoma-actor': actor, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new Refused('unreachable', `Cannot reach the admin API at ${root}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const code = typeof json?.error === 'string' ? json.error : `http_${res.status}`;
      const description = typeof json?.error_description === 'string' ? json.error_description : `The admin API answered ${res.status}.`;
      throw new Refused(code, description, Array.isArray(json?.problems) ? (json.problems as string[]) : []);
    }
    if (!json) throw new Refused('bad_response', `The admin API answered ${res.status} without JSON; is ${root} the admin API's address (ADMIN_PATH included)?`);
    return json as T;
  }

  const client = (id: string) => `/clients/${encodeURIComponent(id)}`;
  return {
    listClients: async () => (await call<{ clients: never }>('GET', '/clients')).clients,
    getClient: async (id) => (await call<{ client: never }>('GET', client(id))).client,
    createClient: (input) => call('POST', '/clients', input),
    updateClient: (id, patch) => call('PATCH', client(id), patch),
    removeClient: (id) => call('DELETE', client(id)),
    rotateClientSecret: (id) => call('POST', `${client(id)}/secret`),
    listKeys: async () => (await call<{ keys: never }>('GET', '/keys')).keys,
    rotateKeys: (delaySeconds) => call('POST', '/keys/rotate', delaySeconds === undefined ? {} : { delay_seconds: delaySeconds }),
    registrationToken: (ttlSeconds) => call('POST', '/registration-tokens', ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds }),
    accounts: apiAccounts(call),
    close: async () => {},
  };
}
