/**
 * Every key, index and channel saoma uses in the store, in one place: what lives where, for how
 * long, and who writes it. A new family is added here, never spelled out at its use, so two
 * features cannot pick the same name and an operator reading Redis finds each family explained.
 * Redis puts REDIS_KEY_PREFIX in front of each (the store does that, not these names).
 *
 * Ids that come from outside (a scene, an interaction uid, an address) are used as given: each is
 * checked or generated before it gets here, and no family is a prefix of another's variable part.
 */
/** Every model instance oidc-provider stores (Session, Grant, AccessToken, Client…), as oidc/adapter.ts keeps it. */
const oidcModel = (model: string, id: string) => `oidc:${model}:${id}`;

export const storeKeys = {
  // ── Login tickets (login/tickets.ts) ────────────────────────────────────────────────────────
  /** One login ticket (JSON), by its scene; lives until its expiry plus an afterlife. */
  ticket: (scene: string) => `ticket:${scene}`,
  /** The scene of an interaction's current ticket. */
  ticketOfInteraction: (uid: string) => `ticket-of:${uid}`,
  /** Marks an interaction resumed once (login/resume-once.ts). */
  interactionResumed: (uid: string) => `interaction:resumed:${uid}`,

  // ── Login code images and links (login/mini-program-codes.ts, login/wechat-links.ts) ─────────────────
  /**
   * A ticket's mini-program code image (a `data:` URL), kept so every process serves the one WeChat
   * drew; while one process fetches it, a `fetching:<id>` mark (10 s) that the others wait on.
   */
  codeImage: (scene: string) => `qrcode:${scene}`,
  /** A ticket's "open in WeChat" link. */
  wechatLink: (scene: string) => `wechat-link:${scene}`,
  /** Remembers that WeChat refuses URL Links to this mini-program. */
  wechatLinksRefused: (appid: string) => `wechat-link:refused:${appid}`,

  // ── Budgets (login/budget.ts) ────────────────────────────────────────────────────────────
  /** Login codes drawn in one clock-aligned minute `window`, per browser address, client, or in all. */
  codesPerIp: (ip: string, window: number) => `budget:codes:ip:${ip}:${window}`,
  codesPerClient: (clientId: string, window: number) => `budget:codes:client:${clientId}:${window}`,
  codesTotal: (window: number) => `budget:codes:total:${window}`,
  /** Until when (ms) the budget holds a ticket's code image, for the page's question "why no code?". */
  codeHeld: (scene: string) => `budget:held:${scene}`,
  /** Phone numbers fetched in a China calendar month (`YYYY-MM`). */
  phoneNumbers: (month: string) => `budget:phone:${month}`,

  // ── Rate limits (http/rate-limit.ts): one fixed-window counter per limited thing ────────────
  rateLimit: (what: string) => `rate:${what}`,
  /** What is limited: mini-program requests per address, scans per ticket, avatar uploads per account, failed admin logins per address. */
  miniProgramCalls: (ip: string) => `mp:${ip}`,
  avatarUploads: (sub: string) => `avatar:${sub}`,
  scansOf: (scene: string) => `scan:${scene}`,
  adminAuthFailures: (ip: string) => `admin-auth:${ip}`,

  // ── People (oidc/accounts.ts, login/avatars.ts) ───────────────────────────────────────────
  /** An account (JSON), by its `sub`; never expires. */
  account: (sub: string) => `account:${sub}`,
  /** The `sub` of a WeChat identity: digests only, never an openid or unionid in clear. */
  identityByOpenid: (digest: string) => `identity:openid:${digest}`,
  identityByUnionid: (digest: string) => `identity:unionid:${digest}`,
  /** An uploaded avatar's bytes; the index lists an account's uploads as `<created ms>.<id>`. */
  avatar: (id: string) => `avatar:${id}`,
  avatarsOf: (sub: string) => `avatars:${sub}`,
  /** The `sub` whose verified phone number this is: a digest of the number, never the number. */
  accountByPhone: (digest: string) => `phone:${digest}`,
  /** Every account as `<created_at>.<sub>`, so a listing sorts newest first without reading each. */
  accountList: 'accounts',

  // ── People's accounts in administration (accounts/, account-centre/; issue 13) ──────────────
  /**
   * The per-account index: everything of one person not keyed by their `sub` (accounts/account-index.ts),
   * as `<Model>:<id>` for oidc-provider's models and `key:<one of these keys>` for saoma's own.
   */
  accountIndex: (sub: string) => `account-index:${sub}`,
  /** When the person last signed in anywhere (seconds; accounts/usage.ts). */
  accountSignedIn: (sub: string) => `account-signed-in:${sub}`,
  /** When a website last used the person's sign-in (seconds); every one of a person starts with `accountUsedPrefix`. */
  accountUsed: (sub: string, clientId: string) => `account-used:${sub}:${clientId}`,
  accountUsedPrefix: (sub: string) => `account-used:${sub}:`,
  /** An account-centre session in the mini-program, by the SHA-256 of its bearer token (account-centre/sessions.ts). */
  accountCentreSession: (tokenDigest: string) => `account-centre:${tokenDigest}`,

  // ── oidc-provider's models (oidc/adapter.ts, oidc/client-grants.ts) ─────────────────────────
  oidcModel,
  /**
   * A runtime client's record: oidc-provider's `Client` model, which it re-reads on every lookup.
   * The adapter writes it for Dynamic Client Registration; admin/registry.ts creates and changes
   * it (create-if-absent, compare-and-set), under this same key.
   */
  client: (clientId: string) => oidcModel('Client', clientId),
  sessionByUid: (uid: string) => `oidc:SessionUid:${uid}`,
  deviceCodeByUserCode: (userCode: string) => `oidc:DeviceUserCode:${userCode}`,
  /** The keys of a grant's tokens, which die with it. */
  grantTokens: (grantId: string) => `oidc:GrantIndex:${grantId}`,
  /** A client's grant ids, so that deleting the client can revoke them. */
  clientGrants: (clientId: string) => `oidc:ClientGrants:${clientId}`,
  /** The ids of the clients kept in the store (admin/registry.ts); the store cannot be searched. */
  clientIndex: 'clients',

  // ── Keys (oidc/keys.ts) ─────────────────────────────────────────────────────────────────────
  signingKeys: 'keys:signing',
  cookieKeys: 'keys:cookie',

  // ── WeChat (wechat/access-token.ts, wechat/token-status.ts) ───────────────────────────────────
  accessToken: 'wechat:access_token',
  accessTokenLock: 'wechat:access_token:lock',
  accessTokenLastFetch: 'wechat:access_token:last_fetch',
  accessTokenReadinessRetry: 'wechat:access_token:readiness_retry',
} as const;

/** Publish/subscribe channels: the news each carries, never a secret. */
export const storeChannels = {
  /** A ticket changed: `{ scene, version, status }` (login/tickets.ts). */
  tickets: 'ticket',
  /** The signing keyring changed: `rotated` or `republished` (oidc/keys.ts). */
  signingKeys: 'keys',
  /** A fetch of the access token ended: `fetched` or `failed` (wechat/access-token.ts). */
  accessToken: 'wechat:access_token',
} as const;
