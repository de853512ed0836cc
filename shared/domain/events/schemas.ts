/**
 * Workflow events riskloop publishes on the compliance event bus (docs/events.md). Each detail
 * carries only pseudonyms, segment names, codes, dates and counts: consumers (case tools, survey
 * tools, alerting) act on them without ever seeing who the customer is. Schemas are strict so a
 * field added by mistake (a name, an e-mail) fails validation instead of leaving the system.
 */
import { z } from 'zod';
import { segmentationJob } from '../segmentation/job.js';

/** EventBridge `Source` of every riskloop event. */
export const eventSource = 'riskloop';

export const workflowEventTypes = [
  'SegmentChanged',
  'EnhancedDueDiligenceRequired',
  'KycReviewDue',
  'ComplianceReviewSuggested',
  'SurveyRequested',
] as const;
export type WorkflowEventType = (typeof workflowEventTypes)[number];

/** Same shape as a queued pseudonym: one definition of what a pseudonym looks like. */
const pseudonym = segmentationJob.shape.pseudonym;
const isoDateTime = z.string().datetime({ offset: true });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
/**
 * Segment names and policy references come from the risk model (configuration compliance signs
 * off, never customer input); bounded so a model cannot smuggle a document into every event.
 */
const segmentName = z.string().min(1).max(100);
const code = z.string().regex(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, 'UPPER_SNAKE code');
const policyRef = z.string().min(1).max(100);
/** `<modelId>@<version>`, e.g. aml-default@3. */
const modelVersion = z.string().regex(/^[a-z][a-z0-9-]{0,62}@\d+$/);
const count = z.number().int().min(0);

/** SHA-256 (base64url) of the fact the event reports: a retry or redelivery carries the same id. */
export const eventIdSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const base = {
  schemaVersion: z.literal(1),
  eventId: eventIdSchema,
  occurredAt: isoDateTime,
};

/** The controls of the segment the customer is now in (SegmentPolicy, without who may decrypt). */
const policySchema = z
  .object({
    policyRef,
    monitoring: z.enum(['standard', 'enhanced', 'intensive']),
    enhancedDueDiligence: z.boolean(),
    alertOnEntry: z.boolean(),
    reviewIntervalMonths: z.number().int().min(1),
  })
  .strict();

export const segmentChangedDetail = z
  .object({
    ...base,
    subject: pseudonym,
    segmentBefore: segmentName.nullable(),
    segmentAfter: segmentName,
    /** `assigned`: first segment; otherwise the direction of the move by the model's severity order. */
    change: z.enum(['assigned', 'raised', 'lowered']),
    /** What the model said; differs from segmentAfter while a pin or a downgrade cooldown holds. */
    modelSegment: segmentName,
    pinned: z.boolean(),
    score: z.number().finite(),
    reasonCodes: z.array(code),
    modelVersion,
    /** Assignment revision: the decision this event reports. */
    revision: z.number().int().min(1),
    cause: segmentationJob.shape.cause,
    policy: policySchema,
    /** Entering a segment whose policy says alertOnEntry: consumers raise an alert. */
    alert: z.boolean(),
    /** Next periodic KYC review under the new segment's policy. */
    kycReviewDueBy: isoDate,
  })
  .strict();

export const enhancedDueDiligenceRequiredDetail = z
  .object({
    ...base,
    subject: pseudonym,
    segment: segmentName,
    previousSegment: segmentName.nullable(),
    reasonCodes: z.array(code),
    modelVersion,
    revision: z.number().int().min(1),
    policy: policySchema,
    alert: z.boolean(),
    kycReviewDueBy: isoDate,
  })
  .strict();

export const kycReviewDueDetail = z
  .object({
    ...base,
    subject: pseudonym,
    segment: segmentName,
    policyRef,
    reviewIntervalMonths: z.number().int().min(1),
    /** When the last review (or the assignment that started the interval) happened. */
    lastReviewAt: isoDate,
    dueAt: isoDate,
    overdueDays: count,
  })
  .strict();

