/**
 * The one description of riskloop (functions, triggers, tables, queues, schedules, KMS keys), read by
 * both the CDK stacks and `npm start`, so AWS and a laptop cannot drift apart. Add functions here only.
 */
import type { FunctionSpec, HttpRoute, TableName } from './manifest-types.js';

export * from './manifest-resources.js';
export * from './manifest-types.js';

/**
 * What erasure touches, shared by the two functions that erase (privacyApi on request, privacyScheduler
 * when a hold or the retention period ends): it crypto-shreds the subject key and the directory entry,
 * then deletes everything keyed by the pseudonym. Nothing else may delete from these tables.
 */
const erasedTables = [
  'subjectIndex',
  'subjectKeys',
  'profiles',
  'transactions',
  'assignments',
  'overrides',
  'feedback',
  'outcomes',
  'erasureRequests',
  'cases',
  'kycReviews',
] as const satisfies readonly TableName[];
const erasure = {
  tables: Object.fromEntries(erasedTables.map((t) => [t, 'readwrite'])) as Record<
    (typeof erasedTables)[number],
    'readwrite'
  >,
  deletes: erasedTables,
};

export const functions = {
  authorizer: {
    entry: 'functions/authorizer/handler.ts',
    description: 'API key authoriser: resolves the caller role and returns a policy for exactly its routes.',
    memoryMb: 256,
    timeoutSeconds: 5,
    trigger: { kind: 'authorizer' },
    tables: { principals: 'read' },
  },
  ingestCustomers: {
    entry: 'functions/ingest-customers/handler.ts',
    description: 'Validates, pseudonymises and encrypts customer records, then queues segmentation.',
    memoryMb: 1024,
    timeoutSeconds: 29,
    trigger: {
      kind: 'http',
      routes: [
        { method: 'POST', path: '/v1/customers', roles: ['ingest', 'admin'], maxBodyBytes: 1_048_576 },
      ],
    },
    tables: {
      profiles: 'readwrite',
      subjectKeys: 'readwrite',
      keyring: 'readwrite',
      audit: 'readwrite',
      idempotency: 'readwrite',
      subjectIndex: 'readwrite',
    },
    // Powertools deletes the in-progress idempotency record when a request fails, so a retry runs.
    deletes: ['idempotency'],
    queues: { segmentation: 'send' },
    keys: { pseudonymisation: 'generate', dataKeys: 'generate' },
    reservedConcurrency: 50,
  },
  ingestTransactions: {
    entry: 'functions/ingest-transactions/handler.ts',
    description: 'Records transactions of known customers and queues their re-segmentation.',
    memoryMb: 1024,
    timeoutSeconds: 29,
    trigger: {
      kind: 'http',
      routes: [
        { method: 'POST', path: '/v1/transactions', roles: ['ingest', 'admin'], maxBodyBytes: 1_048_576 },
      ],
    },
    tables: {
      profiles: 'read',
      transactions: 'readwrite',
      keyring: 'readwrite',
      idempotency: 'readwrite',
      subjectIndex: 'read',
    },
    deletes: ['idempotency'],
    queues: { segmentation: 'send' },
    keys: { pseudonymisation: 'generate' },
    reservedConcurrency: 50,
  },
  readApi: {
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
    tables: { assignments: 'read', riskModels: 'read', subjectIndex: 'read', keyring: 'read' },
    keys: { pseudonymisation: 'decrypt' },
  },
  riskModelsApi: {
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
      ],
    },
    tables: {
      riskModels: 'readwrite',
      audit: 'readwrite',
      assignments: 'read',
      runs: 'readwrite',
    },
    // Publication and POST /v1/resegmentation-runs start runs: shard messages only, no scan here.
    queues: { resegmentationShards: 'send' },
  },
  auditCheckpoint: {
    entry: 'functions/audit-checkpoint/handler.ts',
    description: 'Signs the heads of the audit hash chains with the asymmetric audit key (hourly).',
    memoryMb: 256,
    timeoutSeconds: 60,
    trigger: { kind: 'schedule', expression: 'rate(1 hour)', description: 'Hourly audit checkpoint' },
    tables: { audit: 'readwrite' },
    keys: { auditSigning: 'sign' },
    // One checkpoint at a time keeps the checkpoints a single chain.
    reservedConcurrency: 1,
  },
  auditApi: {
    entry: 'functions/audit-api/handler.ts',
    description:
      'Verifies the audit trail (chains, heads, signed checkpoints) and names any tampered record.',
    memoryMb: 1024,
    timeoutSeconds: 29,
    trigger: {
      kind: 'http',
      routes: [{ method: 'GET', path: '/v1/audit/verification', roles: ['compliance', 'admin'] }],
    },
    tables: { audit: 'read' },
    keys: { auditSigning: 'verify' },
  },
  casesApi: {
    entry: 'functions/cases-api/handler.ts',
    description:
      'Compliance cases: open, list, take into review, close with an outcome (audited; outcomes feed scoring).',
    memoryMb: 512,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        { method: 'GET', path: '/v1/cases', roles: ['compliance', 'admin'] },
        { method: 'POST', path: '/v1/cases', roles: ['compliance'], maxBodyBytes: 4096 },
        { method: 'GET', path: '/v1/cases/{caseId}', roles: ['compliance', 'admin'] },
        { method: 'POST', path: '/v1/cases/{caseId}/transitions', roles: ['compliance'], maxBodyBytes: 4096 },
      ],
    },
    tables: {
      cases: 'readwrite',
      audit: 'readwrite',
      outcomes: 'readwrite',
      kycReviews: 'readwrite',
      profiles: 'read',
    },
    events: { compliance: 'publish' },
  },
  kycReviewScheduler: {
    entry: 'functions/kyc-review-scheduler/handler.ts',
    description:
      'Finds customers whose periodic KYC review is overdue under their segment policy; opens cases, emits KycReviewDue.',
    memoryMb: 1024,
    timeoutSeconds: 900,
    trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily KYC review check' },
    tables: {
      assignments: 'read',
      riskModels: 'read',
      kycReviews: 'readwrite',
      cases: 'readwrite',
      audit: 'readwrite',
    },
    events: { compliance: 'publish' },
    reservedConcurrency: 1,
  },
  overridesApi: {
    entry: 'functions/overrides-api/handler.ts',
    description:
      'Manual overrides: a compliance officer pins a segment with a reason and an expiry, or lifts the pin.',
    memoryMb: 512,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        { method: 'PUT', path: '/v1/customers/{pseudonym}/pin', roles: ['compliance'], maxBodyBytes: 8192 },
        { method: 'DELETE', path: '/v1/customers/{pseudonym}/pin', roles: ['compliance'] },
      ],
    },
    tables: { overrides: 'readwrite', audit: 'readwrite', assignments: 'read' },
    // Lifting a pin deletes its item (the audit trail keeps the history).
    deletes: ['overrides'],
    queues: { segmentation: 'send' },
  },
  segmentWorker: {
    entry: 'functions/segment-worker/handler.ts',
    description: 'Evaluates the published risk model per customer; writes assignment and audit atomically.',
    memoryMb: 1024,
    timeoutSeconds: 30,
    trigger: { kind: 'sqs', queue: 'segmentation', batchSize: 100, maxBatchingWindowSeconds: 1 },
    tables: {
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
    // Sized by docs/cost-model.md's scale model: 80 containers re-segment 10 million customers within
    // its 15 minutes even at the slower measured rate, until reads of a new on-demand table bind; far
    // inside the default 1,000. The worker makes no KMS call per customer.
    reservedConcurrency: 80,
  },
  scoringApi: {
    entry: 'functions/scoring-api/handler.ts',
    description:
      'Audit outcomes in, explainable predictive models out (AUC, capture rates); cluster reports.',
    memoryMb: 2048,
    timeoutSeconds: 29,
    trigger: {
      kind: 'http',
      routes: [
        {
          method: 'POST',
          path: '/v1/audit-outcomes',
          roles: ['compliance', 'admin'],
          maxBodyBytes: 1_048_576,
        },
        { method: 'POST', path: '/v1/scoring-models', roles: ['admin'], maxBodyBytes: 16_384 },
        { method: 'GET', path: '/v1/scoring-models', roles: ['analyst', 'compliance', 'admin'] },
        {
          method: 'POST',
          path: '/v1/scoring-models/{version}/publish',
          roles: ['admin'],
          maxBodyBytes: 1024,
        },
        { method: 'GET', path: '/v1/reports/clusters', roles: ['analyst', 'compliance', 'admin'] },
      ],
    },
    tables: {
      outcomes: 'readwrite',
      scoringModels: 'readwrite',
      assignments: 'read',
      riskModels: 'read',
      audit: 'readwrite',
      keyring: 'readwrite',
      subjectIndex: 'read',
    },
    keys: { pseudonymisation: 'generate' },
  },
  surveyWebhook: {
    entry: 'functions/survey-webhook/handler.ts',
    description:
      'Signed survey deliveries: verified, de-duplicated, linked by pseudonym, counted per segment.',
    memoryMb: 512,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        {
          method: 'POST',
          path: '/v1/webhooks/surveys/{provider}',
          roles: [],
          auth: 'signature',
          maxBodyBytes: 262_144,
        },
      ],
    },
    tables: {
      webhookDeliveries: 'readwrite',
      feedback: 'readwrite',
      feedbackAggregates: 'readwrite',
      profiles: 'read',
      assignments: 'read',
      subjectKeys: 'read',
      keyring: 'readwrite',
      audit: 'readwrite',
      subjectIndex: 'read',
    },
    queues: { segmentation: 'send' },
    keys: { pseudonymisation: 'decrypt', dataKeys: 'decrypt' },
    reservedConcurrency: 20,
  },
  feedbackApi: {
    entry: 'functions/feedback-api/handler.ts',
    description:
      'NPS and participation per risk segment and period, blind spots, and webhook secret rotation.',
    memoryMb: 512,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        { method: 'GET', path: '/v1/feedback/nps', roles: ['analyst', 'compliance', 'admin'] },
        { method: 'GET', path: '/v1/feedback/blind-spots', roles: ['analyst', 'compliance', 'admin'] },
        {
          method: 'POST',
          path: '/v1/webhooks/surveys/{provider}/secrets',
          roles: ['admin'],
          maxBodyBytes: 1024,
        },
      ],
    },
    tables: { feedbackAggregates: 'read', keyring: 'readwrite', riskModels: 'read', audit: 'readwrite' },
    keys: { dataKeys: 'generate' },
  },
  resegmentScheduler: {
    entry: 'functions/resegment-scheduler/handler.ts',
    description: 'Starts re-segmentation runs (one message per scan shard) so time-based aggregates apply.',
    memoryMb: 512,
    timeoutSeconds: 300,
    trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily re-segmentation' },
    // Records the run and queues one message per scan shard; resegmentShardWorker does the scanning.
    tables: { runs: 'readwrite' },
    queues: { resegmentationShards: 'send' },
  },
  resegmentShardWorker: {
    entry: 'functions/resegment-shard-worker/handler.ts',
    description: 'Scans one parallel-scan shard of a re-segmentation run and queues its customers.',
    memoryMb: 512,
    // A shard of 10 million / 32 customers takes minutes; one message per invocation (batch size 1).
    timeoutSeconds: 900,
    trigger: { kind: 'sqs', queue: 'resegmentationShards', batchSize: 1, maxBatchingWindowSeconds: 0 },
    tables: { profiles: 'read', assignments: 'read', runs: 'readwrite' },
    queues: { resegmentationShards: 'consume', segmentation: 'send' },
  },
  feedbackReviewScheduler: {
    entry: 'functions/feedback-review-scheduler/handler.ts',
    description: 'Turns feedback blind spots of risk segments into ComplianceReviewSuggested events.',
    memoryMb: 512,
    timeoutSeconds: 60,
    trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily feedback blind-spot check' },
    tables: { feedbackAggregates: 'read', riskModels: 'read' },
    events: { compliance: 'publish' },
  },
  privacyApi: {
    entry: 'functions/privacy-api/handler.ts',
    description:
      'Data subject rights for the privacy officer: erasure (crypto-shred, or deferred under a legal hold) and export.',
    memoryMb: 512,
    timeoutSeconds: 29,
    trigger: {
      kind: 'http',
      routes: [
        // The subject is named in the body, never in the path or query: identifiers stay out of access logs.
        { method: 'POST', path: '/v1/subjects/erasure', roles: ['privacy'], maxBodyBytes: 4096 },
        { method: 'POST', path: '/v1/subjects/export', roles: ['privacy'], maxBodyBytes: 4096 },
      ],
    },
    tables: {
      ...erasure.tables,
      riskModels: 'read',
      keyring: 'readwrite',
      audit: 'readwrite',
    },
    deletes: erasure.deletes,
    keys: { pseudonymisation: 'generate', dataKeys: 'decrypt' },
  },
  personalDataApi: {
    entry: 'functions/personal-data-api/handler.ts',
    description:
      'One customer’s personal data in clear, for a stated purpose, if the segment policy allows the caller’s role; every decryption and refusal audited.',
    memoryMb: 512,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        // The pseudonym is in the body, never in the URL; the segment policy then narrows the roles.
        {
          method: 'POST',
          path: '/v1/customers/personal-data',
          roles: ['analyst', 'compliance', 'privacy', 'admin'],
          maxBodyBytes: 1024,
        },
      ],
    },
    // Read-only and apart from privacyApi: the route analysts call can delete nothing.
    tables: {
      profiles: 'read',
      assignments: 'read',
      riskModels: 'read',
      subjectKeys: 'read',
      keyring: 'read',
      audit: 'readwrite',
    },
    keys: { dataKeys: 'decrypt' },
  },
  privacyScheduler: {
    entry: 'functions/privacy-scheduler/handler.ts',
    description:
      'Carries out deferred erasures whose legal hold has ended, erases customers whose retention ended, and keeps their TTL backstops current.',
    memoryMb: 512,
    // Scans profiles and subject keys: the longest run a schedule may need.
    timeoutSeconds: 900,
    trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily erasures and retention' },
    tables: {
      ...erasure.tables,
      riskModels: 'read',
      audit: 'readwrite',
    },
    deletes: erasure.deletes,
    reservedConcurrency: 1,
  },
  apiDocs: {
    entry: 'functions/api-docs/handler.ts',
    description:
      'The OpenAPI 3.1 document of this API and its reference page, generated from this manifest and the handlers’ zod schemas.',
    memoryMb: 256,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        // Public: the API's shape is no secret and holds no data; no table, key or queue either.
        { method: 'GET', path: '/openapi.json', roles: [], auth: 'public' },
        { method: 'GET', path: '/docs', roles: [], auth: 'public' },
      ],
    },
  },
  dashboard: {
    entry: 'functions/dashboard/handler.ts',
    description:
      'The dashboard page with its bundled chart script and stylesheet; the page reads the insights API with the user’s API key.',
    memoryMb: 256,
    timeoutSeconds: 10,
    trigger: {
      kind: 'http',
      routes: [
        // Public: the shell and its assets hold no data; every number comes from authorised insights routes.
        { method: 'GET', path: '/dashboard', roles: [], auth: 'public' },
        { method: 'GET', path: '/dashboard/dashboard.js', roles: [], auth: 'public' },
        { method: 'GET', path: '/dashboard/styles.css', roles: [], auth: 'public' },
      ],
    },
  },
  insightsApi: {
    entry: 'functions/insights-api/handler.ts',
    description:
      'KPIs and query API: segment summary and trend, capture curve, incidents, cases, NPS, model timeline, customers per segment, a customer’s history.',
    // Population-wide KPIs hold every current assignment (segment, score, codes) in memory for 60 s.
    memoryMb: 1024,
    timeoutSeconds: 29,
    trigger: {
      kind: 'http',
      routes: [
        ...[
          '/v1/insights/summary',
          '/v1/insights/capture-curve',
          '/v1/insights/incidents',
          '/v1/insights/cases',
          '/v1/insights/feedback',
          '/v1/insights/model-timeline',
          '/v1/insights/segments/{segment}/customers',
          '/v1/customers/{pseudonym}/history',
        ].map((path) => ({
          method: 'GET' as const,
          path,
          roles: ['analyst', 'compliance', 'admin'] as const,
        })),
      ],
    },
    // Read only: reports change nothing.
    tables: {
      assignments: 'read',
      outcomes: 'read',
      cases: 'read',
      audit: 'read',
      riskModels: 'read',
      scoringModels: 'read',
      feedbackAggregates: 'read',
      segmentSnapshots: 'read',
    },
  },
  segmentSnapshotScheduler: {
    entry: 'functions/segment-snapshot-scheduler/handler.ts',
    description: 'Counts customers per segment and reason code once a day into the month’s snapshot (trend).',
    memoryMb: 1024,
    // Scans assignments.
    timeoutSeconds: 300,
    trigger: {
      kind: 'schedule',
      expression: 'rate(1 day)',
      description: 'Daily segment distribution snapshot',
    },
    tables: { assignments: 'read', riskModels: 'read', segmentSnapshots: 'readwrite' },
    reservedConcurrency: 1,
  },
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
