import type { Logger } from '../log.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import type { WeChat } from '../wechat/client.ts';
import { WeChatApiError } from '../wechat/errors.ts';
import { SingleFlight } from './single-flight.ts';
import type { LoginTicket } from './ticket.ts';

export type OpenLinkKind = 'url_link' | 'scheme' | 'off';

export interface WeChatLinkOptions {
  kind: OpenLinkKind;
  appid: string;
  page: string;
  envVersion: 'release' | 'trial' | 'develop';
  log: Logger;
}

/**
 * WeChat's answers to generate_urllink that mean "this mini-program may never make links": 40002
 * for individual (个人主体) mini-programs, 48001 for an API the account was not granted.
 */
const REFUSED_FOR_GOOD: ReadonlySet<number> = new Set([40002, 48001]);

/** How long this process takes the store's "not refused" as still true when drawing the button. */
const NOT_REFUSED_KEPT_MS = 10_000;

/**
 * "Open WeChat to sign in" on a phone browser: a link that opens the mini-program's login page
 * with the ticket's `scene`, as scanning its code would. A URL Link costs a WeChat call (and a
 * share of a daily quota), so it is made only when someone taps, once per ticket, and kept in the
 * store for the ticket's life (concurrent taps in one process share one call); the plaintext
 * scheme needs no call at all.
 *
 * When WeChat refuses links for good (an individual mini-program), that is remembered for the
 * whole deployment in the store, without expiry and keyed by the AppID: every process hides the
 * button from then on (within NOT_REFUSED_KEPT_MS), and the one that learned it logs one warning
 * naming the setting.
 */
export class WeChatLinks {
  readonly #store: Store;
  readonly #wechat: WeChat;
  readonly #options: WeChatLinkOptions;
  readonly #fetches = new SingleFlight<string | undefined>();
  /**
   * What this process knows of WeChat's refusal, so a page view does not ask the store each time.
   * `#refused`: seen once, kept for the process's life, as the store keeps it (no expiry; only an
   * operator deletes it, and a restart follows). `#notRefusedUntil`: the store said "not refused"
   * and the login page trusts that until then (NOT_REFUSED_KEPT_MS): a refusal another process
   * learns meanwhile hides the button here at most that much later. A tap on it in between asks
   * the store afresh before any WeChat call (`link`), so no call is spent and the page comes back
   * without the button: nobody meets the dead button twice. Two fields: nothing to bound.
   */
  #refused = false;
  #notRefusedUntil = 0;

  constructor(store: Store, wechat: WeChat, options: WeChatLinkOptions) {
    this.#store = store;
    this.#wechat = wechat;
    this.#options = options;
  }

  /** The store key remembering that WeChat refuses this mini-program URL Links. */
  get refusedKey(): string {
    return storeKeys.wechatLinksRefused(this.#options.appid);
  }

  /** Whether the configuration asks for the button at all (the route exists). */
  get enabled(): boolean {
    return this.#options.kind !== 'off';
  }

  /** Whether the link leaves the page (an https link opens in a new tab so the login page keeps waiting). */
  get opensNewTab(): boolean {
    return this.#options.kind === 'url_link';
  }

  /** Whether the login page shows the button: configured, and WeChat has not refused links to this deployment. */
  async available(): Promise<boolean> {
    if (this.#options.kind !== 'url_link') return this.enabled;
    if (!this.#refused && Date.now() < this.#notRefusedUntil) return true;
    return !(await this.#knownRefused());
  }

  /** The link for this ticket, or undefined when WeChat refuses links to this mini-program (show the code instead). */
  async link(ticket: LoginTicket): Promise<string | undefined> {
    const { kind, appid, page, envVersion } = this.#options;
    if (kind === 'scheme') {
      // WeChat's documented shape: the query is itself url-encoded inside the scheme's query.
      const query = new URLSearchParams({ appid, path: page, query: `scene=${ticket.scene}`, env_version: envVersion });
      return `weixin://dl/business/?${query}`;
    }
    const key = storeKeys.wechatLink(ticket.scene);
    const kept = await this.#store.get(key);
    if (kept) return kept;
    if (await this.#knownRefused()) return undefined;
    return this.#fetches.run(ticket.scene, () => this.#make(ticket, key));
  }

  async #make(ticket: LoginTicket, key: string): Promise<string | undefined> {
    let fresh: string;
    try {
      fresh = await this.#wechat.generateUrlLink(ticket.scene, ticket.expires_at);
    } catch (err) {
      if (err instanceof WeChatApiError && typeof err.errcode === 'number' && REFUSED_FOR_GOOD.has(err.errcode)) {
        await this.#rememberRefusal(err.errcode);
        return undefined;
      }
      throw err;
    }
    await this.#store.set(key, fresh, Math.max(1000, ticket.expires_at - Date.now() + 60_000));
    return fresh;
  }

  /** Whether WeChat refuses links, asking the store unless a refusal is already known here. */
  async #knownRefused(): Promise<boolean> {
    if (this.#refused) return true;
    const asked = Date.now();
    if ((await this.#store.get(this.refusedKey)) !== undefined) this.#refused = true;
    else this.#notRefusedUntil = asked + NOT_REFUSED_KEPT_MS;
    return this.#refused;
  }

  async #rememberRefusal(errcode: number): Promise<void> {
    this.#refused = true;
    // Only the process that writes the key first warns: one warning for the deployment.
    if (await this.#store.create(this.refusedKey, String(errcode))) {
      this.#options.log.warn(
        { event: 'wechat_link.refused', errcode, setting: 'WECHAT_OPEN_LINK=off', store_key: this.refusedKey },
        `WeChat refuses URL Links to this mini-program (errcode ${errcode}: an individual mini-program cannot be opened from a phone browser). The "Open WeChat to sign in" button is hidden for this deployment from now on; set WECHAT_OPEN_LINK=off to say so in the configuration (and delete the store key ${this.refusedKey} if the mini-program later gains URL Links).`,
      );
    }
  }
}
