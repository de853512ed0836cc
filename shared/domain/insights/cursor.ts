/**
 * Page cursors of the bySegment index (shared/domain/paging.ts): exactly the three key attributes, a
 * pseudonym, an ISO timestamp, and the segment being listed (a cursor of one segment cannot page
 * through another).
 */
import { z } from 'zod';
import { decodeCursor as decode, encodeCursor as encode, invalidCursor } from '../paging.js';

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
  return encode({ pseudonym: key.pseudonym, segment: key.segment, assignedAt: key.assignedAt });
}

export function decodeCursor(cursor: string, segment: string): SegmentPageKey {
  const key = decode(cursor, keySchema);
  if (key.segment !== segment) throw invalidCursor();
  return key;
}
