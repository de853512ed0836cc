/**
 * What the API document says about each manifest route beyond what the manifest declares (method,
 * path, roles, auth, body limit): a summary, the request (query, headers, body) and the responses,
 * all as the zod schemas the handlers validate with or answer by. Every manifest route must have an
 * entry here (a unit test checks), so a new route cannot ship undocumented. Error responses share
 * one schema; the statuses every route can answer (401, 403, 413, 415, 500) are added from the
 * manifest, so entries list only the route's own ones.
 */
import { z } from 'zod';
import { verificationReportSchema } from '../../domain/audit-trail/responses.js';
import { openCaseRequest, transitionRequest } from '../../domain/cases/case.js';
import { caseListSchema, caseSchema } from '../../domain/cases/responses.js';
import { riskloopDeliverySchema } from '../../domain/feedback/provider-riskloop.js';
import {
  blindSpotsSchema,
  deliveryOutcomeSchema,
  npsReportSchema,
  secretRotatedSchema,
} from '../../domain/feedback/responses.js';
import { batchOutcomeSchema } from '../../domain/ingestion/responses.js';
import {
  captureCurveSchema,
  caseStatsSchema,
  customerHistorySchema,
  feedbackStatsSchema,
  incidentsSchema,
  insightsSummarySchema,
  modelTimelineSchema,
  segmentCustomersSchema,
} from '../../domain/insights/schemas.js';
import { subjectRequest } from '../../domain/privacy/erasure.js';
import { personalDataRequest } from '../../domain/privacy/personal-data-access.js';
import {
  erasureOutcomeSchema,
  personalDataAnswerSchema,
  subjectExportSchema,
} from '../../domain/privacy/responses.js';
import { lookupRequest } from '../../domain/privacy/subject-directory.js';
import {
  draftCreatedSchema,
  modelDiffSchema,
  modelPublishedSchema,
  modelRetiredSchema,
  modelValidationSchema,
  riskModelDraftSchema,
  riskModelListSchema,
  storedModelVersionSchema,
} from '../../domain/risk-model/responses.js';
import { customerRecord, transactionRecord } from '../../domain/schemas.js';
import {
  clusterReportSchema,
  scoringModelListSchema,
  scoringModelPublishedSchema,
  scoringModelTrainedSchema,
} from '../../domain/scoring/responses.js';
import { outcomeRecord, trainingRequest } from '../../domain/scoring/service.js';
import { pinRequest } from '../../domain/segmentation/overrides.js';
import {
  lookupResultSchema,
  pinSchema,
  resegmentationRunSchema,
  runStartedSchema,
  segmentCountsSchema,
  segmentViewSchema,
  simulationResponseSchema,
  unpinSchema,
} from '../../domain/segmentation/responses.js';
import { resegmentationRequest, runIdSchema } from '../../domain/segmentation/runs.js';
import { simulationRequest } from '../../domain/segmentation/simulation-request.js';

export type Tag =
  | 'Ingestion'
  | 'Segments'
  | 'Risk models'
  | 'Overrides'
  | 'Scoring'
  | 'Feedback'
  | 'Cases'
  | 'Audit'
  | 'Privacy'
  | 'Insights'
  | 'Dashboard'
  | 'Reference';

