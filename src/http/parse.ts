import { z } from 'zod';
import { SaomaError, type ErrorCode } from '../errors.ts';

/**
 * The one way a request's body or query is checked at the edge: a zod schema, and on failure our
 * own error (by default `invalid_request`, 400) whose description names the first field at fault.
 * Schemas built from the field helpers below keep the messages clients have always seen.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode = 'invalid_request'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? `"${issue.path.join('.')}"` : 'The request';
  const message = issue?.message ?? 'is not valid.';
  // A field helper's message already names its field (quoted); zod's own messages do not.
  throw new SaomaError(code, message.startsWith('"') || message.includes(field) ? message : `${field}: ${message}`);
}

/** A required, non-empty string of at most `max` characters. */
export function requiredString(name: string, max: number) {
  return z
    .string({ error: `"${name}" is required and must be a non-empty string.` })
    .min(1, { error: `"${name}" is required and must be a non-empty string.` })
    .max(max, { error: `"${name}" must be at most ${max} characters.` });
}

/** An optional string of at most `max` characters; absent, null and '' all read as undefined. */
export function optionalString(name: string, max: number) {
  return z.preprocess(
    (value) => (value === null || value === '' ? undefined : value),
    z.string({ error: `"${name}" must be a string.` }).max(max, { error: `"${name}" must be at most ${max} characters.` }).optional(),
  );
}

/** An optional whole number; absent and null read as undefined. */
export function optionalWholeNumber(name: string) {
  return z.preprocess(
    (value) => (value === null ? undefined : value),
    z.number({ error: `"${name}" must be a whole number.` }).int({ error: `"${name}" must be a whole number.` }).optional(),
  );
}
