/**
 * Opaque page cursors: base64url of a DynamoDB LastEvaluatedKey. A cursor comes back from the client,
 * so it is validated against the exact key shape before it reaches DynamoDB: anything else is a 400
 * (INVALID_CURSOR), never a 500.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';

export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export const invalidCursor = () =>
  new ValidationError('Invalid cursor', [
    { path: 'cursor', code: 'INVALID_CURSOR', message: 'Use the nextCursor of a previous page, unchanged' },
  ]);

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw invalidCursor();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

/** `?limit=&cursor=` of a paged listing. */
export const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).optional().describe('The nextCursor of the previous page, unchanged.'),
  })
  .strict();
