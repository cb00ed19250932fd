import { request } from 'undici';
import { readBounded } from '../http/body.ts';
import { WeChatApiError, type WeChatApi } from './errors.ts';

/** The largest answer read from WeChat (a code image at 1280 px is well under this). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WeChatRequest {
  api: WeChatApi;
  url: string;
  timeoutMs: number;
  /** Sent as a JSON body with POST; without it the call is a GET. */
  json?: unknown;
}

/**
 * One HTTP exchange with WeChat, bounded in time (connect, headers and body together) and in size.
 * Returns the raw body: WeChat answers 200 for its own errors, so the caller reads the errcode.
 * Transport failures become WeChatApiError `timeout`, `network` or `bad_response`.
 */
export async function callWeChat(req: WeChatRequest): Promise<Buffer> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.json === undefined ? 'GET' : 'POST',
      headers: req.json === undefined ? {} : { 'content-type': 'application/json' },
      body: req.json === undefined ? null : JSON.stringify(req.json),
      signal,
    });
    const body = await readBounded(res.body, MAX_BODY_BYTES, {
      tooLarge: () => {
        res.body.destroy();
        return new WeChatApiError(req.api, 'bad_response', `answer larger than ${MAX_BODY_BYTES} bytes`);
      },
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new WeChatApiError(req.api, 'bad_response', `HTTP status ${res.statusCode}`);
    }
    return body;
  } catch (err) {
    if (err instanceof WeChatApiError) throw err;
    if (signal.aborted) throw new WeChatApiError(req.api, 'timeout', `no answer within ${req.timeoutMs} ms`, { cause: err });
    // The error's code, not its message: a message could quote the URL, and URLs carry the token.
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name ?? 'unknown';
    throw new WeChatApiError(req.api, 'network', `connection failed: ${code}`, { cause: err });
  }
}

/**
 * The body as a JSON object whatever its content-type (sns/* answers JSON as text/plain), with a
 * non-zero errcode thrown as a WeChatApiError.
 */
export function parseAnswer(api: WeChatApi, body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WeChatApiError(api, 'bad_response', 'answer is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WeChatApiError(api, 'bad_response', 'answer is not a JSON object');
  }
  const answer = value as Record<string, unknown>;
  if (answer.errcode !== undefined && answer.errcode !== 0) {
    const errcode = Number(answer.errcode);
    if (!Number.isInteger(errcode)) throw new WeChatApiError(api, 'bad_response', 'errcode is not a number');
    throw new WeChatApiError(api, errcode, typeof answer.errmsg === 'string' ? answer.errmsg : '');
  }
  return answer;
}

/** A required string field of an answer, or `bad_response`. */
export function stringField(api: WeChatApi, answer: Record<string, unknown>, field: string): string {
  const value = answer[field];
  if (typeof value !== 'string' || value === '') throw new WeChatApiError(api, 'bad_response', `answer has no ${field}`);
  return value;
}
