import { parseArgs } from 'node:util';
import { ConfigError } from '../../config/load.ts';
import type { KeyStatus } from '../../oidc/keys.ts';
import type { ClientView, WithSecret } from '../registry.ts';
import { apiBackend } from './api-backend.ts';
import { Refused, type Backend } from './backend.ts';
import { doctorCommand } from './doctor.ts';
import { CLIENTS_HELP, DOCTOR_HELP, KEYS_HELP, MAIN_HELP, REGISTRATION_HELP } from './help.ts';
import { storeBackend } from './store-backend.ts';
import { ACCOUNTS_HELP, accountsCommand } from './accounts.ts';

const OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'logo-uri': { type: 'string' },
  'client-uri': { type: 'string' },
  'auth-method': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'grant-type': { type: 'string', multiple: true },
  scope: { type: 'string' },
  'application-type': { type: 'string' },
  'first-party': { type: 'boolean' },
  'no-first-party': { type: 'boolean' },
  pkce: { type: 'boolean' },
  'no-pkce': { type: 'boolean' },
  'id-token-profile-claims': { type: 'boolean' },
  'no-id-token-profile-claims': { type: 'boolean' },
  id: { type: 'string' },
  clear: { type: 'string', multiple: true },
  delay: { type: 'string' },
  ttl: { type: 'string' },
  // saoma accounts (src/admin/cli/accounts.ts)
  limit: { type: 'string' },
  after: { type: 'string' },
  sub: { type: 'string' },
  phone: { type: 'string' },
  nickname: { type: 'string' },
  'backchannel-logout-uri': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

class Usage extends Error {}

/** How an option is written: `-h`, or `--lower-case-words` (with or without `=value`). */
const OPTION_SHAPE = /^(-[a-zA-Z]|--[a-z][a-z-]*(=.*)?)$/s;

/**
 * argv with every positional moved after `--`, in order. A random sub or client_id can begin with
 * "-" (nanoid's alphabet has it), and parseArgs would read `saoma accounts show -oAb…` as option
 * `-o`; an argument that is not shaped like an option is an id, wherever it stands. A mistyped
 * option (`--jsno`) keeps its shape and is still refused by name.
 */
function idsAfterDoubleDash(argv: string[]): string[] {
  const options: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || !OPTION_SHAPE.test(arg)) {
      positionals.push(arg);
      continue;
    }
    options.push(arg);
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const takesValue = name !== undefined && (OPTIONS as Record<string, { type: string }>)[name]?.type === 'string';
    if (takesValue && i + 1 < argv.length) options.push(argv[++i]!);
  }
  return [...options, '--', ...positionals];
}

