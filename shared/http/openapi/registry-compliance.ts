/** API documentation of the audit, case, override and scoring routes (see registry.ts). */
import { z } from 'zod';
import { verificationReportSchema, verificationRequest } from '../../domain/audit-trail/responses.js';
import { caseListQuery, openCaseRequest, transitionRequest } from '../../domain/cases/case.js';
import { caseListSchema, caseSchema } from '../../domain/cases/responses.js';
import { clusterRequest } from '../../domain/clustering/index.js';
import { batchOutcomeSchema } from '../../domain/ingestion/responses.js';
import { exportPageQuery, exportPageSchema, exportRequest } from '../../domain/jobs/export.js';
import { jobIdSchema, jobListQuery, jobListSchema, jobSchema } from '../../domain/jobs/responses.js';
import { importRequest } from '../../domain/scoring/import.js';
import {
  featureLayoutSchema,
  scoringModelImportedSchema,
  scoringModelListSchema,
  scoringModelPublishedSchema,
} from '../../domain/scoring/responses.js';
import { outcomeRecord, trainingRequest } from '../../domain/scoring/service.js';
import { pinRequest } from '../../domain/segmentation/overrides.js';
import { pinSchema, unpinSchema } from '../../domain/segmentation/responses.js';
import { deferred } from './registry-approvals.js';
import {
  caseId,
  conflict,
  emptyBody,
  erased,
  invalid,
  modelVersionParams,
  notFound,
  pseudonym,
  type RouteDoc,
} from './route-doc.js';

