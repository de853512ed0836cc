/**
 * The one description of riskloop (functions, triggers, tables, queues, schedules, KMS keys), read by
 * both the CDK stacks and `npm start`, so AWS and a laptop cannot drift apart. Add functions here only
 * (or in the group files listed in `functions` below: manifest-compliance.ts, manifest-privacy.ts,
 * manifest-insights.ts, manifest-jobs.ts, manifest-feedback.ts); tables, queues, buses and keys are in
 * manifest-resources.ts.
 *
 * Each function's description is a constant of its own, which its handler imports by name
 * (`import { readApi as spec }`): esbuild then leaves every other function's description out of
 * that handler's bundle, where `functions.readApi` would carry all of them (about 16 KB).
 */

import { approvalsApi } from './manifest-approvals.js';
import { auditApi, auditCheckpoint, casesApi, kycReviewScheduler } from './manifest-compliance.js';
import { feedbackApi, feedbackReviewScheduler, surveyWebhook } from './manifest-feedback.js';
import { apiDocs, dashboard, insightsApi, segmentSnapshotScheduler } from './manifest-insights.js';
import {
  auditVerifier,
  clusterReporter,
  exportWorker,
  jobsApi,
  resegmentScheduler,
  resegmentShardWorker,
  scoringTrainer,
  simulationWorker,
} from './manifest-jobs.js';
import { personalDataApi, privacyApi, privacyScheduler } from './manifest-privacy.js';
import { scoringApi, scoringModelsApi } from './manifest-scoring.js';
import type { FunctionSpec, HttpRoute } from './manifest-types.js';

export * from './manifest-approvals.js';
export * from './manifest-compliance.js';
export * from './manifest-feedback.js';
export * from './manifest-insights.js';
export * from './manifest-jobs.js';
export * from './manifest-privacy.js';
export * from './manifest-resources.js';
export * from './manifest-scoring.js';
export * from './manifest-types.js';

export const authorizer = {
  entry: 'functions/authorizer/handler.ts',
  description:
    'Authoriser: API keys (machines) and, with an issuer configured, OIDC access tokens (people); a policy for exactly the routes of the role.',
  memoryMb: 256,
  timeoutSeconds: 5,
  trigger: { kind: 'authorizer' },
  tables: { principals: 'read' },
} as const satisfies FunctionSpec;

export const initialiser = {
  entry: 'functions/initialiser/handler.ts',
  description:
    'Deploy-time initialisation: the keyring secrets and the first administrator (from its key hash); idempotent, audited.',
  memoryMb: 256,
  timeoutSeconds: 60,
  trigger: { kind: 'deployment' },
  // Creates the secrets the other functions may only read; the first principal, conditionally.
  tables: { keyring: 'readwrite', principals: 'readwrite', audit: 'readwrite' },
  keys: { pseudonymisation: 'generate', dataKeys: 'generate' },
} as const satisfies FunctionSpec;

export const ingestCustomers = {
  entry: 'functions/ingest-customers/handler.ts',
  description: 'Validates, pseudonymises and encrypts customer records, then queues segmentation.',
  memoryMb: 1024,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      {
        method: 'POST',
        path: '/v1/customers',
        roles: ['ingest', 'admin'],
        maxBodyBytes: 1_048_576,
        batchItems: 'records',
      },
    ],
  },
  tables: {
    profiles: 'readwrite',
    subjectKeys: 'readwrite',
    keyring: 'read',
    audit: 'readwrite',
    idempotency: 'readwrite',
    subjectIndex: 'readwrite',
    ingestIntents: 'readwrite',
  },
  // Powertools deletes the in-progress idempotency record when a request fails, so a retry runs.
  // The request's own intent, once its queue send is done (a crash leaves it to the reconciler).
  deletes: ['idempotency', 'ingestIntents'],
  queues: { segmentation: 'send' },
  keys: { pseudonymisation: 'decrypt', dataKeys: 'decrypt' },
  reservedConcurrency: 50,
} as const satisfies FunctionSpec;

export const ingestTransactions = {
  entry: 'functions/ingest-transactions/handler.ts',
  description: 'Records transactions of known customers and queues their re-segmentation.',
  memoryMb: 1024,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      {
        method: 'POST',
        path: '/v1/transactions',
        roles: ['ingest', 'admin'],
        maxBodyBytes: 1_048_576,
        batchItems: 'transactions',
      },
    ],
  },
  tables: {
    profiles: 'read',
    transactions: 'readwrite',
    keyring: 'read',
    idempotency: 'readwrite',
    subjectIndex: 'read',
    ingestIntents: 'readwrite',
  },
  deletes: ['idempotency', 'ingestIntents'],
  queues: { segmentation: 'send' },
  keys: { pseudonymisation: 'decrypt' },
  reservedConcurrency: 50,
} as const satisfies FunctionSpec;

