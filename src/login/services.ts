import type Provider from 'oidc-provider';
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { Accounts } from '../oidc/accounts.ts';
import type { Store } from '../store/store.ts';
import type { WeChat } from '../wechat/client.ts';
import type { PhoneBudget } from './budget.ts';
import type { MiniProgramCodes } from './mini-program-codes.ts';
import type { Tickets } from './tickets.ts';

/** What the login routes need, built once by the app. */
export interface LoginServices {
  config: Config;
  store: Store;
  log: Logger;
  provider: Provider;
  tickets: Tickets;
  accounts: Accounts;
  wechat: WeChat;
  /** The mini-program code image of each ticket. */
  codes: MiniProgramCodes;
  /** The monthly cap on phone numbers (PHONE_MONTHLY_CAP). */
  phones: PhoneBudget;
}