/** Runs one command; resolves with the exit status (0 done, 1 refused, 2 wrong usage). */
export async function run(argv: string[], io: Io): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: idsAfterDoubleDash(argv), options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.err(`${(err as Error).message}\nRun saoma --help for the commands and options.\n`);
    return 2;
  }
  const [group, command, target] = positionals;
  const help = helpFor(group);
  if (values.help || !group) {
    io.out(help);
    return values.help ? 0 : 2;
  }
  if (group === 'doctor') {
    const extra = Object.keys(values).filter((option) => option !== 'json');
    if (positionals.length > 1 || extra.length) {
      io.err(`Usage: saoma doctor [--json]${extra.length ? ` (${extra.map((o) => `--${o}`).join(', ')} is not a doctor option)` : ''}\n\n${DOCTOR_HELP}`);
      return 2;
    }
    return doctorCommand(values.json === true, io);
  }

  let backend: Backend | undefined;
  try {
    const work = command_(group, command, target, values, positionals.length);
    const api = values.api ?? io.env.SAOMA_ADMIN_URL;
    if (api) {
      const token = values.token ?? io.env.SAOMA_ADMIN_TOKEN;
      if (!token) throw new Usage('--api needs the admin token: set SAOMA_ADMIN_TOKEN (or pass --token).');
      backend = apiBackend(api, token);
    } else {
      backend = await storeBackend(io.env);
    }
    const result = await work(backend);
    io.out(values.json ? `${JSON.stringify(result.json, null, 2)}\n` : result.text);
    return 0;
  } catch (err) {
    if (err instanceof Usage) {
      io.err(`${err.message}\n\n${help}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (err instanceof Refused) {
      if (values.json) io.out(`${JSON.stringify({ error: err.code, error_description: err.message, ...(err.problems.length ? { problems: err.problems } : {}) }, null, 2)}\n`);
      io.err(`Refused (${err.code}): ${err.message}\n${err.problems.map((p) => `  - ${p}\n`).join('')}`);
      return 1;
    }
    throw err;
  } finally {
    await backend?.close();
  }
}

interface Result {
  json: unknown;
  text: string;
}

type Work = (backend: Backend) => Promise<Result>;

/** One command: its usage line, how many positionals it takes (group and command included), its work. */
interface Command {
  usage: string;
  positionals: number;
  /** Checks the options (throwing `Usage`) and returns the work to do. */
  prepare(values: Values, target: string): Work;
}

function command(usage: string, positionals: number, prepare: Command['prepare']): Command {
  return { usage, positionals, prepare };
}

const CLIENT_COMMANDS: Record<string, Command> = {
  list: command('saoma clients list', 2, () => async (b) => clientList(await b.listClients())),
  show: command('saoma clients show <client_id>', 3, (_values, id) => async (b) => {
    const client = await b.getClient(id);
    return { json: { client }, text: describe(client) };
  }),
  add: command('saoma clients add --name <name> --redirect-uri <uri> [options]', 2, (values) => {
    if (values.clear) throw new Usage('--clear is for update.');
    const fields = clientFields(values, true);
    return async (b) => secretResult('Created', await b.createClient(fields));
  }),
  update: command('saoma clients update <client_id> [options]', 3, (values, id) => {
    if (values.id) throw new Usage('--id is for add; a client_id cannot be changed.');
    const patch = clientFields(values, false);
    if (!Object.keys(patch).length) throw new Usage('Nothing to update: give at least one option (saoma clients --help).');
    return async (b) => secretResult('Updated', await b.updateClient(id, patch));
  }),
  secret: command('saoma clients secret <client_id>', 3, (_values, id) => async (b) => secretResult('New secret for', await b.rotateClientSecret(id))),
  remove: command('saoma clients remove <client_id>', 3, (_values, id) => async (b) => {
    const removed = await b.removeClient(id);
    return { json: removed, text: `Removed ${removed.client_id}; revoked ${removed.revoked_grants} grant(s) and their tokens.\n` };
  }),
};

const KEY_COMMANDS: Record<string, Command> = {
  list: command('saoma keys list', 2, () => async (b) => keyList(await b.listKeys())),
  rotate: command('saoma keys rotate [--delay <seconds>]', 2, (values) => rotation(wholeNumber(values.delay, '--delay'))),
};

const REGISTRATION_COMMANDS: Record<string, Command> = {
  token: command('saoma registration token [--ttl <seconds>]', 2, (values) => registrationToken(wholeNumber(values.ttl, '--ttl'))),
};

function clientList(clients: ClientView[]): Result {
  return { json: { clients }, text: clients.length ? clients.map(line).join('\n') + '\n' : 'No clients yet. Add one with: saoma clients add --help\n' };
}

function keyList(keys: KeyStatus[]): Result {
  return { json: { keys }, text: keyTable(keys) };
}

function rotation(delaySeconds: number | undefined): Work {
  return async (b) => {
    const rotated = await b.rotateKeys(delaySeconds);
    const when = rotated.added[0]?.signs_from;
    return { json: rotated, text: `Added ${rotated.added.map((k) => `${k.kid} (${k.alg})`).join(', ')}: published now, signing from ${when}.\n\n${keyTable(rotated.keys)}` };
  };
}

function registrationToken(ttlSeconds: number | undefined): Work {
  return async (b) => {
    const token = await b.registrationToken(ttlSeconds);
    return { json: token, text: `Initial access token (valid until ${new Date(token.expires_at * 1000).toISOString()}; shown once):\n  ${token.initial_access_token}\n` };
  };
}

const GROUPS: Record<string, Record<string, Command>> = { clients: CLIENT_COMMANDS, keys: KEY_COMMANDS, registration: REGISTRATION_COMMANDS };

/** Checks the command and its arguments before anything is opened; returns the work to do. */
function command_(group: string, command: string | undefined, target: string | undefined, values: Values, count: number): Work {
  if (group === 'accounts') {
    // People's accounts check their own commands (admin/cli/accounts.ts) and reach the deployment through b.accounts.
    const work = accountsCommand(command, target, count, values, (message) => new Usage(message));
    return async (b) => work(b.accounts);
  }
  const commands = Object.hasOwn(GROUPS, group) ? GROUPS[group]! : undefined;
  if (!commands) throw new Usage(`Unknown command: ${group}`);
  const chosen = command !== undefined && Object.hasOwn(commands, command) ? commands[command]! : undefined;
  if (!chosen) throw new Usage(command ? `Unknown command: ${group} ${command}` : `Which ${group} command?`);
  if (count !== chosen.positionals) throw new Usage(`Usage: ${chosen.usage}`);
  return chosen.prepare(values, target!);
}

function helpFor(group: string | undefined): string {
  return group === 'accounts' ? ACCOUNTS_HELP : group === 'clients' ? CLIENTS_HELP : group === 'keys' ? KEYS_HELP : group === 'registration' ? REGISTRATION_HELP : group === 'doctor' ? DOCTOR_HELP : MAIN_HELP;
}

/** The options as client metadata: only those given; `--clear` sets a field to null (removes it). */
function clientFields(values: Values, creating: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const set = (name: string, value: unknown) => {
    if (value !== undefined) fields[name] = value;
  };
  set('client_id', values.id);
  set('client_name', values.name);
  set('redirect_uris', values['redirect-uri']);
  set('post_logout_redirect_uris', values['post-logout-redirect-uri']);
  set('logo_uri', values['logo-uri']);
  set('client_uri', values['client-uri']);
  set('token_endpoint_auth_method', values['auth-method']);
  set('jwks_uri', values['jwks-uri']);
  set('backchannel_logout_uri', values['backchannel-logout-uri']);
  set('grant_types', values['grant-type']);
  set('scope', values.scope);
  set('application_type', values['application-type']);
  if (values['first-party'] && values['no-first-party']) throw new Usage('Give --first-party or --no-first-party, not both.');
  if (values['first-party']) fields.first_party = true;
  if (values['no-first-party']) fields.first_party = false;
  if (values.pkce && values['no-pkce']) throw new Usage('Give --pkce or --no-pkce, not both.');
  if (values.pkce) fields.require_pkce = true;
  if (values['no-pkce']) fields.require_pkce = false;
  if (values['id-token-profile-claims'] && values['no-id-token-profile-claims']) throw new Usage('Give --id-token-profile-claims or --no-id-token-profile-claims, not both.');
  if (values['id-token-profile-claims']) fields.id_token_profile_claims = true;
  if (values['no-id-token-profile-claims']) fields.id_token_profile_claims = false;
  if (!creating) for (const field of values.clear ?? []) fields[field] = null;
  return fields;
}

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Usage(`${flag} must be a whole number of seconds.`);
  return Number(value);
}

function secretResult(verb: string, result: WithSecret): Result {
  const secret = result.client_secret
    ? `\n  client_secret: ${result.client_secret}\n  (shown once: store it in the website's configuration now; saoma will not show it again)\n`
    : '';
  return { json: result, text: `${verb} ${result.client.client_id}.\n${describe(result.client)}${secret}` };
}

function line(client: ClientView): string {
  const flags = [client.source === 'config' ? 'read-only' : '', client.first_party ? 'first-party' : ''].filter(Boolean).join(', ');
  return `${client.client_id}\t${client.client_name ?? ''}\t${client.token_endpoint_auth_method}${flags ? `\t(${flags})` : ''}`;
}

function describe(client: ClientView): string {
  const rows: Array<[string, unknown]> = [
    ['client_id', client.client_id],
    ['client_name', client.client_name],
    ['source', client.source === 'config' ? 'config (the clients file; read-only)' : 'store'],
    ['auth method', client.token_endpoint_auth_method],
    ['application type', client.application_type],
    ['first party', client.first_party ? 'yes (no web consent page)' : 'no'],
    ['PKCE', client.require_pkce ? 'required' : 'optional (nonce required without it)'],
    ['ID token claims', client.id_token_profile_claims === null ? 'deployment default' : client.id_token_profile_claims ? 'profile' : 'sub only'],
    ['grant types', client.grant_types.join(' ')],
    ['scope', client.scope ?? '(any)'],
    ['redirect_uris', client.redirect_uris.join('\n                    ')],
    ['post-logout', client.post_logout_redirect_uris.join('\n                    ') || '(none)'],
    ['logo_uri', client.logo_uri ?? '(none)'],
    ['client_uri', client.client_uri ?? '(none)'],
  ];
  if (client.jwks_uri) rows.push(['jwks_uri', client.jwks_uri]);
  if (client.backchannel_logout_uri) rows.push(['back-channel', client.backchannel_logout_uri]);
  return rows.map(([k, v]) => `  ${k.padEnd(17)} ${String(v)}`).join('\n') + '\n';
}

function keyTable(keys: KeyStatus[]): string {
  const rows = keys.map((k) => `  ${k.kid.padEnd(18)} ${k.alg.padEnd(6)} ${k.state.padEnd(9)} signs from ${k.signs_from}${k.unpublish_at ? `, unpublished at ${k.unpublish_at}` : ''}`);
  return `${rows.join('\n')}\n`;
}
