import type { Context } from 'koa';
import { SaomaError } from '../errors.ts';

const DEFAULT_LIMIT = 16 * 1024;

export interface BoundedRead {
  /** The error thrown past the limit. */
  tooLarge: () => Error;
  /**
   * Past the limit, read on to the end (keeping nothing) before throwing, so an answer can still
   * be sent on the connection; by default the read stops at once.
   */
  drain?: boolean;
}

/** The one bounded reader: a byte stream (a request, an answer) of at most `limit` bytes, never buffering more. */
export async function readBounded(stream: AsyncIterable<Uint8Array>, limit: number, { tooLarge, drain = false }: BoundedRead): Promise<Buffer<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    // Node's streams (a request, undici's answer body) yield Buffers.
    if (size <= limit) chunks.push(chunk as Buffer);
    else if (!drain) throw tooLarge();
  }
  if (size > limit) throw tooLarge();
  return Buffer.concat(chunks);
}

/** The request body, refused before reading when its declared length is already over `limit`. */
export async function readRequestBody(ctx: Context, limit: number, read: BoundedRead): Promise<Buffer<ArrayBuffer>> {
  if (Number(ctx.get('content-length') || 0) > limit) throw read.tooLarge();
  return readBounded(ctx.req, limit, read);
}

/** Reads the request body as text, refusing more than `limit` bytes (413) without buffering it all. */
async function readText(ctx: Context, limit: number): Promise<string> {
  const tooLarge = () => new SaomaError('payload_too_large', `The request body is larger than ${limit} bytes.`);
  return (await readRequestBody(ctx, limit, { tooLarge })).toString('utf8');
}

/** A JSON object body; anything else is `invalid_request`. */
export async function readJson(ctx: Context, limit = DEFAULT_LIMIT): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json')) throw new SaomaError('invalid_request', 'Send the body as application/json.');
  const text = await readText(ctx, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SaomaError('invalid_request', 'The body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new SaomaError('invalid_request', 'The body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** An HTML form body (application/x-www-form-urlencoded); an empty or other body reads as no fields. */
export async function readForm(ctx: Context, limit = DEFAULT_LIMIT): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    await readText(ctx, limit);
    return new URLSearchParams();
  }
  return new URLSearchParams(await readText(ctx, limit));
}

// Fields are checked with a zod schema at the edge: `parse` and its field helpers in parse.ts.
