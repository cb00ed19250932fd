import type { Context } from 'koa';

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
  // Node discards an unread body itself; leaving it unread keeps the connection usable.
  if (Number(ctx.get('content-length') || 0) > MAX_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req) {
      // Past the limit, keep draining (so the answer can still be sent) but stop keeping it.
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}
