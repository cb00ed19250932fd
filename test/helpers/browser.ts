import { request as httpRequest } from 'node:http';

/**
 * A browser for protocol tests: a cookie jar that honours cookie paths (oidc-provider scopes its
 * interaction cookies to `/interaction/<uid>` and `/auth/<uid>`) and never follows redirects on
 * its own, so each step of the login can be asserted.
 */
interface Cookie {
  name: string;
  value: string;
  path: string;
}

export interface Answer {
  status: number;
  location: string | undefined;
  type: string;
  text: string;
  json: any;
  bytes: Buffer;
  /** The Retry-After header, when the answer has one (429, 503). */
  retryAfter?: string;
}

export class Browser {
  readonly #cookies = new Map<string, Cookie>();
  /** `null`: the browser sends no User-Agent header at all (fetch would add its own). */
  readonly userAgent: string | null;

  constructor(userAgent: string | null = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36') {
    this.userAgent = userAgent;
  }

  async request(url: string | URL, init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...(this.userAgent === null ? {} : { 'user-agent': this.userAgent }), ...init.headers };
    const cookie = [...this.#cookies.values()]
      .filter((c) => target.pathname === c.path || target.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const method = init.method ?? (body === undefined ? 'GET' : 'POST');
    const res = this.userAgent === null ? await withoutUserAgent(target, method, headers, body) : await fetch(target, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.#store(line, target);
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const location = res.headers.get('location') ?? undefined;
    const retryAfter = res.headers.get('retry-after') ?? undefined;
    return { status: res.status, location: location ? new URL(location, target).href : undefined, type: res.headers.get('content-type') ?? '', text, json, bytes, ...(retryAfter ? { retryAfter } : {}) };
  }

  /** Follows redirects until one leaves `origin` or a page answers; returns the last answer. */
  async follow(url: string | URL, origin: string, first?: Answer): Promise<Answer & { url: string }> {
    let answer = first ?? (await this.request(url));
    let current = new URL(url).href;
    for (let hops = 0; hops < 10 && answer.location; hops++) {
      current = answer.location;
      if (new URL(current).origin !== origin) return { ...answer, url: current };
      answer = await this.request(current);
    }
    return { ...answer, url: current };
  }

  #store(line: string, target: URL): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = '/';
    let expired = value === '';
    for (const attribute of attributes) {
      const [key = '', val = ''] = attribute.trim().split('=');
      if (key.toLowerCase() === 'path') path = val || '/';
      if (key.toLowerCase() === 'expires' && new Date(val).getTime() <= Date.now()) expired = true;
      if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
    }
    void target;
    const key = `${name};${path}`;
    if (expired) this.#cookies.delete(key);
    else this.#cookies.set(key, { name, value, path });
  }
}

/** A request through node:http, which (unlike fetch) sends no User-Agent unless told to. */
function withoutUserAgent(target: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(target, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, one);
        }
        const status = res.statusCode ?? 0;
        resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: answer }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A browser behind saoma's trusted proxy (TRUST_PROXY=true): every request carries the
 * X-Forwarded-For the proxy would write, so each browser comes from an address the test chooses.
 */
export class BrowserAt extends Browser {
  readonly #ip: string;
  constructor(ip: string) {
    super();
    this.#ip = ip;
  }
  override request(url: string | URL, init: Parameters<Browser['request']>[1] = {}): Promise<Answer> {
    return super.request(url, { ...init, headers: { 'x-forwarded-for': this.#ip, ...init.headers } });
  }
}
