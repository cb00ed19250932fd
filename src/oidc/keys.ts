import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';
import type { JWK } from 'oidc-provider';
import type { Logger } from '../log.ts';
import { storeChannels, storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { updateWithRetry } from '../store/update.ts';

const SIGNING_KEYS = storeKeys.signingKeys;
const COOKIE_KEYS = storeKeys.cookieKeys;
/** Published after every change to the signing keys; every process re-reads them on it. */
const CHANNEL = storeChannels.signingKeys;
/** The algorithms saoma signs with: RS256 (the OIDC default) and ES256. One key of each signs. */
const ALGORITHMS = ['RS256', 'ES256'] as const;

/**
 * One signing key and its schedule. Every process derives the key's state from these times alone,
 * so they agree without talking to each other (up to their clocks):
 * - published from creation until `unpublish_at` (absent: until a successor replaces it);
 * - signs from `signs_from` until a newer key of its algorithm reaches its own `signs_from`.
 */
export interface SigningKey {
  jwk: JWK;
  created_at: number;
  signs_from: number;
  unpublish_at?: number;
}

interface StoredKeyring {
  version: 2;
  /**
   * Made once, when a keyring is first created, and kept by every rotation: a keyring with
   * another lineage than the one a process holds was created anew (the store lost its data).
   * Absent on keyrings written before it existed.
   */
  lineage?: string;
  keys: SigningKey[];
}

export type KeyState = 'next' | 'signing' | 'retiring';

export interface KeyStatus {
  kid: string;
  alg: string;
  state: KeyState;
  created_at: string;
  signs_from: string;
  unpublish_at: string | null;
}

export interface KeySchedule {
  /** How long a new key is only published before it signs (relying parties' JWKS caches). */
  activationDelayMs: number;
  /** How long a replaced key stays published after it stops signing (its tokens' lifetime). */
  retentionMs: number;
}

/**
 * The provider's signing keys, kept in the store under `keys:signing` and shared by every process.
 *
 * Rotation (`rotate`) adds one new key per algorithm that is published at once but signs only after
 * `activationDelayMs`, so relying parties that cache the JWKS have seen it before the first token
 * signed with it arrives; each key it replaces stays published for `retentionMs` after it stops
 * signing, so every token it signed can still be verified. Old keys are pruned at the next rotation.
 *
 * Every change is one compare-and-set of the whole keyring (concurrent rotations never lose a key),
 * followed by a publish; `follow` re-reads on that news, on a timer (in case news was missed) and at
 * each scheduled change of state, and hands the new key set to its listener.
 */
export class SigningKeys {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #schedule: KeySchedule;
  #raw: string;
  #ring: StoredKeyring;
  #installed = '';
  #listener: ((keys: JWK[]) => void) | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #interval: NodeJS.Timeout | undefined;
  #transition: NodeJS.Timeout | undefined;

  private constructor(store: Store, log: Logger, schedule: KeySchedule, raw: string) {
    this.#store = store;
    this.#log = log;
    this.#schedule = schedule;
    this.#raw = raw;
    this.#ring = parseKeyring(raw);
  }

  /**
   * Reads the keyring, creating it on first start. `create` is create-if-absent, so when several
   * processes start at once exactly one set wins and every process (and restart) serves it.
   */
  static async open(store: Store, log: Logger, schedule: KeySchedule): Promise<SigningKeys> {
    let raw = await store.get(SIGNING_KEYS);
    if (raw === undefined) {
      const now = Date.now();
      const ring: StoredKeyring = { version: 2, lineage: nanoid(12), keys: ALGORITHMS.map((alg) => ({ jwk: generate(alg), created_at: now, signs_from: now })) };
      await store.create(SIGNING_KEYS, JSON.stringify(ring));
      raw = await store.get(SIGNING_KEYS);
      if (raw === undefined) throw new Error('signing keys vanished from the store right after being created');
    }
    return new SigningKeys(store, log, schedule, raw);
  }

  /** The private keys to sign and verify with now: per algorithm the signing key first, then the other published ones. */
  current(now = Date.now()): JWK[] {
    return installable(this.#ring, now);
  }

  list(now = Date.now()): KeyStatus[] {
    return statuses(this.#ring, now);
  }

  /**
   * Adds the next key of each algorithm; it signs after `delayMs` (default: the configured
   * activation delay; 0 for an emergency). Returns the keys as they stand after the rotation.
   */
  async rotate(delayMs = this.#schedule.activationDelayMs): Promise<{ added: KeyStatus[]; keys: KeyStatus[] }> {
    // Made before the clock is read: an RSA key can take a second to make on a busy machine, and
    // the delay is promised from the rotation, not from before the keys existed. Made once, too,
    // not again on each lost compare-and-set.
    const fresh = new Map(ALGORITHMS.map((alg) => [alg, generate(alg)] as const));
    const { result } = await updateWithRetry(this.#store, SIGNING_KEYS, (raw) => {
      // A store that lost its data gets back the keys in hand, rotated.
      const now = Date.now();
      const next = rotated(parseKeyring(raw ?? this.#raw), now, delayMs, this.#schedule.retentionMs, fresh);
      const value = JSON.stringify(next.ring);
      return { result: { ...next, now, value }, next: value };
    }, { attempts: 10, exhausted: () => new Error('the signing keys kept changing during rotation; try again') });
    this.#raw = result.value;
    this.#ring = result.ring;
    await this.#store.publish(CHANNEL, 'rotated');
    this.#apply();
    const all = statuses(result.ring, result.now);
    return { added: all.filter((k) => result.added.includes(k.kid)), keys: all };
  }

  /**
   * Keeps this process's keys current: `listener` is called with the new key set whenever it
   * changes (a rotation anywhere, a key starting to sign, a key being unpublished).
   */
  async follow(listener: (keys: JWK[]) => void, refreshMs: number): Promise<void> {
    this.#listener = listener;
    this.#installed = signature(this.current());
    this.#unsubscribe = await this.#store.subscribe(CHANNEL, () => void this.refresh());
    this.#interval = setInterval(() => void this.refresh(), refreshMs);
    this.#interval.unref();
    // News published between our read at start and the subscription would be lost otherwise.
    await this.refresh();
    this.#scheduleTransition();
  }

  async stop(): Promise<void> {
    clearInterval(this.#interval);
    clearTimeout(this.#transition);
    this.#listener = undefined;
    await this.#unsubscribe?.();
  }

  /**
   * Re-reads the keyring (on news, on the refresh timer). A keyring that lacks keys this process
   * still publishes means the store lost data (Redis restarted empty, FLUSHALL): a rotation never
   * drops a published key. Rather than drift apart from a process started since (which made keys
   * of its own), this process puts its keys back, beside whatever the store holds now, and tells
   * the others; tokens signed with them, before or after the loss, keep verifying everywhere.
   */
  async refresh(): Promise<void> {
    try {
      const { result, written } = await updateWithRetry(this.#store, SIGNING_KEYS, (raw) => {
        if (raw === this.#raw) return { result: undefined };
        const stored = raw === undefined ? undefined : parseKeyring(raw);
        const missing = this.#missingFrom(stored);
        if (!missing.length) return { result: { raw: raw!, ring: stored!, missing } };
        const ring: StoredKeyring = stored
          ? { ...stored, keys: [...stored.keys, ...missing] }
          : { ...this.#ring, keys: missing };
        // Another process may write first (a rotation, or its own republish): then this is judged again.
        return { result: { raw: JSON.stringify(ring), ring, missing }, next: JSON.stringify(ring) };
      }, { attempts: 10, exhausted: () => new Error('the signing keys kept changing while being republished') });
      if (!result) return;
      if (written) this.#log.warn({ event: 'keys.republished', kids: result.missing.map((k) => String(k.jwk.kid)) }, 'signing keys were missing from the store; put back the ones this process holds');
      this.#adopt(result.raw, result.ring);
      if (written) await this.#store.publish(CHANNEL, 'republished');
    } catch (err) {
      // The store being away is not news: the keys in hand stay valid; the next tick retries.
      this.#log.warn({ err }, 'could not re-read the signing keys; keeping the current ones');
    }
  }

  /**
   * The keys this process still publishes that `stored` lacks, when `stored` is a keyring made
   * anew (nothing stored, or another lineage). Within one lineage a key is only ever dropped by a
   * rotation once it is unpublished, so nothing is put back: a retired key is never revived.
   */
  #missingFrom(stored: StoredKeyring | undefined): SigningKey[] {
    if (stored && stored.lineage === this.#ring.lineage) return [];
    const there = new Set(stored?.keys.map((k) => k.jwk.kid) ?? []);
    return published(this.#ring, Date.now()).filter((k) => !there.has(k.jwk.kid));
  }

  #adopt(raw: string, ring: StoredKeyring): void {
    this.#ring = ring;
    this.#raw = raw;
    this.#apply();
  }

  #apply(): void {
    const keys = this.current();
    const next = signature(keys);
    if (next !== this.#installed && this.#listener) {
      this.#installed = next;
      this.#listener(keys);
      this.#log.info({ event: 'keys.installed', signing: this.list().filter((k) => k.state === 'signing').map((k) => k.kid) }, 'signing keys changed in this process');
    }
    this.#scheduleTransition();
  }

  /** Wakes at the next moment a key starts signing or is unpublished. */
  #scheduleTransition(): void {
    if (!this.#listener) return;
    clearTimeout(this.#transition);
    const now = Date.now();
    const upcoming = this.#ring.keys.flatMap((k) => [k.signs_from, k.unpublish_at ?? Infinity]).filter((t) => t > now);
    if (!upcoming.length) return;
    // setTimeout cannot wait longer than ~24.8 days; the refresh timer covers anything beyond.
    const wait = Math.min(Math.min(...upcoming) - now + 5, 2 ** 31 - 1);
    this.#transition = setTimeout(() => this.#apply(), wait);
    this.#transition.unref();
  }
}

/** The schedule from configuration: retention defaults to the ID token lifetime plus five minutes. */
export function keySchedule(env: { KEY_ACTIVATION_DELAY_SECONDS: number; KEY_RETENTION_SECONDS?: number | undefined; ID_TOKEN_TTL_SECONDS: number }): KeySchedule {
  return {
    activationDelayMs: env.KEY_ACTIVATION_DELAY_SECONDS * 1000,
    retentionMs: (env.KEY_RETENTION_SECONDS ?? env.ID_TOKEN_TTL_SECONDS + 300) * 1000,
  };
}

function rotated(ring: StoredKeyring, now: number, delayMs: number, retentionMs: number, fresh: ReadonlyMap<string, JWK>): { ring: StoredKeyring; added: string[] } {
  const signsFrom = now + delayMs;
  const kept = ring.keys.filter((k) => k.unpublish_at === undefined || k.unpublish_at > now);
  const algorithms = [...new Set([...ALGORITHMS, ...kept.map((k) => String(k.jwk.alg))])];
  const added = algorithms.map((alg) => ({ jwk: fresh.get(alg) ?? generate(alg), created_at: now, signs_from: signsFrom }));
  // Every key still without an end stops signing when the new one starts; its tokens outlive that.
  const ended = kept.map((k) => (k.unpublish_at === undefined ? { ...k, unpublish_at: signsFrom + retentionMs } : k));
  return { ring: { ...ring, version: 2, keys: [...ended, ...added] }, added: added.map((k) => String(k.jwk.kid)) };
}

function published(ring: StoredKeyring, now: number): SigningKey[] {
  return ring.keys.filter((k) => k.unpublish_at === undefined || k.unpublish_at > now);
}

/** Per algorithm, the published key with the latest `signs_from` that has passed. */
function signingKeys(ring: StoredKeyring, now: number): Map<string, SigningKey> {
  const signing = new Map<string, SigningKey>();
  for (const key of published(ring, now)) {
    if (key.signs_from > now) continue;
    const alg = String(key.jwk.alg);
    const best = signing.get(alg);
    if (!best || key.signs_from > best.signs_from || (key.signs_from === best.signs_from && key.created_at > best.created_at)) signing.set(alg, key);
  }
  return signing;
}

function installable(ring: StoredKeyring, now: number): JWK[] {
  const signing = [...signingKeys(ring, now).values()];
  // oidc-provider signs with the first key that fits the algorithm, so the signing keys go first.
  const rest = published(ring, now).filter((k) => !signing.includes(k));
  return [...signing, ...rest].map((k) => k.jwk);
}

function statuses(ring: StoredKeyring, now: number): KeyStatus[] {
  const signing = new Set(signingKeys(ring, now).values());
  return published(ring, now).map((k) => ({
    kid: String(k.jwk.kid),
    alg: String(k.jwk.alg),
    state: signing.has(k) ? 'signing' : k.signs_from > now ? 'next' : 'retiring',
    created_at: new Date(k.created_at).toISOString(),
    signs_from: new Date(k.signs_from).toISOString(),
    unpublish_at: k.unpublish_at === undefined ? null : new Date(k.unpublish_at).toISOString(),
  }));
}

function signature(keys: JWK[]): string {
  return keys.map((k) => k.kid).join(',');
}

function generate(alg: string): JWK {
  const { privateKey } = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : (() => { throw new Error(`saoma does not generate ${alg} keys`); })();
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: nanoid(16), use: 'sig', alg };
}

/** Reads the stored keyring; the first version (`{keys: JWK[]}`, all signing) is read as signing since forever. */
function parseKeyring(raw: string): StoredKeyring {
  const parsed = JSON.parse(raw) as Partial<StoredKeyring> & { keys?: unknown[] };
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new Error(`stored signing keys (${SIGNING_KEYS}) are not what saoma wrote`);
  }
  if (parsed.version === 2) return parsed as StoredKeyring;
  return { version: 2, keys: (parsed.keys as JWK[]).map((jwk) => ({ jwk, created_at: 0, signs_from: 0 })) };
}

/**
 * Cookie signing keys: from configuration when given (required in production); otherwise
 * generated once and kept in the store so that restarts and other processes accept the cookies.
 */
export async function loadCookieKeys(store: Store, configured: string[] | undefined): Promise<string[]> {
  if (configured?.length) return configured;
  await store.create(COOKIE_KEYS, JSON.stringify([randomBytes(32).toString('base64url')]));
  const keys: unknown = JSON.parse((await store.get(COOKIE_KEYS)) ?? '[]');
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
    throw new Error(`stored cookie keys (${COOKIE_KEYS}) are not what saoma wrote; delete the key to regenerate`);
  }
  return keys;
}
