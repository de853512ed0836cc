import type { z } from 'zod';

/**
 * A queue message's JSON body, checked against its schema; undefined for anything else (a poison
 * message, which its consumer reports so that it reaches the DLQ after its retries).
 */
export function messageOf<T>(record: { body: string }, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(record.body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
