import type { Store } from '../store/store.ts';
import type { WeChat } from '../wechat/client.ts';
import type { LoginTicket } from './ticket.ts';

export type OpenLinkKind = 'url_link' | 'scheme' | 'off';

export interface WeChatLinkOptions {
  kind: OpenLinkKind;
  appid: string;
  page: string;
  envVersion: 'release' | 'trial' | 'develop';
}

/**
 * "Open WeChat to sign in" on a phone browser: a link that opens the mini-program's login page
 * with the ticket's `scene`, as scanning its code would. A URL Link costs a WeChat call (and a
 * share of a daily quota), so it is made only when someone taps, once per ticket, and kept in the
 * store for the ticket's life (concurrent taps in one process share one call); the plaintext
 * scheme needs no call at all.
 */
export class WeChatLinks {
  readonly #store: Store;
  readonly #wechat: WeChat;
  readonly #options: WeChatLinkOptions;
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(store: Store, wechat: WeChat, options: WeChatLinkOptions) {
    this.#store = store;
    this.#wechat = wechat;
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.kind !== 'off';
  }

  /** Whether the link leaves the page (an https link opens in a new tab so the login page keeps waiting). */
  get opensNewTab(): boolean {
    return this.#options.kind === 'url_link';
  }

  async link(ticket: LoginTicket): Promise<string> {
    const { kind, appid, page, envVersion } = this.#options;
    if (kind === 'scheme') {
      // WeChat's documented shape: the query is itself url-encoded inside the scheme's query.
      const query = new URLSearchParams({ appid, path: page, query: `scene=${ticket.scene}`, env_version: envVersion });
      return `weixin://dl/business/?${query}`;
    }
    const key = `wechat-link:${ticket.scene}`;
    const kept = await this.#store.get(key);
    if (kept) return kept;
    let pending = this.#inflight.get(ticket.scene);
    if (!pending) {
      pending = (async () => {
        const fresh = await this.#wechat.generateUrlLink(ticket.scene, ticket.expires_at);
        await this.#store.set(key, fresh, Math.max(1000, ticket.expires_at - Date.now() + 60_000));
        return fresh;
      })().finally(() => this.#inflight.delete(ticket.scene));
      this.#inflight.set(ticket.scene, pending);
    }
    return pending;
  }
}