export interface ResponseDoc {
  description: string;
  /** Omitted for error statuses: they all answer the shared error schema. */
  schema?: z.ZodTypeAny;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface RouteDoc {
  tag: Tag;
  summary: string;
  description?: string;
  /** Path parameters default to a string; name a schema here to say more. */
  params?: Record<string, z.ZodTypeAny>;
  query?: z.AnyZodObject;
  headers?: z.AnyZodObject;
  body?: z.ZodTypeAny;
  /** Success statuses with their bodies, and the route's own error statuses with a description. */
  responses: Record<number, ResponseDoc>;
}

const pseudonym = z
  .string()
  .regex(/^k\d+\.[A-Za-z0-9_-]{43}$/)
  .describe('A customer pseudonym: <keyVersion>.<43 base64url characters>.');
const modelVersionParams = {
  modelId: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  version: z.string().regex(/^[1-9]\d*$/),
};
const caseId = z.string().regex(/^case_[A-Za-z0-9_-]{22}$/);
const period = z
  .string()
  .regex(/^\d{4}-\d{2}$/)
  .describe('YYYY-MM; the current month by default.');
const idempotencyKey = z
  .object({
    'Idempotency-Key': z
      .string()
      .regex(/^[\x21-\x7e]{1,255}$/)
      .optional()
      .describe(
        'The first answer comes back verbatim for 24 hours; the same key with another body is a 422.',
      ),
  })
  .strict();
/** Routes that act on the path alone still take a JSON body (the body limit applies); send {}. */
const emptyBody = z.object({}).describe('Send {}: the path says everything.');

const months = z
  .object({
    months: z
      .string()
      .regex(/^\d{1,2}$/)
      .optional()
      .describe('How many months back, 1-36; 12 by default.'),
  })
  .strict();

const notFound = (what: string): ResponseDoc => ({ description: `No such ${what}` });
const invalid: ResponseDoc = { description: 'Invalid input: details name each field' };
const conflict = (why: string): ResponseDoc => ({ description: why });

export const routeDocs: Record<string, RouteDoc> = {
  'POST /v1/customers': {
    tag: 'Ingestion',
    summary: 'Ingest 1-100 customer records',
    description:
      'Each record is validated, pseudonymised and encrypted on its own: one bad record never blocks the others.',
    headers: idempotencyKey,
    body: z.object({ records: z.array(customerRecord).min(1).max(100) }).strict(),
    responses: {
      207: { description: 'One result per record, in input order', schema: batchOutcomeSchema },
      400: invalid,
      422: conflict('Idempotency-Key reused with another body'),
    },
  },
  'POST /v1/transactions': {
    tag: 'Ingestion',
    summary: 'Ingest 1-500 transactions of known customers',
    headers: idempotencyKey,
    body: z.object({ transactions: z.array(transactionRecord).min(1).max(500) }).strict(),
    responses: {
      207: { description: 'One result per transaction, in input order', schema: batchOutcomeSchema },
      400: invalid,
      422: conflict('Idempotency-Key reused with another body'),
    },
  },
  'GET /v1/customers/{pseudonym}/segment': {
    tag: 'Segments',
    summary: "A customer's current segment, score, fired rules and reasons",
    params: { pseudonym },
    responses: {
      200: { description: 'The assignment with its explanation', schema: segmentViewSchema },
      400: invalid,
      404: notFound('assignment (yet)'),
    },
  },
  'GET /v1/segments': {
    tag: 'Segments',
    summary: 'Number of customers per segment of the published model',
    responses: { 200: { description: 'Counts per segment', schema: segmentCountsSchema } },
  },
  'POST /v1/risk-models': {
    tag: 'Risk models',
    summary: 'Store a new draft version of a risk model',
    body: riskModelDraftSchema,
    responses: {
      201: { description: 'The draft version stored', schema: draftCreatedSchema },
      400: invalid,
    },
  },
  'GET /v1/risk-models': {
    tag: 'Risk models',
    summary: 'Every risk model version and the published one',
    responses: { 200: { description: 'Versions', schema: riskModelListSchema } },
  },
  'POST /v1/risk-models/validate': {
    tag: 'Risk models',
    summary: 'Check a draft document without storing it',
    body: riskModelDraftSchema,
    responses: {
      200: { description: 'Whether it is valid, and every issue', schema: modelValidationSchema },
    },
  },
  'POST /v1/risk-models/simulate': {
    tag: 'Risk models',
    summary: 'Who would move where, and why, under a model version or draft and a scenario',
    body: simulationRequest,
    responses: {
      200: { description: 'The simulation report (nothing is written)', schema: simulationResponseSchema },
      400: invalid,
      404: notFound('model version'),
    },
  },
  'GET /v1/risk-models/{modelId}/versions/{version}': {
    tag: 'Risk models',
    summary: 'One stored version with its document',
    params: modelVersionParams,
    responses: {
      200: { description: 'The version', schema: storedModelVersionSchema },
      400: invalid,
      404: notFound('model version'),
    },
  },
  'GET /v1/risk-models/{modelId}/versions/{version}/document': {
    tag: 'Risk models',
    summary: "The version's document for auditors, in Markdown",
    params: modelVersionParams,
    responses: {
      200: {
        description: 'Markdown (for a published version, as rendered and hashed at publication)',
        schema: z.string(),
        contentType: 'text/markdown',
      },
      400: invalid,
      404: notFound('model version'),
    },
  },
  'GET /v1/risk-models/{modelId}/versions/{version}/diff/{otherVersion}': {
    tag: 'Risk models',
    summary: 'What changed from otherVersion to version',
    params: { ...modelVersionParams, otherVersion: modelVersionParams.version },
    responses: {
      200: { description: 'The structured diff and its summary', schema: modelDiffSchema },
      400: invalid,
      404: notFound('model version'),
    },
  },
  'POST /v1/risk-models/{modelId}/versions/{version}/publish': {
    tag: 'Risk models',
    summary: 'Publish a draft (everyone is re-segmented under it)',
    params: modelVersionParams,
    body: emptyBody,
    responses: {
      200: { description: 'Published, and the re-segmentation run started', schema: modelPublishedSchema },
      400: invalid,
      404: notFound('model version'),
      409: conflict('Not a draft, or another publication won'),
    },
  },
  'POST /v1/risk-models/{modelId}/versions/{version}/retire': {
    tag: 'Risk models',
    summary: 'Retire a draft',
    params: modelVersionParams,
    body: emptyBody,
    responses: {
      200: { description: 'Retired', schema: modelRetiredSchema },
      400: invalid,
      404: notFound('model version'),
      409: conflict('Not a draft'),
    },
  },
  'GET /v1/audit/verification': {
    tag: 'Audit',
    summary: "Verify one day's hash-chained audit trail and its signed checkpoints",
    query: z
      .object({
        day: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .optional()
          .describe('YYYY-MM-DD; today by default.'),
      })
      .strict(),
    responses: {
      200: { description: 'The report, naming every tampered record', schema: verificationReportSchema },
      400: invalid,
    },
  },
  'GET /v1/cases': {
    tag: 'Cases',
    summary: 'Cases by status (open by default) and kind',
    query: z
      .object({
        status: z.enum(['open', 'in_review', 'closed']).optional(),
        kind: z.enum(['kyc_review', 'enhanced_due_diligence', 'compliance_review']).optional(),
      })
      .strict(),
    responses: { 200: { description: 'Up to 500 cases', schema: caseListSchema }, 400: invalid },
  },
  'POST /v1/cases': {
    tag: 'Cases',
    summary: 'Open a case (the same cause opens the same case once)',
    body: openCaseRequest,
    responses: {
      201: { description: 'Opened', schema: caseSchema },
      200: { description: 'Already open for this cause', schema: caseSchema },
      400: invalid,
    },
  },
  'GET /v1/cases/{caseId}': {
    tag: 'Cases',
    summary: 'One case',
    params: { caseId },
    responses: { 200: { description: 'The case', schema: caseSchema }, 400: invalid, 404: notFound('case') },
  },
  'POST /v1/cases/{caseId}/transitions': {
    tag: 'Cases',
    summary: 'Take a case into review, or close it with an outcome',
    params: { caseId },
    body: transitionRequest,
    responses: {
      200: { description: 'The case after the move', schema: caseSchema },
      400: invalid,
      404: notFound('case'),
      409: conflict('Not allowed from the current status, or the case moved meanwhile'),
    },
  },
  'PUT /v1/customers/{pseudonym}/pin': {
    tag: 'Overrides',
    summary: "Pin a customer's segment with a reason and an expiry",
    params: { pseudonym },
    body: pinRequest,
    responses: {
      200: { description: 'The pin', schema: pinSchema },
      400: invalid,
      404: notFound('customer'),
    },
  },
  'DELETE /v1/customers/{pseudonym}/pin': {
    tag: 'Overrides',
    summary: 'Lift a pin',
    params: { pseudonym },
    responses: {
      200: { description: 'Lifted', schema: unpinSchema },
      400: invalid,
      404: notFound('pin'),
    },
  },
  'POST /v1/audit-outcomes': {
    tag: 'Scoring',
    summary: 'Record 1-1000 audit outcomes (the labels of predictive scoring)',
    body: z.object({ outcomes: z.array(outcomeRecord).min(1).max(1000) }).strict(),
    responses: {
      207: { description: 'One result per outcome, in input order', schema: batchOutcomeSchema },
      400: invalid,
    },
  },
  'POST /v1/scoring-models': {
    tag: 'Scoring',
    summary: 'Train an explainable scoring model on the audit outcomes',
    body: trainingRequest,
    responses: {
      201: { description: 'Trained, with validation metrics', schema: scoringModelTrainedSchema },
      400: invalid,
      422: conflict('Too few or one-sided outcomes to train on'),
    },
  },
  'GET /v1/scoring-models': {
    tag: 'Scoring',
    summary: 'Scoring model versions and the one in use',
    responses: { 200: { description: 'Versions', schema: scoringModelListSchema } },
  },
  'POST /v1/scoring-models/{version}/publish': {
    tag: 'Scoring',
    summary: 'Put a scoring model version in use',
    params: { version: modelVersionParams.version },
    body: emptyBody,
    responses: {
      200: { description: 'In use', schema: scoringModelPublishedSchema },
      400: invalid,
      404: notFound('scoring model version'),
      409: conflict('Another publication won'),
    },
  },
  'GET /v1/reports/clusters': {
    tag: 'Scoring',
    summary: 'k-means discovery report beside the current segments',
    query: z
      .object({
        k: z
          .string()
          .regex(/^([2-9]|1[0-2])$/)
          .optional()
          .describe('2-12; chosen by silhouette when absent.'),
      })
      .strict(),
    responses: {
      200: { description: 'Clusters with their segment mix', schema: clusterReportSchema },
      400: invalid,
      422: conflict('The population cannot be clustered'),
    },
  },
  'POST /v1/webhooks/surveys/{provider}': {
    tag: 'Feedback',
    summary: 'A signed survey delivery (Standard Webhooks)',
    description:
      'No API key: the sender signs the raw body. The body shown is the riskloop format; other providers send their own, mapped by configuration (docs/feedback.md).',
    params: { provider: z.string().regex(/^[a-z0-9-]{1,40}$/) },
    headers: z
      .object({
        'webhook-id': z.string(),
        'webhook-timestamp': z.string().regex(/^\d+$/).describe('Unix seconds; 5 minutes tolerance.'),
        'webhook-signature': z.string().describe('Space-separated v1,<base64 HMAC-SHA256>.'),
      })
      .strict(),
    body: riskloopDeliverySchema,
    responses: {
      200: { description: 'Counted, linked, ignored or a duplicate', schema: deliveryOutcomeSchema },
      400: invalid,
      401: { description: 'Missing, invalid or stale signature' },
      404: notFound('survey provider'),
      422: conflict('The payload does not match the provider mapping'),
    },
  },
  'GET /v1/feedback/nps': {
    tag: 'Feedback',
    summary: 'NPS and participation per risk segment for a month',
    query: z.object({ period: period.optional() }).strict(),
    responses: { 200: { description: 'Per segment', schema: npsReportSchema }, 400: invalid },
  },
  'GET /v1/feedback/blind-spots': {
    tag: 'Feedback',
    summary: 'Segments whose NPS is low or whose detractor share rises',
    query: z
      .object({
        period: period.optional(),
        npsThreshold: z
          .string()
          .regex(/^-?\d+(\.\d+)?$/)
          .optional()
          .describe('-100..100, default 0.'),
      })
      .strict(),
    responses: { 200: { description: 'Blind spots', schema: blindSpotsSchema }, 400: invalid },
  },
  'POST /v1/webhooks/surveys/{provider}/secrets': {
    tag: 'Feedback',
    summary: "Rotate a survey provider's signing secret (shown once)",
    params: { provider: z.string().regex(/^[a-z0-9-]{1,40}$/) },
    body: emptyBody,
    responses: {
      201: { description: 'The new secret', schema: secretRotatedSchema },
      404: notFound('survey provider'),
    },
  },
  'POST /v1/subjects/erasure': {
    tag: 'Privacy',
    summary: 'Erase a data subject (crypto-shred), or defer under a legal hold',
    body: subjectRequest,
    responses: {
      200: { description: 'Erased', schema: erasureOutcomeSchema },
      202: { description: 'Deferred under a legal hold', schema: erasureOutcomeSchema },
      400: invalid,
      404: notFound('subject'),
    },
  },
  'POST /v1/subjects/export': {
    tag: 'Privacy',
    summary: 'Everything held about a data subject, decrypted (GDPR Art. 15 and 20)',
    body: subjectRequest,
    responses: {
      200: { description: 'The export document', schema: subjectExportSchema },
      400: invalid,
      404: notFound('subject'),
    },
  },
  'POST /v1/customers/personal-data': {
    tag: 'Privacy',
    summary: "One customer's personal data for a stated purpose, if the segment policy allows the role",
    body: personalDataRequest,
    responses: {
      200: { description: 'Released (and audited)', schema: personalDataAnswerSchema },
      400: invalid,
      404: notFound('customer'),
    },
  },
  'POST /v1/customers/lookup': {
    tag: 'Segments',
    summary: 'The pseudonym of an external id (sent in the body, never in a URL)',
    description: 'Resolves only: it never creates a subject. Never ingested and erased look the same.',
    body: lookupRequest,
    responses: {
      200: { description: 'The pseudonym', schema: lookupResultSchema },
      404: notFound('customer with this external id'),
    },
  },
  'POST /v1/resegmentation-runs': {
    tag: 'Risk models',
    summary: 'Re-segment everyone, or the decisions older than N days',
    body: resegmentationRequest,
    responses: { 202: { description: 'Run started', schema: runStartedSchema } },
  },
  'GET /v1/resegmentation-runs/{runId}': {
    tag: 'Risk models',
    summary: 'Progress of a re-segmentation run',
    params: { runId: runIdSchema },
    responses: {
      200: { description: 'The run and its counters', schema: resegmentationRunSchema },
      400: invalid,
      404: notFound('run'),
    },
  },
  'GET /v1/insights/summary': {
    tag: 'Insights',
    summary: 'Segment distribution, trend, reason codes and KPI tiles',
    query: months,
    responses: { 200: { description: 'Summary', schema: insightsSummarySchema }, 400: invalid },
  },
  'GET /v1/insights/capture-curve': {
    tag: 'Insights',
    summary: 'Share of audit issues captured by the riskiest customers (capture curve), per segment',
    responses: { 200: { description: 'Capture curve', schema: captureCurveSchema } },
  },
  'GET /v1/insights/incidents': {
    tag: 'Insights',
    summary: 'Audit outcomes per month and current segment',
    query: months,
    responses: { 200: { description: 'Series', schema: incidentsSchema }, 400: invalid },
  },
  'GET /v1/insights/cases': {
    tag: 'Insights',
    summary: 'Open, in-review and closed cases and median time to close, per segment',
    responses: { 200: { description: 'Per segment', schema: caseStatsSchema } },
  },
  'GET /v1/insights/feedback': {
    tag: 'Insights',
    summary: 'NPS and participation per segment and month',
    query: months,
    responses: { 200: { description: 'Series', schema: feedbackStatsSchema }, 400: invalid },
  },
  'GET /v1/insights/model-timeline': {
    tag: 'Insights',
    summary: 'Risk and scoring model versions over time',
    responses: { 200: { description: 'Timeline', schema: modelTimelineSchema } },
  },
  'GET /v1/insights/segments/{segment}/customers': {
    tag: 'Insights',
    summary: 'Customers of a segment (pseudonyms), a page at a time',
    params: { segment: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) },
    query: z
      .object({
        limit: z.string().regex(/^\d+$/).optional().describe('1-1000; 100 by default.'),
        cursor: z.string().optional().describe('nextCursor of the previous page.'),
      })
      .strict(),
    responses: {
      200: { description: 'A page', schema: segmentCustomersSchema },
      400: invalid,
      404: notFound('segment'),
    },
  },
  'GET /v1/customers/{pseudonym}/history': {
    tag: 'Insights',
    summary: "A customer's assignment history with explanations",
    params: { pseudonym },
    responses: {
      200: { description: 'Current assignment and history', schema: customerHistorySchema },
      400: invalid,
      404: notFound('customer'),
    },
  },
  'GET /dashboard': {
    tag: 'Dashboard',
    summary: 'The dashboard page (it calls the insights API with your key)',
    responses: { 200: { description: 'HTML', schema: z.string(), contentType: 'text/html' } },
  },
  'GET /dashboard/dashboard.js': {
    tag: 'Dashboard',
    summary: "The dashboard's script, with its charting library bundled",
    responses: { 200: { description: 'JavaScript', schema: z.string(), contentType: 'text/javascript' } },
  },
  'GET /dashboard/styles.css': {
    tag: 'Dashboard',
    summary: "The dashboard's style sheet",
    responses: { 200: { description: 'CSS', schema: z.string(), contentType: 'text/css' } },
  },
  'GET /openapi.json': {
    tag: 'Reference',
    summary: 'This OpenAPI 3.1 document',
    responses: {
      200: { description: 'The document', schema: z.object({ openapi: z.string() }).passthrough() },
    },
  },
  'GET /docs': {
    tag: 'Reference',
    summary: 'The API reference, rendered as HTML from this document',
    responses: { 200: { description: 'HTML', schema: z.string(), contentType: 'text/html' } },
  },
};
