import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createEmulator, type EmulatorState } from '../../src/emulator/emulator.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { Store } from '../../src/store/store.ts';
import { createWeChat, type WeChat, type WeChatOptions } from '../../src/wechat/client.ts';

export const APPID = 'wx00000000e1e1e1e1';
export const SECRET = 'emulator-secret';
export const silent = createLogger('silent');

export interface RunningEmulator {
  base: string;
  state: EmulatorState;
  /** The emulator's call counters (GET /emulator/stats). */
  calls(): Promise<Record<string, number>>;
  /** POST a JSON body (or a raw string) and return status, content-type and parsed body. */
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; type: string; body: any }>;
  get(path: string): Promise<{ status: number; type: string; body: any }>;
  /** A wx.login code for a simulated user. */
  login(user: string, unionid?: boolean): Promise<string>;
  fault(fault: { api: string; errcode?: number; delay_ms?: number; times?: number }): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulator(): Promise<RunningEmulator> {
  const { app, state } = createEmulator({ appid: APPID, secret: SECRET, log: silent });
  const server: Server = app.listen(0, '127.0.0.1');
  // Longer than a test may spend between two calls (reading a large code on a busy machine), so a
  // kept-alive connection is never closed just as fetch reuses it (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function exchange(path: string, init?: RequestInit) {
    const res = await fetch(base + path, init);
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, type, body };
  }

  const running: RunningEmulator = {
    base,
    state,
    async calls() {
      return (await exchange('/emulator/stats')).body.calls;
    },
    post(path, body, headers = { 'content-type': 'application/json' }) {
      return exchange(path, { method: 'POST', headers, body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body) });
    },
    get(path) {
      return exchange(path);
    },
    async login(user, unionid) {
      const res = await running.post('/emulator/login', unionid === undefined ? { user } : { user, unionid });
      if (res.status !== 200) throw new Error(`emulator login failed: ${JSON.stringify(res.body)}`);
      return res.body.code;
    },
    async fault(fault) {
      const res = await running.post('/emulator/faults', fault);
      if (res.status !== 200) throw new Error(`emulator fault refused: ${JSON.stringify(res.body)}`);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return running;
}

export function clientFor(apiBase: string, store: Store, overrides: Partial<WeChatOptions> & { log?: Logger } = {}): WeChat {
  return createWeChat({
    appid: APPID,
    secret: SECRET,
    apiBase,
    // Generous: the emulator draws JPEG codes in this same process, and test machines are busy.
    timeoutMs: 5000,
    page: 'pages/login/login',
    envVersion: 'develop',
    checkPath: false,
    width: 430,
    store,
    log: silent,
    ...overrides,
  });
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
