/**
 * Opaque page cursors: base64url of the DynamoDB LastEvaluatedKey of the bySegment index. The
 * cursor comes back from the client, so it is validated before it reaches DynamoDB: exactly the
 * three key attributes, a pseudonym, an ISO timestamp, and the segment being listed (a cursor of
 * one segment cannot page through another). Anything else is a 400, never a 500.
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.js';

export interface SegmentPageKey {
  pseudonym: string;
  segment: string;
  assignedAt: string;
}

const keySchema = z
  .object({
    pseudonym: z.string().regex(/^k\d+\.[A-Za-z0-9_-]{43}$/),
    segment: z.string().min(1).max(64),
    assignedAt: z.string().datetime({ offset: true }),
  })
  .strict();

export function encodeCursor(key: SegmentPageKey): string {
  return Buffer.from(
    JSON.stringify({ pseudonym: key.pseudonym, segment: key.segment, assignedAt: key.assignedAt }),
  ).toString('base64url');
}

const invalid = () =>
  new ValidationError('Invalid cursor', [
    { path: 'cursor', code: 'INVALID_CURSOR', message: 'Use the nextCursor of a previous page, unchanged' },
  ]);

export function decodeCursor(cursor: string, segment: string): SegmentPageKey {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = keySchema.safeParse(json);
  if (!parsed.success || parsed.data.segment !== segment) throw invalid();
  return parsed.data;
}
