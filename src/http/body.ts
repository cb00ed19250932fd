import type { Context } from 'koa';
import { SaomaError } from '../errors.ts';

const DEFAULT_LIMIT = 16 * 1024;

/** Reads the request body as text, refusing more than `limit` bytes (413) without buffering it all. */
async function readText(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new SaomaError('payload_too_large', `The request body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SaomaError('payload_too_large', `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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

/** A required string field of at most `max` characters. */
export function stringField(body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) throw new SaomaError('invalid_request', `"${name}" is required and must be a non-empty string.`);
  if (value.length > max) throw new SaomaError('invalid_request', `"${name}" must be at most ${max} characters.`);
  return value;
}

/** An optional string field of at most `max` characters. */
export function optionalString(body: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SaomaError('invalid_request', `"${name}" must be a string.`);
  if (value.length > max) throw new SaomaError('invalid_request', `"${name}" must be at most ${max} characters.`);
  return value;
}
