import { nanoid } from 'nanoid';
import { imageTypeOf, type ImageType } from '../image-type.ts';
import type { Accounts } from '../oidc/accounts.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

/** The image types an avatar may have, told by the file's first bytes (never by its name or label). */
export type AvatarType = ImageType;

export const AVATAR_ID = /^[A-Za-z0-9_-]{24}$/;

/** Uploads younger than this are kept even when unused: their login may still be confirming. */
const KEEP_UNUSED_MS = 60 * 60 * 1000;

/** An upload's type by its first bytes (the one image-type helper). */
export const sniffImageType: (bytes: Uint8Array) => AvatarType | undefined = imageTypeOf;

interface StoredAvatar {
  type: AvatarType;
  data: string;
}

/**
 * Avatars people upload in the mini-program, kept in the store so every process serves them. An
 * avatar's id never changes and its bytes never change, so its URL is stable and cacheable for ever.
 * Each account keeps its current picture plus the uploads of the last hour; older unused uploads
 * (a cancelled login, a second try) are removed at the account's next upload, so storage per
 * person stays bounded without a sweeper.
 */
export class Avatars {
  readonly #store: Store;
  readonly #accounts: Accounts;
  readonly #issuer: string;

  constructor(store: Store, accounts: Accounts, issuer: string) {
    this.#store = store;
    this.#accounts = accounts;
    this.#issuer = issuer.replace(/\/$/, '');
  }

  urlOf(id: string): string {
    return `${this.#issuer}/mp/avatar/${id}`;
  }

  /** Stores the image for the account and returns its URL. */
  async save(sub: string, type: AvatarType, bytes: Uint8Array): Promise<string> {
    const id = nanoid(24);
    await this.#store.set(storeKeys.avatar(id), JSON.stringify({ type, data: Buffer.from(bytes).toString('base64') } satisfies StoredAvatar));
    await this.#store.indexAdd(storeKeys.avatarsOf(sub), `${Date.now()}.${id}`);
    await this.#prune(sub, id);
    return this.urlOf(id);
  }

  async find(id: string): Promise<{ type: AvatarType; bytes: Buffer } | undefined> {
    if (!AVATAR_ID.test(id)) return undefined;
    const raw = await this.#store.get(storeKeys.avatar(id));
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as StoredAvatar;
    return { type: stored.type, bytes: Buffer.from(stored.data, 'base64') };
  }

  async #prune(sub: string, keep: string): Promise<void> {
    const picture = (await this.#accounts.find(sub))?.picture;
    const cutoff = Date.now() - KEEP_UNUSED_MS;
    for (const member of await this.#store.indexMembers(storeKeys.avatarsOf(sub))) {
      const dot = member.indexOf('.');
      const created = Number(member.slice(0, dot));
      const id = member.slice(dot + 1);
      if (id === keep || created > cutoff || this.urlOf(id) === picture) continue;
      await this.#store.delete(storeKeys.avatar(id));
      await this.#store.indexRemove(storeKeys.avatarsOf(sub), member);
    }
  }
}
