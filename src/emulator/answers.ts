import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

/** WeChat's errmsg for each errcode the emulator gives (WeChat appends a request id, so do we). */
const errmsgs: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  40129: 'invalid scene',
  40163: 'code been used',
  40164: 'invalid ip, not in whitelist',
  40165: 'invalid weapp pagepath',
  40169: 'invalid length for scene, or the data is not json string',
  40212: 'invalid query',
  40226: 'code blocked',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41030: 'invalid page',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  47001: 'data format error',
  48001: 'api unauthorized',
  85401: 'time limit between 1min and 1year',
};
// No 1400001 here: "phone number quota exhausted" is the phone button's client-side errno in the
// mini-program; when it happens no code exists and no server call is made.

/**
 * Answers a WeChat API call with an errcode the way WeChat does: HTTP 200 and a JSON body labelled
 * `application/json; charset=UTF-8`. `textPlain` for sns/* endpoints, which WeChat serves as
 * text/plain; `errmsg` for an errmsg that carries details (40164 names the caller's address).
 */
export function wechatError(ctx: Context, errcode: number, options: { textPlain?: boolean; hint?: string; errmsg?: string } = {}): void {
  const errmsg = `${options.errmsg ?? errmsgs[errcode] ?? 'error'}${options.hint ? ` (${options.hint})` : ''} rid: ${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
  ctx.status = 200;
  ctx.type = options.textPlain ? 'text/plain' : 'application/json; charset=UTF-8';
  ctx.body = JSON.stringify({ errcode, errmsg });
}

/** A successful WeChat API answer. */
export function wechatAnswer(ctx: Context, body: Record<string, unknown>, options: { textPlain?: boolean } = {}): void {
  ctx.status = 200;
  ctx.type = options.textPlain ? 'text/plain' : 'application/json';
  ctx.body = JSON.stringify(body);
}

/** Bad input to the emulator's own /emulator/* API: 400 with a WeChat-style errcode body. */
export function badRequest(ctx: Context, errmsg: string): void {
  ctx.status = 400;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify({ errcode: 47001, errmsg });
}