export const readApi = {
  entry: 'functions/read-api/handler.ts',
  description: 'Read path: a customer segment with its explanation, and counts per segment.',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      {
        method: 'GET',
        path: '/v1/customers/{pseudonym}/segment',
        roles: ['analyst', 'compliance', 'admin'],
      },
      { method: 'GET', path: '/v1/segments', roles: ['analyst', 'compliance', 'admin'] },
      // External id in the body, never in a URL; resolves only, never creates a subject.
      {
        method: 'POST',
        path: '/v1/customers/lookup',
        roles: ['analyst', 'compliance', 'admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  // The MAC secret only (no data keys, no subject keys): this function can still decrypt no personal data.
  // Profiles only to see whether a customer was accepted (a crash may leave a directory entry alone).
  tables: {
    aggregates: 'read',
    assignments: 'read',
    riskModels: 'read',
    // The model behind a decision's prediction explains it in full (versions are immutable).
    scoringModels: 'read',
    subjectIndex: 'read',
    keyring: 'read',
    profiles: 'read',
  },
  keys: { pseudonymisation: 'decrypt' },
} as const satisfies FunctionSpec;

export const riskModelsApi = {
  entry: 'functions/risk-models-api/handler.ts',
  description: 'Risk model lifecycle: drafts, validation, versions, diffs, simulation, publication.',
  memoryMb: 1024,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'POST', path: '/v1/risk-models', roles: ['admin'], maxBodyBytes: 262_144 },
      { method: 'GET', path: '/v1/risk-models', roles: ['analyst', 'compliance', 'admin'] },
      {
        method: 'POST',
        path: '/v1/risk-models/validate',
        roles: ['analyst', 'compliance', 'admin'],
        maxBodyBytes: 262_144,
      },
      {
        method: 'POST',
        path: '/v1/risk-models/simulate',
        roles: ['analyst', 'compliance', 'admin'],
        maxBodyBytes: 262_144,
      },
      {
        method: 'GET',
        path: '/v1/risk-models/{modelId}/versions/{version}',
        roles: ['analyst', 'compliance', 'admin'],
      },
      {
        method: 'GET',
        path: '/v1/risk-models/{modelId}/versions/{version}/document',
        roles: ['analyst', 'compliance', 'admin'],
      },
      {
        method: 'GET',
        path: '/v1/risk-models/{modelId}/versions/{version}/diff/{otherVersion}',
        roles: ['analyst', 'compliance', 'admin'],
      },
      {
        method: 'POST',
        path: '/v1/risk-models/{modelId}/versions/{version}/publish',
        roles: ['admin'],
        maxBodyBytes: 4096,
      },
      {
        method: 'POST',
        path: '/v1/risk-models/{modelId}/versions/{version}/retire',
        roles: ['admin'],
        maxBodyBytes: 4096,
      },
      // Re-segmentation by hand over HTTP (the CLI); this function already starts runs on publication.
      { method: 'POST', path: '/v1/resegmentation-runs', roles: ['admin'], maxBodyBytes: 1024 },
      { method: 'GET', path: '/v1/resegmentation-runs/{runId}', roles: ['admin'] },
      // A second administrator decides on a publication or retirement (four-eyes, docs/auth.md).
      {
        method: 'POST',
        path: '/v1/approvals/risk-models/{approvalId}',
        roles: ['admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  tables: {
    riskModels: 'readwrite',
    approvals: 'readwrite',
    // The versions in use, which a run over due decisions compares with.
    scoringModels: 'read',
    audit: 'readwrite',
    runs: 'readwrite',
    aggregates: 'read', // the population sizes the fan-out (one shard per 5,000 customers)
  },
  // Publication and POST /v1/resegmentation-runs start runs, and a simulation starts a job: shard
  // messages only, no scan here.
  queues: { resegmentationShards: 'send', simulationShards: 'send' },
} as const satisfies FunctionSpec;

export const overridesApi = {
  entry: 'functions/overrides-api/handler.ts',
  description:
    'Manual overrides: a compliance officer pins a segment with a reason code, sealed note and expiry, or lifts it.',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'PUT', path: '/v1/customers/{pseudonym}/pin', roles: ['compliance'], maxBodyBytes: 8192 },
      { method: 'DELETE', path: '/v1/customers/{pseudonym}/pin', roles: ['compliance'] },
      // A second officer decides on a pin to a lower segment (four-eyes, docs/auth.md).
      {
        method: 'POST',
        path: '/v1/approvals/pins/{approvalId}',
        roles: ['compliance'],
        maxBodyBytes: 1024,
      },
    ],
  },
  tables: {
    overrides: 'readwrite',
    approvals: 'readwrite',
    audit: 'readwrite',
    assignments: 'read',
    // The officer's note is sealed under the subject's key.
    subjectKeys: 'read',
    keyring: 'read',
  },
  // Lifting a pin deletes its item (the audit trail keeps the history).
  deletes: ['overrides'],
  queues: { segmentation: 'send' },
  keys: { dataKeys: 'decrypt' },
} as const satisfies FunctionSpec;

