import { RP, SPA } from '../helpers/saoma.ts';
import { BROWSER_UA, cookie, forwardedFor, formBody, jsonBody, oddString, oddValue, origin, userAgent } from './hostile.ts';
import { Prng } from './prng.ts';
import { headerSafe, pct, type Case } from './sender.ts';

/** What the generator can borrow from a running saoma: real pages, tokens and codes, so cases reach past the first check. */
export interface Pool {
  issuer: string;
  pages: Array<{ uid: string; cookie: string; scene: string; token?: string }>;
  accessToken: string;
  refreshToken: string;
  idToken: string;
  adminToken: string;
  registrationToken: string;
  wechatAccessToken: string;
  /** A fresh wx.login code from the emulator. */
  wxCode(): string;
}

/** Methods Node's HTTP parser knows; a made-up one is sent raw (see rawCase). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'M-SEARCH', 'PURGE'];

/** The route families of the table: every public route, each drawn with this weight. */
export const ROUTES = {
  'mp/scan': 8, 'mp/confirm': 7, 'mp/cancel': 4, 'mp/avatar': 4,
  interaction: 12, auth: 7, 'auth/resume': 2, token: 8, userinfo: 4, introspection: 3, revocation: 3,
  'session/end': 3, reg: 3, discovery: 2, jwks: 2, health: 2, assets: 1, admin: 8, emulator: 6, demo: 2, raw: 6,
} as const;
export type RouteName = keyof typeof ROUTES;
const TABLE = Object.entries(ROUTES) as [RouteName, number][];
const TOTAL = TABLE.reduce((sum, [, weight]) => sum + weight, 0);

/** The case number `index` of the run with `seed`: the same pair always gives the same shape of request. */
export function generate(seed: number, index: number, pool: Pool): Case {
  const rng = new Prng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  let draw = rng.next() * TOTAL;
  let route: RouteName = TABLE[0]![0];
  for (const [name, weight] of TABLE) {
    draw -= weight;
    if (draw < 0) {
      route = name;
      break;
    }
  }
  return BUILDERS[route](new Draw(rng, pool, index, route));
}

/** One case in the making: the PRNG, the pool, and the common hostile headers. */
class Draw {
  readonly rng: Prng;
  readonly pool: Pool;
  readonly index: number;
  readonly route: RouteName;

  constructor(rng: Prng, pool: Pool, index: number, route: RouteName) {
    this.rng = rng;
    this.pool = pool;
    this.index = index;
    this.route = route;
  }

  /** Mostly the route's own method, sometimes a wrong or unknown one. */
  method(own: string): string {
    return this.rng.chance(0.8) ? own : this.rng.pick(METHODS);
  }

  page() {
    return this.rng.pick(this.pool.pages);
  }

  /** A real scene most of the time, else an odd one. */
  scene(): unknown {
    return this.rng.chance(0.6) ? this.page().scene : oddValue(this.rng);
  }

