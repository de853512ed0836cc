/**
 * Response schemas of the feedback routes: counts and shares per risk segment and month, blind
 * spots, webhook deliveries and secret rotation. No respondent is ever named.
 */
import { z } from 'zod';

const count = z.number().int().min(0);
const share = z.number().nullable();
const period = z.string().regex(/^\d{4}-\d{2}$/);

export const npsReportSchema = z
  .object({
    period,
    rule: z.string().describe('How NPS is computed, in words.'),
    segments: z.array(
      z
        .object({
          segment: z.string(),
          promoters: count,
          passives: count,
          detractors: count,
          skipped: count,
          surveyed: count,
          unlinked: count.describe('Responses no customer could be linked to.'),
          nps: share,
          answered: count,
          promoterShare: share,
          detractorShare: share,
          participationRate: share,
        })
        .strict(),
    ),
  })
  .strict();

export const blindSpotsSchema = z
  .object({
    period,
    previousPeriod: period,
    blindSpots: z.array(
      z
        .object({
          segment: z.string(),
          reason: z.enum(['NPS_BELOW_THRESHOLD', 'DETRACTOR_SHARE_RISING']),
          nps: share,
          previousNps: share,
          detractorShare: share,
          previousDetractorShare: share,
        })
        .strict(),
    ),
  })
  .strict();

export const secretRotatedSchema = z
  .object({
    provider: z.string(),
    id: z.string(),
    secret: z
      .string()
      .regex(/^whsec_/)
      .describe('Shown once: configure it in the survey tool now.'),
    active: z.number().int().min(1).describe('Secrets accepted while senders switch over.'),
  })
  .strict();

export const deliveryOutcomeSchema = z.union([
  z.object({ status: z.literal('duplicate'), deliveryId: z.string() }).strict(),
  z
    .object({
      status: z.literal('counted'),
      deliveryId: z.string(),
      linked: z.literal(false),
      reason: z.enum(['UNKNOWN_RESPONDENT', 'NO_FEEDBACK_CONSENT']),
    })
    .strict(),
  z
    .object({
      status: z.literal('linked'),
      deliveryId: z.string(),
      linked: z.literal(true),
      segment: z.string(),
    })
    .strict(),
  z.object({ status: z.literal('surveyed'), deliveryId: z.string() }).strict(),
  z.object({ status: z.literal('ignored'), deliveryId: z.string(), event: z.string() }).strict(),
]);