export const segmentWorker = {
  entry: 'functions/segment-worker/handler.ts',
  description: 'Evaluates the published risk model per customer; writes assignment and audit atomically.',
  memoryMb: 1024,
  timeoutSeconds: 30,
  trigger: { kind: 'sqs', queue: 'segmentation', batchSize: 100, maxBatchingWindowSeconds: 1 },
  tables: {
    aggregates: 'readwrite',
    profiles: 'read',
    transactions: 'read',
    assignments: 'readwrite',
    audit: 'readwrite',
    riskModels: 'read',
    overrides: 'read',
    runs: 'readwrite',
    scoringModels: 'read',
    feedback: 'read',
  },
  queues: { segmentation: 'consume' },
  events: { compliance: 'publish' },
  // Sized by docs/cost-model.md's scale model: 120 containers re-segment 10 million customers with
  // unchanged inputs within its 10 minutes, faster than reads of a new on-demand table allow, so the
  // table binds, not this; far inside the default 1,000. The worker makes no KMS call per customer.
  reservedConcurrency: 120,
} as const satisfies FunctionSpec;

export const reconciler = {
  entry: 'functions/reconciler/handler.ts',
  description:
    'Repairs what a crashed ingestion left: re-queues accepted customers never queued, removes keys and directory entries of customers never accepted.',
  memoryMb: 512,
  timeoutSeconds: 300,
  trigger: {
    kind: 'schedule',
    expression: 'rate(10 minutes)',
    description: 'Ingestion repair after crashes',
  },
  // Reads the intents left behind (a handful), never the population.
  tables: {
    ingestIntents: 'readwrite',
    subjectIndex: 'readwrite',
    subjectKeys: 'readwrite',
    profiles: 'read',
    audit: 'readwrite',
  },
  // Orphans of records never accepted (no profile): their key and directory entry, and the intent.
  deletes: ['ingestIntents', 'subjectIndex', 'subjectKeys'],
  queues: { segmentation: 'send' },
} as const satisfies FunctionSpec;

/**
 * Every function, in the order of the docs and reports. Named one by one, never spread from a group
 * object: esbuild keeps a spread (it might run a getter), and with it every description.
 */
export const functions = {
  authorizer,
  initialiser,
  ingestCustomers,
  ingestTransactions,
  readApi,
  riskModelsApi,
  auditCheckpoint,
  auditApi,
  casesApi,
  kycReviewScheduler,
  overridesApi,
  approvalsApi,
  segmentWorker,
  resegmentScheduler,
  resegmentShardWorker,
  scoringTrainer,
  clusterReporter,
  simulationWorker,
  auditVerifier,
  exportWorker,
  jobsApi,
  scoringApi,
  scoringModelsApi,
  surveyWebhook,
  feedbackApi,
  feedbackReviewScheduler,
  reconciler,
  privacyApi,
  personalDataApi,
  privacyScheduler,
  apiDocs,
  dashboard,
  insightsApi,
  segmentSnapshotScheduler,
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/** Every HTTP route with the function that serves it. */
export function httpRoutes(): { functionName: FunctionName; route: HttpRoute }[] {
  return Object.entries(functions as Record<FunctionName, FunctionSpec>).flatMap(([name, spec]) =>
    spec.trigger.kind === 'http'
      ? spec.trigger.routes.map((route) => ({ functionName: name as FunctionName, route }))
      : [],
  );
}
