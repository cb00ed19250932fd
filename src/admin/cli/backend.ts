import { hostname, userInfo } from 'node:os';
import type { KeyStatus } from '../../oidc/keys.ts';
import type { ClientView, WithSecret } from '../registry.ts';
import type { AccountsBackend } from './accounts.ts';

/** What the command line can do, whichever way it reaches the deployment. */
export interface Backend {
  listClients(): Promise<ClientView[]>;
  getClient(id: string): Promise<ClientView>;
  createClient(input: Record<string, unknown>): Promise<WithSecret>;
  updateClient(id: string, patch: Record<string, unknown>): Promise<WithSecret>;
  removeClient(id: string): Promise<{ client_id: string; revoked_grants: number }>;
  rotateClientSecret(id: string): Promise<WithSecret>;
  listKeys(): Promise<KeyStatus[]>;
  rotateKeys(delaySeconds?: number): Promise<{ added: KeyStatus[]; keys: KeyStatus[] }>;
  registrationToken(ttlSeconds?: number): Promise<{ initial_access_token: string; expires_at: number }>;
  /** People's accounts (issue 13). */
  accounts: AccountsBackend;
  close(): Promise<void>;
}

/** A refusal the person at the keyboard can act on: the server's code, its words, and each problem. */
export class Refused extends Error {
  readonly code: string;
  readonly problems: string[];

  constructor(code: string, description: string, problems: string[] = []) {
    super(description);
    this.name = 'Refused';
    this.code = code;
    this.problems = problems;
  }
}

/** Who is at the keyboard, for the audit trail: `user@host`. */
export function operator(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the host alone still says something
  }
  return `${user}@${hostname()}`;
}
