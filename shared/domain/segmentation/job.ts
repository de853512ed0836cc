import { z } from 'zod';

/** A segmentation queue body. Anything else is a poison message and ends in the DLQ. */
export const segmentationJob = z
  .object({
    pseudonym: z.string().regex(/^k\d+\.[A-Za-z0-9_-]{43}$/),
    cause: z.enum(['profile', 'transactions', 'schedule', 'manual', 'model', 'feedback']),
    requestId: z.string().min(1).max(200),
    runId: z
      .string()
      .regex(/^run-[A-Za-z0-9-]{1,80}$/)
      .optional(),
    expects: z
      .object({ model: z.string().min(1).max(300), scoringModel: z.string().min(1).max(300).nullable() })
      .strict()
      .optional(),
  })
  .strict();
