import { z } from 'zod';
import { toErrorDetails } from '../validation.js';
import { type Delivery, PayloadMappingError, type Respondent } from './delivery.js';
import { maxCommentChars } from './extract.js';

/**
 * riskloop's own survey delivery format (provider `riskloop`). Objects are strict: an unknown
 * field is a 422 naming it, so a misspelt `comment` never slips through unsealed.
 *
 *   { "type": "survey.response", "surveyId": "onboarding-nps", "respondent": { "externalId": "C-1001" },
 *     "submittedAt": "2026-11-20T10:00:00Z", "nps": 9, "comment": "Fast, but the selfie check failed twice",
 *     "answers": [{ "questionId": "employment", "type": "choice", "value": "self-employed" }] }
 *   { "type": "survey.sent", "surveyId": "onboarding-nps", "respondent": { "email": "ada@example.com" },
 *     "sentAt": "2026-11-19T09:00:00Z" }
 */
const surveyId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/);
const timestamp = z.string().datetime({ offset: true });
const respondent = z.union([
  z.object({ externalId: z.string().trim().min(1).max(256) }).strict(),
  z.object({ email: z.string().trim().email().max(320) }).strict(),
]);

const answer = z
  .object({
    questionId: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_.:-]+$/),
    type: z.enum(['choice', 'rating', 'text']),
    value: z.union([z.string().trim().min(1).max(200), z.number().finite()]),
  })
  .strict()
  .refine((a) => a.type !== 'rating' || typeof a.value === 'number', {
    message: 'A rating answer must be a number',
    path: ['value'],
  });

const surveyResponse = z
  .object({
    type: z.literal('survey.response'),
    surveyId,
    respondent,
    submittedAt: timestamp,
    nps: z.number().int().min(0).max(10).optional(),
    npsSkipped: z.boolean().optional(),
    comment: z.string().max(maxCommentChars).optional(),
    answers: z.array(answer).max(50).optional(),
  })
  .strict();

const surveySent = z
  .object({ type: z.literal('survey.sent'), surveyId, respondent, sentAt: timestamp })
  .strict();

export const riskloopDeliverySchema = z
  .discriminatedUnion('type', [surveyResponse, surveySent])
  .superRefine((d, ctx) => {
    if (d.type === 'survey.response' && d.npsSkipped === true && d.nps !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'nps and npsSkipped: true exclude each other',
        path: ['npsSkipped'],
      });
    }
  });
export type RiskloopDelivery = z.infer<typeof riskloopDeliverySchema>;

function respondentOf(r: z.infer<typeof respondent>): Respondent {
  return 'externalId' in r ? { kind: 'externalId', value: r.externalId } : { kind: 'email', value: r.email };
}

export function mapRiskloop(provider: string, payload: unknown, deliveryId: string): Delivery {
  const parsed = riskloopDeliverySchema.safeParse(payload);
  if (!parsed.success) throw new PayloadMappingError(toErrorDetails(parsed.error.issues));
  const d = parsed.data;
  if (d.type === 'survey.sent') {
    return {
      kind: 'surveySent',
      deliveryId,
      provider,
      surveyId: d.surveyId,
      respondent: respondentOf(d.respondent),
      sentAt: new Date(d.sentAt).toISOString(),
    };
  }
  const comment = d.comment?.trim();
  return {
    kind: 'response',
    response: {
      deliveryId,
      provider,
      surveyId: d.surveyId,
      respondent: respondentOf(d.respondent),
      submittedAt: new Date(d.submittedAt).toISOString(),
      ...(d.nps !== undefined ? { nps: d.nps } : {}),
      npsSkipped: d.npsSkipped ?? false,
      ...(comment ? { comment } : {}),
      answers: d.answers ?? [],
    },
  };
}
