import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';

/** One generated request. `raw`, when set, is written to the socket as it is (bytes no client library would send). */
export interface Case {
  /** Which route of the table it aims at, for the report. */
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  raw?: Buffer;
}

export interface Answer {
  status: number;
  type: string;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** Header values a client library accepts: bytes outside latin-1 and control characters (but tab) become '?'. */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

/** Percent-encodes every byte of the UTF-8 form but the unreserved ones (a lone surrogate becomes U+FFFD). */
export function pct(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function send(port: number, one: Case, timeoutMs = 30_000): Promise<Answer> {
  return one.raw ? sendRaw(port, one.raw, timeoutMs) : sendHttp(port, one, timeoutMs);
}

function sendHttp(port: number, one: Case, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(one.headers)) headers[name] = headerSafe(value);
    if (one.body) headers['content-length'] = String(one.body.length);
    const req = httpRequest({ host: '127.0.0.1', port, method: one.method, path: one.path, headers, agent, setHost: !('host' in headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(one.body);
  });
}

/** Writes `bytes` on a fresh connection and reads the answer until the server closes it. */
function sendRaw(port: number, bytes: Buffer, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      // A reset after the answer was written is how a server drops a bad client: keep the answer.
      if (chunks.length) finish();
      else reject(err);
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const type = /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1] ?? '';
      let body = split < 0 ? '' : text.slice(split + 4);
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) body = dechunk(body);
      resolve({ status, type, body: Buffer.from(body, 'latin1').toString('utf8') });
    }
    socket.write(bytes);
  });
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

export function closeAgent(): void {
  agent.destroy();
}
