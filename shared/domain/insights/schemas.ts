/**
 * Response schemas of the insights API (issue 7 contract). The dashboard, the CLI and the OpenAPI
 * generator read these, so names and shapes are fixed by the contract; fields may only be added,
 * and only as optional. Every field is a pseudonym, a segment name, a code, a count or a date:
 * never personal data.
 */
import { z } from 'zod';

const period = z.string().regex(/^\d{4}-\d{2}$/, 'YYYY-MM');
const share = z.number().min(0).max(1);
const count = z.number().int().min(0);
const pseudonym = z.string().regex(/^k\d+\.[A-Za-z0-9_-]{43}$/);
const isoDateTime = z.string().datetime({ offset: true });

export const insightsSummarySchema = z.object({
  asOf: isoDateTime,
  model: z.object({ modelId: z.string(), version: z.number().int() }),
  /** Current counts, in the model's severity order (least severe first). */
  segments: z.array(z.object({ segment: z.string(), count, share })),
  /** Segment distribution per month: monthly snapshots, the current month computed live. */
  trend: z.array(z.object({ period, segment: z.string(), count })),
  /** Reason codes of the current assignments, most frequent first. */
  reasonCodes: z.array(z.object({ reasonCode: z.string(), count })),
  kpis: z.object({
    customers: count,
    highRiskShare: share,
    captureRate: share.nullable(),
    precision: share.nullable(),
    recall: share.nullable(),
    openCases: count,
    medianDaysToClose: z.number().min(0).nullable(),
    nps: z.number().min(-100).max(100).nullable(),
    participation: z.number().min(0).nullable(),
    /** The month `nps` and `participation` describe (the last full one). */
    feedbackPeriod: period.optional(),
    /** Segments counted as high risk: those whose policy requires enhanced due diligence. */
    highRiskSegments: z.array(z.string()).optional(),
  }),
});
export type InsightsSummary = z.infer<typeof insightsSummarySchema>;

export const capturePointSchema = z.object({ flaggedShare: share, capturedShare: share });
export type CapturePoint = z.infer<typeof capturePointSchema>;

export const segmentCaptureSchema = z.object({
  segment: z.string(),
  /** Cumulative from the most severe segment down to this one. */
  customers: count,
  flaggedShare: share,
  issues: count,
  capturedShare: share.nullable(),
  precision: share.nullable(),
  recall: share.nullable(),
  /** Audit outcomes (issue or not) of the customers counted so far: precision's denominator. */
  outcomes: count.optional(),
});
export type SegmentCapture = z.infer<typeof segmentCaptureSchema>;

export const captureCurveSchema = z.object({
  /** Audit outcomes of customers with a current assignment (the ones the curve can place). */
  outcomes: count,
  issues: count,
  /** Customers ranked by score, riskiest first; one point per distinct score; empty when no issue. */
  points: z.array(capturePointSchema),
  bySegment: z.array(segmentCaptureSchema),
  customers: count.optional(),
});
export type CaptureCurve = z.infer<typeof captureCurveSchema>;

export const incidentsSchema = z.object({
  series: z.array(z.object({ period, segment: z.string(), issues: count, noIssue: count })),
});
export type Incidents = z.infer<typeof incidentsSchema>;

export const caseStatsSchema = z.object({
  bySegment: z.array(
    z.object({
      segment: z.string(),
      open: count,
      inReview: count,
      closed: count,
      medianDaysToClose: z.number().min(0).nullable(),
    }),
  ),
});
export type CaseStats = z.infer<typeof caseStatsSchema>;

export const feedbackStatsSchema = z.object({
  series: z.array(
    z.object({
      period,
      segment: z.string(),
      nps: z.number().min(-100).max(100).nullable(),
      responses: count,
      surveyed: count,
      participation: z.number().min(0).nullable(),
    }),
  ),
});
export type FeedbackStats = z.infer<typeof feedbackStatsSchema>;

/** A decision's predictive score: the model, the score and the probability. */
const predictionSummarySchema = z.object({ model: z.string(), score: z.number(), probability: z.number() });
export type PredictionSummary = z.infer<typeof predictionSummarySchema>;

export const modelTimelineSchema = z.object({
  risk: z.array(
    z.object({
      modelId: z.string(),
      version: z.number().int(),
      status: z.string(),
      createdAt: z.string(),
      publishedAt: z.string().nullable(),
      author: z.string(),
      changeNote: z.string(),
      retiredAt: z.string().nullable().optional(),
    }),
  ),
  scoring: z.array(
    z.object({
      modelId: z.string(),
      version: z.number().int(),
      kind: z.enum(['logistic', 'trees']),
      status: z.enum(['draft', 'published', 'retired']),
      createdAt: z.string(),
      publishedAt: z.string().nullable(),
      retiredAt: z.string().nullable(),
    }),
  ),
});
export type ModelTimeline = z.infer<typeof modelTimelineSchema>;

export const segmentCustomersSchema = z.object({
  segment: z.string(),
  items: z.array(
    z.object({
      pseudonym,
      score: z.number(),
      assignedAt: z.string(),
      reasonCodes: z.array(z.string()),
      prediction: predictionSummarySchema.nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
export type SegmentCustomers = z.infer<typeof segmentCustomersSchema>;

export const explanationSchema = z.object({
  ruleId: z.string(),
  reasonCode: z.string(),
  points: z.number(),
  /** The rule's text in the model version that decided; null when that version is unknown. */
  description: z.string().nullable(),
});

export const assignmentSummarySchema = z.object({
  segment: z.string(),
  modelSegment: z.string(),
  score: z.number(),
  reasonCodes: z.array(z.string()),
  explanation: z.array(explanationSchema),
  modelVersion: z.string(),
  prediction: predictionSummarySchema.nullable(),
  policyRef: z.string(),
  assignedAt: z.string(),
  revision: z.number().int(),
  pinned: z.object({ segment: z.string(), expiresAt: z.string() }).nullable(),
});

export const historyEntrySchema = z.object({
  at: z.string(),
  action: z.string(),
  segment: z.string().nullable(),
  previousSegment: z.string().nullable(),
  score: z.number().nullable(),
  reasonCodes: z.array(z.string()),
  explanation: z.array(explanationSchema),
  modelVersion: z.string().nullable(),
  prediction: predictionSummarySchema.nullable(),
  /** Who decided: the segment worker, or the principal id of an officer (never a name). */
  actor: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const customerHistorySchema = z.object({
  pseudonym,
  current: assignmentSummarySchema.nullable(),
  /** Oldest first. */
  history: z.array(historyEntrySchema),
});
export type CustomerHistory = z.infer<typeof customerHistorySchema>;
