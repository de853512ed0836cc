/** Response schema of GET /v1/audit/verification: what was checked and every record found tampered. */
import { z } from 'zod';

export const verificationReportSchema = z
  .object({
    intact: z.boolean(),
    verifiedAt: z.string().datetime({ offset: true }),
    days: z.array(z.string()),
    chains: z.number().int().min(0),
    records: z.number().int().min(0),
    checkpoints: z.number().int().min(0),
    findings: z.array(
      z
        .object({
          problem: z.string(),
          message: z.string(),
          chain: z.string().optional(),
          seq: z.number().int().optional(),
          record: z.object({ stream: z.string(), eventId: z.string() }).strict().optional(),
          checkpointAt: z.string().optional(),
        })
        .strict(),
    ),
  })
  .strict();
