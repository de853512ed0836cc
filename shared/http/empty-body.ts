import { z } from 'zod';
import { toErrorDetails } from '../domain/validation.js';
import { ValidationError } from '../errors.js';
import type { JsonEvent } from './middleware.js';

/**
 * The body of a route whose path says everything (publish, retire, rotate a secret): `{}`, or no body
 * at all (jsonBody() reads none as `{}`). Strict: a field the caller believes means something (a reason,
 * a secret of their own) is refused by name rather than silently ignored.
 */
export const emptyBody = z
  .object({})
  .strict()
  .describe('Send {} or no body at all: the path says everything.');

/** @throws ValidationError naming the unknown fields. */
export function requireEmptyBody(event: JsonEvent): void {
  const parsed = emptyBody.safeParse(event.jsonBody);
  if (!parsed.success)
    throw new ValidationError(
      'This route takes no body: send {} or nothing',
      toErrorDetails(parsed.error.issues),
    );
}
