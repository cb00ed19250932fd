import type Provider from 'oidc-provider';
import type { Audit, Logger } from '../log.ts';
import type { Accounts } from '../oidc/accounts.ts';
import { adapterFactory } from '../oidc/adapter.ts';
import { withClientGrantIndex } from '../oidc/client-grants.ts';
import type { Store } from '../store/store.ts';
import { withAccountIndex } from './account-index.ts';
import { deliverLogoutsInBackground } from './backchannel.ts';
import { AccountHoldings } from './holdings.ts';
import { AccountService } from './service.ts';
import { recordUsage } from './usage.ts';

/**
 * The account features' hooks on one serving Provider instance: usage marks from its events and
 * logout tokens sent in the background. Call it for every instance that serves requests (a new
 * one built after a key rotation too). The rest of issue 13's provider side is in its
 * configuration (oidc/provider.ts: the account-indexed adapter, backchannelLogout, `fetch`, and
 * findAccount refusing a blocked account), so every instance createProvider builds has it.
 * The command line, which exits when done, sends logout tokens before it returns instead.
 */
export function accountHooks(provider: Provider, store: Store, log: Logger): void {
  recordUsage(provider, store, log);
  deliverLogoutsInBackground(provider, log);
}

/** The account service over the store; `provider` answers the instance serving now. */
export function createAccountService(deps: { store: Store; log: Logger; accounts: Accounts; provider: () => Provider; audit: Audit }): AccountService {
  const { store, log } = deps;
  const adapters = withAccountIndex(withClientGrantIndex(adapterFactory(store, log), store), store);
  return new AccountService({ store, accounts: deps.accounts, holdings: new AccountHoldings(store, adapters), provider: deps.provider, audit: deps.audit });
}
