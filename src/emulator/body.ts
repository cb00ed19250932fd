import type { Context } from 'koa';
import { readRequestBody } from '../http/body.ts';

const MAX_BODY_BYTES = 64 * 1024;

export type JsonBody =
  | { kind: 'json'; value: Record<string, unknown> }
  /** A form submission: WeChat's JSON-only APIs cannot find their fields in it. */
  | { kind: 'form' }
  | { kind: 'empty' }
  /** Malformed, too large, or not a JSON object. */
  | { kind: 'invalid' };

/**
 * The request body as a JSON object, whatever the content-type says (WeChat reads JSON bodies
 * sent as text/plain too), except form encodings. Never throws: bad input is an answer, not a 500.
 */
export async function readJsonBody(ctx: Context): Promise<JsonBody> {
  if (ctx.is('urlencoded', 'multipart')) return { kind: 'form' };
  const raw = await readRaw(ctx);
  if (raw === undefined) return { kind: 'invalid' };
  if (raw.trim() === '') return { kind: 'empty' };
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { kind: 'json', value: value as Record<string, unknown> };
  } catch {
    // falls through to invalid
  }
  return { kind: 'invalid' };
}

/** The raw body, or undefined when it is too large or the stream fails. */
async function readRaw(ctx: Context): Promise<string | undefined> {
  // Mounted inside another app, a body parser may have read the stream already.
  const parsed = (ctx.request as { rawBody?: unknown }).rawBody;
  if (typeof parsed === 'string') return parsed;
  if (ctx.req.readableEnded) return undefined;
  // A body declared too large is left unread (Node discards it itself, keeping the connection
  // usable); one that turns out too large is drained, so the answer can still be sent.
  try {
    return (await readRequestBody(ctx, MAX_BODY_BYTES, { tooLarge: () => new Error('too large'), drain: true })).toString('utf8');
  } catch {
    return undefined;
  }
}
