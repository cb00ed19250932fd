import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import type { WeChat } from '../wechat/client.ts';
import type { LoginTicket } from './ticket.ts';

export interface CodeImage {
  contentType: string;
  image: Buffer;
}

/**
 * The code image of each ticket, fetched from WeChat once and kept in the store for the ticket's
 * life: reloads, other tabs and other processes read the kept copy. Concurrent first requests in
 * one process share one WeChat call.
 */
export class QrCodes {
  readonly #store: Store;
  readonly #wechat: WeChat;
  readonly #inflight = new Map<string, Promise<CodeImage>>();

  constructor(store: Store, wechat: WeChat, _log: Logger) {
    this.#store = store;
    this.#wechat = wechat;
  }

  async image(ticket: LoginTicket): Promise<CodeImage> {
    const key = `qrcode:${ticket.scene}`;
    const kept = await this.#store.get(key);
    if (kept) {
      const parsed = parse(kept);
      if (parsed) return parsed;
    }
    let pending = this.#inflight.get(ticket.scene);
    if (!pending) {
      pending = (async () => {
        const fresh = await this.#wechat.createCode(ticket.scene);
        const ttlMs = Math.max(1000, ticket.expires_at - Date.now() + 60_000);
        await this.#store.set(key, JSON.stringify({ contentType: fresh.contentType, image: fresh.image.toString('base64') }), ttlMs);
        return fresh;
      })().finally(() => this.#inflight.delete(ticket.scene));
      this.#inflight.set(ticket.scene, pending);
    }
    return pending;
  }
}

function parse(raw: string): CodeImage | undefined {
  try {
    const value = JSON.parse(raw) as { contentType?: unknown; image?: unknown };
    if (typeof value.contentType === 'string' && typeof value.image === 'string') {
      return { contentType: value.contentType, image: Buffer.from(value.image, 'base64') };
    }
  } catch {
    // a damaged copy is fetched again
  }
  return undefined;
}