  /** Headers a client sends, made hostile: no/empty/blank/huge User-Agent, forged X-Forwarded-For, odd Origin, cookies, languages. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const { rng } = this;
    const h: Record<string, string> = {};
    const ua = userAgent(rng);
    if (ua !== undefined) h['user-agent'] = ua;
    // A client IP of its own per case (the app trusts X-Forwarded-For), unless this case forges one.
    const n = this.index;
    h['x-forwarded-for'] = rng.chance(0.1) ? forwardedFor(rng) : `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    if (rng.chance(0.15)) h.origin = origin(rng, this.pool.issuer);
    if (rng.chance(0.05)) h['sec-fetch-site'] = rng.pick(['cross-site', 'same-site', 'same-origin', 'none', 'garbage']);
    if (rng.chance(0.1)) h['accept-language'] = rng.pick(['en', 'zh-CN', '*', 'xx-YY;q=2', 'en;q=abc', ','.repeat(300), 'zh-Hant-TW-x-private', oddString(rng)]);
    if (rng.chance(0.05)) h.accept = rng.pick(['application/json', 'text/html', '*/*;q=x', '', 'image/*', oddString(rng)]);
    if (rng.chance(0.05)) h['x-request-id'] = oddString(rng);
    if (rng.chance(0.03)) h.host = rng.pick(['evil.example', 'a'.repeat(300), '127.0.0.1:1', '[::1]', 'x y']);
    if (rng.chance(0.05)) h['x-forwarded-proto'] = rng.pick(['https', 'http', 'gopher', '', 'https, http']);
    if (rng.chance(0.05)) h['x-forwarded-host'] = rng.pick(['evil.example', '', 'a'.repeat(500)]);
    if (rng.chance(0.1)) h.cookie = cookie(rng, this.pool.pages.map((p) => p.cookie));
    if (rng.chance(0.03)) h.referer = oddString(rng);
    return { ...h, ...extra };
  }

  /** A content type that usually matches the body, sometimes lies or is missing. */
  contentType(own: string): Record<string, string> {
    const { rng } = this;
    if (rng.chance(0.75)) return { 'content-type': own };
    if (rng.chance(0.2)) return {};
    return { 'content-type': rng.pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/jwt', 'image/png', '*/*', 'garbage', 'application/json, text/html', 'APPLICATION/JSON']) };
  }

  query(fields: Record<string, string>): string {
    const pairs = Object.entries(fields).filter(() => this.rng.chance(0.85)).map(([k, v]) => [k, this.rng.chance(0.2) ? oddString(this.rng) : v] as [string, string]);
    if (this.rng.chance(0.1)) pairs.push([oddString(this.rng), oddString(this.rng)]);
    if (this.rng.chance(0.05) && pairs.length) pairs.push(pairs[0]!);
    return pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
  }

  json(path: string, fields: Record<string, unknown>, own = 'POST'): Case {
    return { route: this.route, method: this.method(own), path, headers: this.headers(this.contentType('application/json')), body: jsonBody(this.rng, fields) };
  }

  form(path: string, fields: Record<string, string>, extra: Record<string, string> = {}, own = 'POST'): Case {
    return { route: this.route, method: this.method(own), path, headers: this.headers({ ...this.contentType('application/x-www-form-urlencoded'), ...extra }), body: formBody(this.rng, fields) };
  }

  get(path: string, extra: Record<string, string> = {}): Case {
    const method = this.method('GET');
    const body = method !== 'GET' && method !== 'HEAD' && this.rng.chance(0.5) ? jsonBody(this.rng, { a: 1 }) : undefined;
    return { route: this.route, method, path, headers: this.headers(extra), ...(body ? { body } : {}) };
  }

  /** Client credentials for the token endpoints: right, wrong, malformed or absent. */
  clientAuth(): Record<string, string> {
    const { rng } = this;
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    switch (rng.int(0, 7)) {
      case 0: return {};
      case 1: return { authorization: basic(RP.client_id, 'wrong') };
      case 2: return { authorization: `Basic ${headerSafe(oddString(rng))}` };
      case 3: return { authorization: basic(oddString(rng), oddString(rng)) };
      case 4: return { authorization: `Bearer ${this.pool.accessToken}` };
      default: return { authorization: basic(RP.client_id, RP.client_secret) };
    }
  }

  /** A bearer token: the real one, a wrong one, a malformed header. */
  bearer(real: string): Record<string, string> {
    const { rng } = this;
    switch (rng.int(0, 6)) {
      case 0: return {};
      case 1: return { authorization: `Bearer ${headerSafe(oddString(rng))}` };
      case 2: return { authorization: rng.pick(['Bearer', 'Bearer ', 'bearer  x', 'Basic eA==', `Bearer ${real} extra`, 'DPoP x', `Bearer ${'A'.repeat(5000)}`]) };
      case 3: return { authorization: `Bearer ${real.slice(0, -2)}xx` };
      default: return { authorization: `Bearer ${real}` };
    }
  }
}

const PAGE_PATHS = ['', '/', '/qrcode', '/status', '/open-wechat', '/refresh', '/complete', '/consent', '/abort', '/nope', '/..%2f..%2fadmin', '/status/extra'];

const multipart = (rng: Prng, fields: Record<string, string>, file: Buffer | undefined, boundary: string): Buffer => {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="${rng.pick(['a.png', '../../x', '扫码.jpg', ''])}"\r\nContent-Type: ${rng.pick(['image/png', 'text/html', 'image/jpeg'])}\r\n\r\n`), file, Buffer.from('\r\n'));
  parts.push(Buffer.from(rng.chance(0.9) ? `--${boundary}--\r\n` : `--${boundary}`));
  return Buffer.concat(parts);
};

const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const BUILDERS: Record<RouteName, (d: Draw) => Case> = {
  'mp/scan': (d) => d.json('/mp/scan', { scene: d.scene(), code: d.rng.chance(0.4) ? d.pool.wxCode() : oddValue(d.rng) }),
  'mp/confirm': (d) => {
    const page = d.page();
    return d.json('/mp/confirm', {
      scene: d.rng.chance(0.7) ? page.scene : oddValue(d.rng),
      token: d.rng.chance(0.6) && page.token ? page.token : oddValue(d.rng),
      ...(d.rng.chance(0.5) ? { nickname: d.rng.chance(0.5) ? 'Alice' : oddValue(d.rng) } : {}),
      ...(d.rng.chance(0.3) ? { avatar_url: d.rng.pick(['https://img.example/a.png', `${d.pool.issuer}/mp/avatar/x`, 'http://evil.example/a.png', 'javascript:alert(1)', oddString(d.rng)]) } : {}),
      ...(d.rng.chance(0.3) ? { phone_code: oddValue(d.rng) } : {}),
    });
  },
  'mp/cancel': (d) => {
    const page = d.page();
    return d.json('/mp/cancel', { scene: d.rng.chance(0.7) ? page.scene : oddValue(d.rng), token: d.rng.chance(0.5) && page.token ? page.token : oddValue(d.rng) });
  },
  'mp/avatar': (d) => {
    const { rng } = d;
    if (rng.chance(0.3)) return d.get(`/mp/avatar/${pct(oddString(rng))}`);
    const page = d.page();
    const boundary = rng.pick(['b0undary', 'x'.repeat(70), '', '"quoted"']);
    const file = rng.pick([undefined, Buffer.alloc(0), PNG_HEAD, Buffer.concat([PNG_HEAD, Buffer.alloc(rng.int(1, 2000), 7)]), Buffer.from('<svg onload=alert(1)>'), Buffer.alloc(rng.chance(0.05) ? 1_100_000 : 10, 0xff)]);
    const body = multipart(rng, { scene: rng.chance(0.7) ? page.scene : headerSafe(oddString(rng)), token: page.token && rng.chance(0.6) ? page.token : headerSafe(oddString(rng)) }, file, boundary);
    const type = rng.chance(0.8) ? { 'content-type': `multipart/form-data; boundary=${boundary}` } : d.contentType('multipart/form-data');
    return { route: d.route, method: d.method('POST'), path: '/mp/avatar', headers: d.headers(type), body };
  },
  interaction: (d) => {
    const { rng } = d;
    const page = d.page();
    const uid = rng.chance(0.75) ? page.uid : pct(oddString(rng));
    let path = `/interaction/${uid}${rng.pick(PAGE_PATHS)}`;
    if (path.endsWith('/status')) path += `?state=${pct(rng.chance(0.3) ? rng.pick(['pending', 'scanned', 'confirmed']) : oddString(rng))}`;
    else if (rng.chance(0.1)) path += `?${d.query({ v: 'x', lang: 'en' })}`;
    // The page's own cookie most of the time: the routes then get past the interaction check.
    const own: Record<string, string> = rng.chance(0.6) ? { cookie: page.cookie } : {};
    const post = /\/(refresh|complete|consent|abort)$/.test(path);
    return post ? d.form(path, { prompt: 'login', lang: 'en' }, own) : d.get(path, own);
  },
  auth: (d) => {
    const { rng } = d;
    const spa = rng.chance(0.2);
    const params = {
      client_id: spa ? SPA.client_id : RP.client_id, response_type: 'code', scope: rng.pick(['openid', 'openid profile', 'openid profile phone offline_access', 'profile', 'openid email']),
      redirect_uri: spa ? SPA.redirect_uri : RP.redirect_uri, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      state: 'xyz', nonce: 'n', prompt: rng.pick(['login', 'consent', 'none', 'select_account', 'login consent']), ui_locales: rng.pick(['en', 'zh-CN', 'xx']),
      max_age: rng.pick(['0', '-1', '999999999999']), claims: rng.pick(['{"userinfo":{"phone_number":null}}', '{', '[]']), login_hint: 'x',
      id_token_hint: rng.pick([d.pool.idToken, 'eyJ.x.y']), response_mode: rng.pick(['query', 'form_post', 'fragment', 'jwt']),
      request: 'eyJhbGciOiJub25lIn0.e30.', request_uri: 'urn:x', resource: 'https://api.example', acr_values: 'x', display: 'popup',
    };
    const chosen = Object.fromEntries(Object.entries(params).filter(([k]) => ['client_id', 'response_type', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'scope'].includes(k) || rng.chance(0.15)));
    if (rng.chance(0.3)) return d.form('/auth', chosen);
    return d.get(`/auth?${d.query(chosen)}`);
  },
  'auth/resume': (d) => d.get(`/auth/${d.rng.chance(0.6) ? d.page().uid : pct(oddString(d.rng))}`, d.rng.chance(0.5) ? { cookie: d.page().cookie } : {}),
  token: (d) => {
    const { rng } = d;
    const grant = rng.pick(['authorization_code', 'refresh_token', 'client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange', '', 'implicit']);
    const fields: Record<string, string> = { grant_type: grant };
    if (grant === 'refresh_token') fields.refresh_token = rng.chance(0.1) ? d.pool.refreshToken : oddString(rng);
    else {
      fields.code = oddString(rng);
      fields.code_verifier = rng.pick(['short', 'a'.repeat(43), 'a'.repeat(129), oddString(rng)]);
      fields.redirect_uri = rng.pick([RP.redirect_uri, oddString(rng)]);
    }
    if (rng.chance(0.2)) fields.client_id = rng.pick([RP.client_id, SPA.client_id, oddString(rng)]);
    if (rng.chance(0.1)) fields.client_secret = rng.pick([RP.client_secret, oddString(rng)]);
    if (rng.chance(0.1)) fields.scope = oddString(rng);
    if (rng.chance(0.05)) fields.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    if (rng.chance(0.05)) fields.client_assertion = rng.pick([d.pool.idToken, 'a.b.c']);
    const dpop: Record<string, string> = rng.chance(0.05) ? { dpop: rng.pick(['x', 'a.b.c', d.pool.idToken]) } : {};
    return d.form('/token', fields, { ...d.clientAuth(), ...dpop });
  },
  userinfo: (d) => {
    const path = d.rng.pick(['/me', '/me', '/userinfo', `/me?access_token=${pct(d.pool.accessToken)}`, '/me/']);
    if (d.rng.chance(0.3)) return d.form(path, { access_token: d.rng.chance(0.5) ? d.pool.accessToken : oddString(d.rng) }, d.bearer(d.pool.accessToken));
    return d.get(path, d.bearer(d.pool.accessToken));
  },
  introspection: (d) => d.form('/token/introspection', { token: d.rng.pick([d.pool.accessToken, d.pool.refreshToken, d.pool.idToken, oddString(d.rng)]), token_type_hint: d.rng.pick(['access_token', 'refresh_token', 'id_token', oddString(d.rng)]) }, d.clientAuth()),
  // The pool's own tokens are kept alive: revocation is tried on copies that are not theirs.
  revocation: (d) => d.form('/token/revocation', { token: d.rng.pick([`${d.pool.accessToken}x`, oddString(d.rng), 'a'.repeat(43)]), token_type_hint: d.rng.pick(['access_token', 'refresh_token', oddString(d.rng)]) }, d.clientAuth()),
  'session/end': (d) => {
    const { rng } = d;
    const fields = { id_token_hint: rng.pick([d.pool.idToken, oddString(rng)]), post_logout_redirect_uri: rng.pick([RP.post_logout_redirect_uri, oddString(rng)]), state: 's', client_id: rng.pick([RP.client_id, oddString(rng)]), ui_locales: 'en', logout_hint: 'x' };
    const path = rng.pick(['/session/end', '/session/end', '/session/end/confirm', '/session/end/success']);
    if (path === '/session/end/confirm' || rng.chance(0.3)) return d.form(path, path.endsWith('confirm') ? { xsrf: oddString(rng), logout: rng.pick(['yes', '']) } : fields);
    return d.get(`${path}?${d.query(fields)}`);
  },
  reg: (d) => {
    const { rng } = d;
    const auth = rng.chance(0.5) ? { authorization: `Bearer ${d.pool.registrationToken}` } : d.bearer(oddString(rng));
    if (rng.chance(0.3)) {
      const method = rng.pick(['GET', 'PUT', 'DELETE']);
      return { ...d.json(`/reg/${pct(rng.chance(0.5) ? RP.client_id : oddString(rng))}`, { client_id: RP.client_id, redirect_uris: [RP.redirect_uri] }, method), headers: d.headers({ ...d.contentType('application/json'), ...auth }) };
    }
    const c = d.json('/reg', {
      client_name: rng.chance(0.5) ? 'Fuzz Shop' : oddValue(rng), redirect_uris: rng.chance(0.5) ? ['https://shop.example/cb'] : oddValue(rng),
      token_endpoint_auth_method: rng.pick(['client_secret_basic', 'none', 'private_key_jwt', 'tls_client_auth', oddString(rng)]),
      ...(rng.chance(0.3) ? { first_party: oddValue(rng) } : {}), ...(rng.chance(0.3) ? { jwks: oddValue(rng) } : {}), ...(rng.chance(0.3) ? { logo_uri: oddString(rng) } : {}),
    });
    return { ...c, headers: { ...c.headers, ...auth } };
  },
  discovery: (d) => d.get(d.rng.pick(['/.well-known/openid-configuration', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/webfinger?resource=acct:x', `/.well-known/openid-configuration?${d.query({ a: 'b' })}`])),
  jwks: (d) => d.get(d.rng.pick(['/jwks', '/jwks', '/jwks?kid=x', '/jwks/', '/jwks.json'])),
  health: (d) => d.get(d.rng.pick(['/healthz', '/readyz', '/healthz?x=1', '/readyz/', '/favicon.ico'])),
  assets: (d) => d.get(`/assets/${d.rng.pick(['login.js', 'saoma.css', 'logo-placeholder.svg', 'favicon.svg', '..%2f..%2fpackage.json', '%2e%2e/src/app.ts', pct(oddString(d.rng))])}`),
  admin: (d) => {
    const { rng } = d;
    const auth = rng.chance(0.55) ? { authorization: `Bearer ${d.pool.adminToken}` } : d.bearer(d.pool.adminToken.slice(1));
    const actor: Record<string, string> = rng.chance(0.1) ? { 'x-saoma-actor': oddString(rng) } : {};
    const id = rng.pick([RP.client_id, 'no-such-client', oddString(rng)]);
    const choice = rng.int(0, 8);
    let c: Case;
    if (choice === 0) c = d.get('/admin/clients');
    else if (choice === 1) c = d.get(`/admin/clients/${pct(id)}`);
    else if (choice === 2) c = d.json(`/admin/clients/${pct(id)}`, { client_name: oddValue(rng), redirect_uris: oddValue(rng) }, 'PATCH');
    else if (choice === 3) c = { ...d.get(`/admin/clients/${pct(id)}`), method: d.method('DELETE') };
    else if (choice === 4) c = d.json(`/admin/clients/${pct(id)}/secret`, {});
    else if (choice === 5) c = d.get(rng.pick(['/admin/keys', '/admin', '/admin/', '/admin/nope', '/admin/../admin/keys']));
    // Rotations that take effect at once are left out: a run of thousands would rotate keys all the time.
    else if (choice === 6) c = d.json('/admin/keys/rotate', { delay_seconds: rng.pick([-1, 1.5, 'x', null, [], 1e20, 2 ** 53]) });
    else if (choice === 7) c = d.json('/admin/registration-tokens', { ttl_seconds: oddValue(rng) });
    else {
      c = d.json('/admin/clients', {
        client_name: rng.chance(0.5) ? 'Fuzz' : oddValue(rng), redirect_uris: rng.chance(0.3) ? ['https://a.example/cb'] : oddValue(rng),
        ...(rng.chance(0.3) ? { client_id: oddValue(rng) } : {}), ...(rng.chance(0.3) ? { scope: oddValue(rng) } : {}),
        ...(rng.chance(0.3) ? { grant_types: oddValue(rng) } : {}), ...(rng.chance(0.2) ? { client_secret: 'mine' } : {}),
      });
    }
    return { ...c, headers: { ...c.headers, ...auth, ...actor } };
  },
  emulator: (d) => {
    const { rng } = d;
    const token = rng.chance(0.5) ? d.pool.wechatAccessToken : oddString(rng);
    switch (rng.int(0, 12)) {
      case 0: return d.json('/cgi-bin/stable_token', { grant_type: rng.pick(['client_credential', oddString(rng)]), appid: oddString(rng), secret: oddString(rng), force_refresh: oddValue(rng) });
      case 1: return d.get(`/cgi-bin/stable_token?${d.query({ grant_type: 'client_credential', appid: 'x', secret: 'y' })}`);
      case 2: return d.json(`/wxa/getwxacodeunlimit?access_token=${pct(token)}`, { scene: oddString(rng), page: oddValue(rng), width: oddValue(rng), check_path: oddValue(rng), env_version: oddValue(rng) });
      case 3: return d.get(`/sns/jscode2session?${d.query({ appid: 'x', secret: 'y', js_code: rng.chance(0.3) ? d.pool.wxCode() : oddString(rng), grant_type: 'authorization_code' })}`);
      case 4: return d.json(`/wxa/business/getuserphonenumber?access_token=${pct(token)}`, { code: oddValue(rng) });
      case 5: return d.json(`/wxa/generate_urllink?access_token=${pct(token)}`, { path: oddValue(rng), query: oddValue(rng), expire_type: oddValue(rng), expire_interval: oddValue(rng) });
      case 6: return d.json('/emulator/login', { user: oddValue(rng), unionid: oddValue(rng) });
      case 7: return d.json('/emulator/phone_code', { user: oddValue(rng), phone: oddValue(rng) });
      // Only faults the emulator must refuse: a valid one would make WeChat fail on purpose.
      case 8: return d.json('/emulator/faults', rng.pick([{ api: oddString(rng) }, { api: 'jscode2session' }, { api: 'jscode2session', errcode: 1.5 }, { api: 'jscode2session', delay_ms: -1 }, { api: 'jscode2session', errcode: -1, times: 0 }, { api: [], errcode: 'x' }]));
      case 9: return d.get(rng.pick(['/emulator/codes', '/emulator/stats', '/emulator/nope', '/cgi-bin/nope', '/wxa/nope']));
      case 10: return d.get(`/emulator?${d.query({ scene: d.page().scene, user: 'x' })}`);
      case 11: return d.get(`/emulator/assets/${pct(rng.pick(['phone.js', 'phone.css', '../../package.json', oddString(rng)]))}`);
      default: return d.json('/emulator/invalidate_token', { reason: oddValue(rng) });
    }
  },
  demo: (d) => d.get(d.rng.pick(['/demo', '/demo/', '/demo/login', `/demo/callback?${d.query({ code: 'x', state: 'y', error: 'access_denied' })}`, '/demo/logout', '/demo/nope'])),
  raw: (d) => rawCase(d),
};

/** Bytes no HTTP client library would send: broken request lines, control characters in headers, smuggling shapes. */
function rawCase(d: Draw): Case {
  const { rng } = d;
  const page = d.page();
  const host = 'Host: 127.0.0.1\r\n';
  const ip = `X-Forwarded-For: 10.200.${(d.index >> 8) & 255}.${d.index & 255}\r\n`;
  const ctl = String.fromCharCode(rng.pick([0, 1, 7, 8, 11, 12, 27, 127]));
  const json = JSON.stringify({ scene: page.scene, code: d.pool.wxCode() });
  const shapes: string[] = [
    `GET /interaction/${page.uid} HTTP/1.1\r\n${host}${ip}Cookie: ${page.cookie}\r\nUser-Agent: Mozilla/5.0 ${ctl}evil\r\nConnection: close\r\n\r\n`,
    `POST /mp/scan HTTP/1.1\r\n${host}${ip}User-Agent: a${ctl}b\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    `GET /healthz HTTP/1.1\r\n${host}X-Evil: a\r\n b\r\nConnection: close\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\n${host}User-Agent: ${'U'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    `POST /mp/scan HTTP/1.1\r\n${host}Content-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\nabcde`,
    `POST /token HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
    `POST /mp/confirm HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `GET /\r\n\r\n`,
    `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
    `GET http://evil.example/healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    `GET /mp/../admin/clients HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    `get /healthz HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    `BREW /mp/scan HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    `GET healthz HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    `GET /interaction/${page.uid}${ctl} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    `GET /healthz HTTP/1.1\n${host.replace('\r', '')}Connection: close\n\n`,
    `GET /healthz HTTP/9.9\r\n${host}Connection: close\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n`,
    `POST /mp/scan HTTP/1.1\r\n${host}${ip}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`,
    `GET /interaction/${page.uid}/status?state=${ctl} HTTP/1.1\r\n${host}Cookie: ${page.cookie}\r\nConnection: close\r\n\r\n`,
    `GET /me HTTP/1.1\r\n${host}Authorization: Bearer ${ctl}\r\nConnection: close\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\n${host}${'X-A: b\r\n'.repeat(3000)}Connection: close\r\n\r\n`,
    `OPTIONS * HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    `CONNECT 127.0.0.1:6379 HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\n${host}Cookie: ${'\u00ff'.repeat(10)}\r\nUser-Agent: caf\u00e9\r\nConnection: close\r\n\r\n`,
  ];
  const text = rng.pick(shapes);
  return { route: d.route, method: 'RAW', path: text.slice(0, 60), headers: {}, raw: Buffer.from(text, 'latin1') };
}

export { BROWSER_UA };
