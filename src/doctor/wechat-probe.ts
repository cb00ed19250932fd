import { request } from 'undici';
import type { Config } from '../config/load.ts';
import { SaomaError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { MemoryStore } from '../store/memory.ts';
import { createAccessTokenSource, type AccessTokenSource } from '../wechat/access-token.ts';
import { createWeChat, type WeChat } from '../wechat/client.ts';
import { WeChatApiError } from '../wechat/errors.ts';

/** A WeChat call's outcome: its value, or the error; `blocked` when it was not made because an earlier step failed. */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: WeChatApiError | SaomaError; blocked?: string };

/**
 * The deployment's WeChat, asked each question at most once (the checks share the answers):
 * the access token (stable_token in normal mode: the token every saoma process gets, never a
 * forced refresh), a code for WECHAT_PAGE with check_path true, a URL Link, and a phone-number
 * call with a code that cannot be valid (so no number is ever bought). The token is kept in a
 * store of the doctor's own, so the deployment's store is never written.
 */
export interface WeChatProbe {
  /** Where the calls go, for the report: `api.weixin.qq.com` or the emulator's URL. */
  target: string;
  /** Why no WeChat can be asked at all (then every call is blocked with it). */
  unavailable?: string;
  token(): Promise<Outcome<void>>;
  /** getwxacodeunlimit for WECHAT_PAGE with WECHAT_ENV_VERSION and the given check_path. */
  code(checkPath: boolean): Promise<Outcome<{ image: Buffer; contentType: string }>>;
  urlLink(): Promise<Outcome<string>>;
  /** getuserphonenumber with a code WeChat never issued: its errcode says whether the ability exists. */
  phone(): Promise<Outcome<void>>;
  /** WeChat's clock (its `Date` header) and ours around the request, in ms since the epoch. */
  clock(): Promise<{ ok: true; server: number; sentAt: number; receivedAt: number } | { ok: false; reason: string }>;
}

/** The scene of the doctor's own code and link: visible in WeChat's logs for what it is. */
export const DOCTOR_SCENE = 'saoma-doctor';
/** Not a code WeChat could have issued (they are 32 hex-like characters): the call can only be refused. */
export const INVALID_PHONE_CODE = 'saoma-doctor-not-a-real-code';

export function probeWeChat(config: Config, production: boolean): WeChatProbe {
  const { wechat, env } = config;
  const target = wechat.emulator ? `the WeChat emulator at ${wechat.apiBase}` : new URL(wechat.apiBase).host;
  const unavailable = production && wechat.emulator
    ? 'no WECHAT_APPID: production needs a real mini-program, and the emulator is not served there'
    : undefined;
  const { tokens, clients } = probeClients(config);

  const token = once(async (): Promise<Outcome<void>> => {
    if (unavailable) return { ok: false, error: new SaomaError('unavailable', unavailable), blocked: unavailable };
    return attempt(async () => { await tokens.get(); });
  });
  /** Runs a business call only once the token is there; otherwise reports it blocked by the token's failure. */
  const afterToken = <T>(call: () => Promise<T>) => once(async (): Promise<Outcome<T>> => {
    const got = await token();
    if (!got.ok) return { ok: false, error: got.error, blocked: got.blocked ?? blockedBy(got) };
    return attempt(call);
  });

  const checkedCode = afterToken(() => clients.checked.createCode(DOCTOR_SCENE));
  const uncheckedCode = afterToken(() => clients.unchecked.createCode(DOCTOR_SCENE));
  // In this order, one after another: the code first, since it is what every login needs.
  const urlLink = afterToken(async () => {
    await checkedCode();
    return clients.checked.generateUrlLink(DOCTOR_SCENE, Date.now() + 5 * 60_000);
  });
  const phone = afterToken(async () => {
    await urlLink();
    await clients.checked.phoneNumber(INVALID_PHONE_CODE);
  });
  const clock = once(async () => (unavailable ? { ok: false as const, reason: unavailable } : readClock(wechat.apiBase, target, env.WECHAT_TIMEOUT_MS)));

  return {
    target,
    ...(unavailable ? { unavailable } : {}),
    token,
    code: (checkPath) => (checkPath ? checkedCode() : uncheckedCode()),
    urlLink,
    phone,
    clock,
  };
}

