/**
 * What the API document says about each manifest route beyond what the manifest declares (method,
 * path, roles, auth, body limit): a summary, the request (query, headers, body) and the responses,
 * all as the zod schemas the handlers validate with or answer by. Every manifest route must have an
 * entry here (a unit test checks), so a new route cannot ship undocumented. Error responses share
 * one schema; the statuses every route can answer (401, 403, 413, 415, 500) are added from the
 * manifest, so entries list only the route's own ones. Audit, case, override and scoring routes
 * are in registry-compliance.ts, insights, dashboard and reference routes in registry-insights.ts
 * (spread in place, so the document keeps its order); shared schemas in route-doc.ts.
 */

import { z } from 'zod';
import { deferredSchema } from '../../domain/approvals/responses.js';
import { riskloopDeliverySchema } from '../../domain/feedback/provider-riskloop.js';
import {
  blindSpotsSchema,
  deliveryOutcomeSchema,
  npsReportSchema,
  secretRotatedSchema,
} from '../../domain/feedback/responses.js';
import { batchOutcomeSchema } from '../../domain/ingestion/responses.js';
import { jobSchema } from '../../domain/jobs/responses.js';
import { erasureRequest, subjectRequest } from '../../domain/privacy/erasure.js';
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
  lookupResultSchema,
  resegmentationRunSchema,
  runStartedSchema,
  segmentCountsSchema,
  segmentViewSchema,
} from '../../domain/segmentation/responses.js';
import { resegmentationRequest, runIdSchema } from '../../domain/segmentation/run-schemas.js';
import { simulationRequest } from '../../domain/segmentation/simulation-request.js';
import { approvalRouteDocs, deferred } from './registry-approvals.js';
import { complianceRouteDocs } from './registry-compliance.js';
import { insightsRouteDocs } from './registry-insights.js';
import {
  conflict,
  emptyBody,
  idempotencyKey,
  invalid,
  modelVersionParams,
  notFound,
  period,
  pseudonym,
  type RouteDoc,
} from './route-doc.js';

export type { ResponseDoc, RouteDoc, Tag } from './route-doc.js';

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
    summary: 'Start a job: who would move where, and why, under a model version or draft and a scenario',
    body: simulationRequest,
    responses: {
      202: {
        description:
          'Job started (Location: /v1/jobs/{jobId}), fanned out over scan shards; its result is the simulation report (nothing else is written)',
        schema: jobSchema,
      },
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
      202: deferred,
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
      202: deferred,
      400: invalid,
      404: notFound('model version'),
      409: conflict('Not a draft'),
    },
  },
  ...complianceRouteDocs,
  ...approvalRouteDocs,
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
      202: deferred,
      404: notFound('survey provider'),
    },
  },
  'POST /v1/subjects/erasure': {
    tag: 'Privacy',
    summary: 'Erase a data subject (crypto-shred), or defer under a legal hold',
    description:
      'With liftHold, a subject under a legal hold is erased now, for the reason code given, once a second privacy officer approves (four-eyes) or at once where the policy does not ask for one.',
    body: erasureRequest,
    responses: {
      200: { description: 'Erased', schema: erasureOutcomeSchema },
      202: {
        description: 'Deferred under a legal hold, or (liftHold) waiting for a second privacy officer',
        schema: z.union([erasureOutcomeSchema, deferredSchema]),
      },
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
  ...insightsRouteDocs,
};
