import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';
import type { Logger } from '../log.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
// oidc-provider's events pass different arguments each; a listener names the ones it reads.
type Listener = (...args: any[]) => void;

/** What the admin side uses of the provider: client validation, initial access tokens, events. */
export interface ProviderAccess {
  readonly Client: Provider['Client'];
  readonly InitialAccessToken: Provider['InitialAccessToken'];
  on(event: string, listener: Listener): unknown;
}

/**
 * The provider that serves now, replaced whole when the signing keys change.
 *
 * oidc-provider reads `jwks` once, at construction, and has no public way to change it afterwards.
 * So a new key set builds a new provider (`build`: oidc-provider checks the keys as it does at
 * start, and serves their public halves itself) and swaps it in behind `handler` in one
 * assignment: a request already inside the old provider finishes there, the next one reaches the
 * new one. Everything else a provider serves from (clients, grants, sessions, interactions,
 * replay marks) lives in the store, and every instance has the same cookie keys, so the old and
 * the new answer alike. Whatever saoma adds to a provider (routes, middleware) `build` adds to
 * each; listeners added through `on` are added to every provider built afterwards too.
 */
export class LiveProvider implements ProviderAccess {
  readonly #build: (keys: JWK[]) => Provider;
  readonly #log: Logger;
  readonly #listeners: Array<[string, Listener]> = [];
  #provider: Provider;
  #handler: Handler;

  constructor(build: (keys: JWK[]) => Provider, keys: JWK[], log: Logger) {
    this.#build = build;
    this.#log = log;
    this.#provider = build(keys);
    this.#handler = this.#provider.callback();
  }

  /** The provider new requests reach. Read it at each use: a rotation replaces it. */
  get current(): Provider {
    return this.#provider;
  }

  /** The server's entry to the provider: always the current one. */
  readonly handler: Handler = (req, res) => this.#handler(req, res);

  /**
   * Serves `keys` from now on. A key set oidc-provider refuses leaves the current provider
   * serving (logged): the keys in hand stay valid, and signing must never stop.
   */
  install(keys: JWK[]): void {
    let next: Provider;
    try {
      next = this.#build(keys);
    } catch (err) {
      this.#log.error({ err, kids: keys.map((k) => k.kid) }, 'could not install the new signing keys; still serving the previous ones');
      return;
    }
    for (const [event, listener] of this.#listeners) events(next).on(event, listener);
    const handler = next.callback();
    this.#provider = next;
    this.#handler = handler;
  }

  on(event: string, listener: Listener): this {
    this.#listeners.push([event, listener]);
    events(this.#provider).on(event, listener);
    return this;
  }

  get Client(): Provider['Client'] {
    return this.#provider.Client;
  }

  get InitialAccessToken(): Provider['InitialAccessToken'] {
    return this.#provider.InitialAccessToken;
  }
}

/** oidc-provider types its events one by one; the listeners kept here are replayed by name. */
function events(provider: Provider): NodeJS.EventEmitter {
  return provider as unknown as NodeJS.EventEmitter;
}