/**
 * The doctor's own token cache and clients (with and without check_path): the deployment's store
 * is left alone, and every call reuses the one token fetched first.
 */
function probeClients({ wechat, env }: Config): { tokens: AccessTokenSource; clients: Record<'checked' | 'unchecked', WeChat> } {
  const options = {
    appid: wechat.appid, secret: wechat.secret, apiBase: wechat.apiBase, timeoutMs: env.WECHAT_TIMEOUT_MS,
    page: env.WECHAT_PAGE, envVersion: env.WECHAT_ENV_VERSION, width: env.WECHAT_CODE_WIDTH, store: new MemoryStore(), log: createLogger('silent'),
  };
  return {
    tokens: createAccessTokenSource(options),
    clients: { checked: createWeChat({ ...options, checkPath: true }), unchecked: createWeChat({ ...options, checkPath: false }) },
  };
}

/** `work` run at most once; every caller shares its answer. */
function once<T>(work: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= work());
}

async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    if (err instanceof WeChatApiError || err instanceof SaomaError) return { ok: false, error: err };
    return { ok: false, error: new SaomaError('server_error', 'unexpected failure', { detail: String(err) }) };
  }
}

/** WeChat's clock from the Date header of a plain GET, with ours around it. */
async function readClock(apiBase: string, target: string, timeoutMs: number): ReturnType<WeChatProbe['clock']> {
  const sentAt = Date.now();
  try {
    const res = await request(`${apiBase}/`, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    const receivedAt = Date.now();
    await res.body.dump().catch(() => {});
    const date = res.headers.date;
    const server = typeof date === 'string' ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(server)) return { ok: false, reason: `${target} sent no Date header` };
    return { ok: true, server, sentAt, receivedAt };
  } catch (err) {
    // A timeout is a DOMException whose numeric `code` says nothing: its name does.
    const name = (err as Error).name;
    const code = name === 'TimeoutError' || name === 'AbortError' ? name : (err as NodeJS.ErrnoException).code ?? name;
    return { ok: false, reason: code === 'TimeoutError' || code === 'AbortError' ? `${target} did not answer within ${timeoutMs} ms` : `could not reach ${target}: ${code}` };
  }
}

/** The fix of a line that could not be checked because WeChat did not answer that one call. */
export const RUN_AGAIN = 'Run saoma doctor again; if it keeps happening, check this server\'s connection to WeChat (WECHAT_TIMEOUT_MS, proxy, firewall).';

/** A failed call in words for the report: WeChat's errcode and message (without its request id), or what went wrong on the way. */
export function describeFailure(error: WeChatApiError | SaomaError): string {
  if (error instanceof SaomaError) return error.description;
  switch (error.errcode) {
    case 'timeout':
      return `WeChat did not answer in time (${error.errmsg})`;
    case 'network':
      return `could not reach WeChat (${error.errmsg})`;
    case 'bad_response':
      return `the answer is not WeChat's (${error.errmsg})`;
    default:
      return `errcode ${error.errcode}${error.errmsg ? `: ${withoutRequestId(error.errmsg)}` : ''}`;
  }
}

/** WeChat ends every errmsg with a request id (`rid: …`, older `hint: [...]`): noise in a report. */
export function withoutRequestId(errmsg: string): string {
  return errmsg.replace(/\s*(rid:|hint:).*$/, '').trim();
}

/** The errcode of a failure, when WeChat gave one. */
export function errcodeOf(outcome: Outcome<unknown>): number | undefined {
  if (outcome.ok || outcome.blocked) return undefined;
  const { error } = outcome;
  if (error instanceof WeChatApiError && typeof error.errcode === 'number') return error.errcode;
  return undefined;
}

/** Whether the failure is the way to WeChat (timeout, no connection), not WeChat's answer. */
export function unreachable(outcome: Outcome<unknown>): boolean {
  return !outcome.ok && outcome.error instanceof WeChatApiError && (outcome.error.errcode === 'timeout' || outcome.error.errcode === 'network');
}

/** Why the calls that need the token were not made, in the words of the line to read first. */
function blockedBy(token: Outcome<void>): string {
  return errcodeOf(token) === 40164
    ? 'WeChat refuses calls from this server\'s IP address (see "API IP whitelist")'
    : 'no access token (see "AppID and secret")';
}