export const complianceReviewReasons = [
  'LOW_RISK_SEVERE_FRICTION',
  'NPS_BELOW_THRESHOLD',
  'DETRACTOR_SHARE_RISING',
] as const;

export const complianceReviewSuggestedDetail = z
  .object({
    ...base,
    /** The customer, or null when the whole segment is the finding (a blind spot). */
    subject: pseudonym.nullable(),
    scope: z.enum(['customer', 'segment']),
    segment: segmentName,
    reasonCode: z.enum(complianceReviewReasons),
    /** Reporting period of a segment finding (YYYY-MM), null for a customer finding. */
    period: z
      .string()
      .regex(/^\d{4}-\d{2}$/)
      .nullable(),
    /** Derived numbers only: never a comment, never an answer text. */
    evidence: z
      .object({
        npsScore: z.number().int().min(0).max(10).nullable(),
        satisfaction90d: z.number().min(0).max(10).nullable(),
        frictionResponses90d: count.nullable(),
        responses90d: count.nullable(),
        nps: z.number().min(-100).max(100).nullable(),
        previousNps: z.number().min(-100).max(100).nullable(),
        detractorShare: z.number().min(0).max(100).nullable(),
        previousDetractorShare: z.number().min(0).max(100).nullable(),
      })
      .strict(),
  })
  .strict()
  .refine((d) => (d.scope === 'customer') === (d.subject !== null), {
    message: 'a customer finding names its subject; a segment finding names none',
    path: ['subject'],
  });

export const surveyRequestedDetail = z
  .object({
    ...base,
    subject: pseudonym,
    /** The compliance moment the survey should follow. */
    touchpoint: z.enum([
      'segment_changed',
      'enhanced_due_diligence',
      'kyc_review_completed',
      'enhanced_due_diligence_completed',
    ]),
    segment: segmentName,
    previousSegment: segmentName.nullable(),
    survey: z.literal('nps'),
    /** Ask no earlier than this: the survey measures the measures, not the moment of the decision. */
    notBefore: isoDate,
    /** Lawful basis checked for this purpose before the request was made. */
    purpose: z.literal('feedback'),
  })
  .strict();

export const detailSchemas = {
  SegmentChanged: segmentChangedDetail,
  EnhancedDueDiligenceRequired: enhancedDueDiligenceRequiredDetail,
  KycReviewDue: kycReviewDueDetail,
  ComplianceReviewSuggested: complianceReviewSuggestedDetail,
  SurveyRequested: surveyRequestedDetail,
} as const satisfies Record<WorkflowEventType, z.ZodTypeAny>;

export type SegmentChanged = z.infer<typeof segmentChangedDetail>;
export type EnhancedDueDiligenceRequired = z.infer<typeof enhancedDueDiligenceRequiredDetail>;
export type KycReviewDue = z.infer<typeof kycReviewDueDetail>;
export type ComplianceReviewSuggested = z.infer<typeof complianceReviewSuggestedDetail>;
export type SurveyRequested = z.infer<typeof surveyRequestedDetail>;

export type DetailOf<T extends WorkflowEventType> = z.infer<(typeof detailSchemas)[T]>;

/** The envelope: EventBridge `Source`, `DetailType` and `Detail`. The bus name comes from configuration. */
export type WorkflowEvent = {
  [T in WorkflowEventType]: { source: typeof eventSource; detailType: T; detail: DetailOf<T> };
}[WorkflowEventType];

const envelope = <T extends WorkflowEventType>(type: T) =>
  z
    .object({ source: z.literal(eventSource), detailType: z.literal(type), detail: detailSchemas[type] })
    .strict();

export const workflowEventSchema = z.discriminatedUnion('detailType', [
  envelope('SegmentChanged'),
  envelope('EnhancedDueDiligenceRequired'),
  envelope('KycReviewDue'),
  envelope('ComplianceReviewSuggested'),
  envelope('SurveyRequested'),
]);

/** Validates a detail received from the bus (or the local event log) against its type's schema. */
export function parseDetail<T extends WorkflowEventType>(type: T, detail: unknown): DetailOf<T> {
  return detailSchemas[type].parse(detail) as DetailOf<T>;
}
