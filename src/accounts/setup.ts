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
 * The account service over the store and provider one process uses. A server (`serving`) also
 * records usage from the provider's events and sends logout tokens in the background; the
 * command line, which exits when done, sends them before it returns instead.
 */
export function createAccountService(deps: { store: Store; log: Logger; accounts: Accounts; provider: Provider; audit: Audit; serving: boolean }): AccountService {
  const { store, log, provider } = deps;
  if (deps.serving) {
    recordUsage(provider, store, log);
    deliverLogoutsInBackground(provider, log);
  }
  const adapters = withAccountIndex(withClientGrantIndex(adapterFactory(store, log), store), store);
  return new AccountService({ store, accounts: deps.accounts, holdings: new AccountHoldings(store, adapters), provider: () => provider, audit: deps.audit });
}