export const complianceRouteDocs: Record<string, RouteDoc> = {
  'POST /v1/audit/verifications': {
    tag: 'Audit',
    summary:
      'Start a job that verifies the audit trail of a day of any size, or of up to 31 days (default: today)',
    body: verificationRequest,
    responses: {
      202: {
        description:
          'Job started (Location: /v1/jobs/{jobId}); its result is the verification report (the first 1,000 findings)',
        schema: jobSchema,
      },
      400: invalid,
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
    summary: 'Cases by status (open by default) and kind, oldest opened first, paged',
    query: caseListQuery,
    responses: { 200: { description: 'A page of cases', schema: caseListSchema }, 400: invalid },
  },
  'POST /v1/cases': {
    tag: 'Cases',
    summary: 'Open a case (the same cause opens the same case once)',
    body: openCaseRequest,
    responses: {
      201: { description: 'Opened', schema: caseSchema },
      200: { description: 'Already open for this cause', schema: caseSchema },
      400: invalid,
      410: erased,
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
      202: {
        ...deferred,
        description: 'A pin below the model’s segment waits for a second officer (four-eyes)',
      },
      400: invalid,
      404: notFound('customer'),
      410: erased,
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
    summary: 'Start a job that trains an explainable scoring model on the audit outcomes',
    body: trainingRequest,
    responses: {
      202: {
        description:
          'Job started (Location: /v1/jobs/{jobId}); its result holds the version and validation metrics, or the error (TOO_FEW_OUTCOMES, SINGLE_CLASS, …)',
        schema: jobSchema,
      },
      400: invalid,
    },
  },
  'GET /v1/jobs': {
    tag: 'Jobs',
    summary: 'Jobs not ended yet (queued or running), newest first, paged',
    query: jobListQuery,
    responses: { 200: { description: 'A page of jobs', schema: jobListSchema }, 400: invalid },
  },
  'GET /v1/jobs/{jobId}': {
    tag: 'Jobs',
    summary: 'Where a job is: status, progress, attempts; its result or error once ended',
    params: { jobId: jobIdSchema },
    responses: { 200: { description: 'The job', schema: jobSchema }, 400: invalid, 404: notFound('job') },
  },
  'POST /v1/jobs/{jobId}/cancel': {
    tag: 'Jobs',
    summary: 'Ask a job to stop (audited); it stops at its next progress report',
    params: { jobId: jobIdSchema },
    body: emptyBody,
    responses: {
      202: { description: 'Cancel requested', schema: jobSchema },
      400: invalid,
      404: notFound('job'),
      409: conflict('The job has ended'),
    },
  },
  'POST /v1/exports/segments': {
    tag: 'Jobs',
    summary:
      'Start a job that exports the segment register: every customer’s decision in force (pseudonyms only), or one segment’s',
    body: exportRequest,
    responses: {
      202: {
        description:
          'Job started (Location: /v1/jobs/{jobId}); once succeeded, its result holds the row count and its rows are read with GET /v1/jobs/{jobId}/rows',
        schema: jobSchema,
      },
      400: invalid,
    },
  },
  'GET /v1/jobs/{jobId}/rows': {
    tag: 'Jobs',
    summary: 'A page of an ended export’s rows, in a stable order, with the cursor to the next page',
    params: { jobId: jobIdSchema },
    query: exportPageQuery,
    responses: {
      200: { description: 'A page of rows', schema: exportPageSchema },
      400: invalid,
      404: notFound('export job'),
      409: conflict('The export has not succeeded (yet)'),
      410: { description: 'EXPORT_EXPIRED: an export’s rows are kept 7 days; start it again' },
    },
  },
  'GET /v1/scoring-models': {
    tag: 'Scoring',
    summary: 'Scoring model versions and the one in use',
    responses: { 200: { description: 'Versions', schema: scoringModelListSchema } },
  },
  'POST /v1/scoring-models/import': {
    tag: 'Scoring',
    summary: 'Import a model trained elsewhere (XGBoost JSON) as the next scoring version',
    description:
      "The model's columns must follow GET /v1/scoring-models/feature-layout for the variables it names. XGBoost 1.6 to 2.1 JSON (save_model('model.json')), gbtree, binary:logistic or binary:logitraw, numerical splits; other files are refused with a code (UNSUPPORTED_XGBOOST_VERSION, UNSUPPORTED_BOOSTER, UNSUPPORTED_OBJECTIVE, CATEGORICAL_SPLITS_UNSUPPORTED, FEATURE_MISMATCH, INVALID_MODEL, MODEL_TOO_LARGE).",
    body: importRequest,
    responses: {
      201: {
        description: 'Stored (and put in use when asked, re-scoring everyone)',
        schema: scoringModelImportedSchema,
      },
      400: invalid,
      409: conflict('Another model took this version meanwhile; import again'),
      422: { description: 'The model file cannot be used: the code says why' },
    },
  },
  'GET /v1/scoring-models/feature-layout': {
    tag: 'Scoring',
    summary: "The columns a model trained elsewhere must have, from the published risk model's declarations",
    responses: {
      200: { description: 'Columns in order, and each variable’s span', schema: featureLayoutSchema },
    },
  },
  'GET /v1/scoring-models/{version}/document': {
    tag: 'Scoring',
    summary: "The version's document for auditors, in Markdown",
    params: { version: modelVersionParams.version },
    responses: {
      200: {
        description:
          'Markdown: data, encodings, parameters, validation, the model, how to read an explanation',
        schema: z.string(),
        contentType: 'text/markdown',
      },
      400: invalid,
      404: notFound('scoring model version'),
    },
  },
  'POST /v1/scoring-models/{version}/publish': {
    tag: 'Scoring',
    summary: 'Put a scoring model version in use',
    params: { version: modelVersionParams.version },
    body: emptyBody,
    responses: {
      200: { description: 'In use', schema: scoringModelPublishedSchema },
      202: deferred,
      400: invalid,
      404: notFound('scoring model version'),
      409: conflict('Another publication won'),
    },
  },
  'POST /v1/reports/clusters': {
    tag: 'Scoring',
    summary:
      'Start a job: k-means discovery report on a sample of the population, beside the current segments',
    body: clusterRequest,
    responses: {
      202: {
        description:
          'Job started (Location: /v1/jobs/{jobId}); its result is the cluster report, or the error (VALIDATION_FAILED with too few segmented customers)',
        schema: jobSchema,
      },
      400: invalid,
    },
  },
};
