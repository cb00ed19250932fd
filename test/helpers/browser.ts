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
  readonly userAgent: string;

  constructor(userAgent = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36') {
    this.userAgent = userAgent;
  }

  async request(url: string | URL, init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...init.headers };
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
    const res = await fetch(target, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
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
