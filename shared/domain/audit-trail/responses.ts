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
    findingsOmitted: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('A job keeps the first 1,000 findings; how many more there were.'),
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

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(d)), 'Expected a date');

/** `POST /v1/audit/verifications`: a day, or a range of up to 31 days (default: today). */
export const verificationRequest = z
  .object({ from: isoDay.optional(), to: isoDay.optional() })
  .strict()
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: 'from must not be after to', path: ['to'] })
  .refine((r) => !r.from || !r.to || daysBetween(r.from, r.to).length <= 31, {
    message: 'At most 31 days',
    path: ['to'],
  });

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to) && days.length <= 31; t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Findings a job keeps in its result (an item of the runs table stays far below 400 KB). */
export const maxJobFindings = 1000;
