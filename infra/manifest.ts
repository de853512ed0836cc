/**
 * The one description of riskloop (functions, triggers, tables, queues, schedules, KMS keys), read by
 * both the CDK stacks and `npm start`, so AWS and a laptop cannot drift apart. Add functions here only.
 */
import type {
  FunctionSpec,
  HttpRoute,
  KeyPurpose,
  KeySpec,
  QueueName,
  QueueSpec,
  TableName,
  TableSpec,
} from './manifest-types.js';

export * from './manifest-types.js';

export const tables = {
  profiles: {
    partitionKey: 'pseudonym',
    description:
      'One item per customer: risk features in clear, personal data only as AES-256-GCM ciphertext under the subject key.',
  },
  subjectKeys: {
    partitionKey: 'pseudonym',
    description:
      'Per-subject data keys, wrapped. Deleting an item crypto-shreds that subject. Kept apart from profiles on purpose.',
  },
  keyring: {
    partitionKey: 'keyRef',
    description:
      'KMS-wrapped key material: pseudonymisation MAC secrets and key-encryption keys, by version.',
  },
  transactions: {
    partitionKey: 'pseudonym',
    sortKey: 'txnRef',
    ttlAttribute: 'expiresAt',
    description: 'Transactions by customer pseudonym; the transaction id is stored only as a keyed MAC.',
  },
  assignments: {
    partitionKey: 'pseudonym',
    globalIndexes: { bySegment: { partitionKey: 'segment', sortKey: 'assignedAt' } },
    description: 'Current risk segment per customer with score, fired rules and reason codes.',
  },
  audit: {
    partitionKey: 'stream',
    sortKey: 'eventId',
    globalIndexes: { byDay: { partitionKey: 'day', sortKey: 'at' } },
    description:
      'Append-only audit trail: who, what, which pseudonym, why, when. No update or delete path exists.',
  },
  principals: {
    partitionKey: 'keyHash',
    description: 'API clients: SHA-256 of the API key, role and name. The key itself is never stored.',
  },
  idempotency: {
    partitionKey: 'id',
    ttlAttribute: 'expiration',
    description:
      'Powertools idempotency records for requests sent with an Idempotency-Key header: keyed digests and the 207 body (pseudonyms only).',
  },
  riskModels: {
    partitionKey: 'modelId',
    sortKey: 'versionKey',
    description:
      'Risk model versions (documents, status, who created and published them) and the pointer to the published one.',
  },
  overrides: {
    partitionKey: 'pseudonym',
    description:
      'Segments pinned by a compliance officer: segment, reason, expiry, who. One item per pinned customer.',
  },
  runs: {
    partitionKey: 'runId',
    ttlAttribute: 'expiresAt',
    description: 'Re-segmentation runs: cause, filter, and counters (enqueued, done, failed). Kept 400 days.',
  },
  outcomes: {
    partitionKey: 'pseudonym',
    sortKey: 'outcomeId',
    description:
      'Audit outcomes (issue / no issue, date, source) by customer pseudonym: the labels of predictive scoring.',
  },
  scoringModels: {
    partitionKey: 'modelId',
    sortKey: 'versionKey',
    description:
      'Predictive scoring models (weights, feature specs, validation metrics) by version, and the one in use.',
  },
  webhookDeliveries: {
    partitionKey: 'deliveryKey',
    ttlAttribute: 'expiresAt',
    description:
      'Webhook ids seen in the last 4 days (provider + webhook-id): a replayed delivery changes nothing.',
  },
  feedback: {
    partitionKey: 'pseudonym',
    sortKey: 'responseKey',
    ttlAttribute: 'expiresAt',
    description:
      'Linked survey responses: NPS, derived themes, segment at the time; the comment only sealed under the subject key.',
  },
  feedbackAggregates: {
    partitionKey: 'bucket',
    description:
      'Response counters per period, segment and shard (promoters, passives, detractors, skipped, surveyed): sharded so no item is hot.',
  },
} as const satisfies Record<TableName, TableSpec>;

export const queues = {
  segmentation: {
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 14,
    description: 'Segmentation work: one message per customer pseudonym. Bodies hold pseudonyms only.',
  },
} as const satisfies Record<QueueName, QueueSpec>;

export const keys = {
  pseudonymisation: { description: 'Wraps the HMAC-SHA-256 secrets that turn identifiers into pseudonyms.' },
  dataKeys: { description: 'Wraps the key-encryption keys that wrap per-subject data keys.' },
} as const satisfies Record<KeyPurpose, KeySpec>;

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
    tables: { profiles: 'read', transactions: 'readwrite', keyring: 'readwrite', idempotency: 'readwrite' },
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
      ],
    },
    tables: { assignments: 'read', riskModels: 'read' },
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
      ],
    },
    tables: {
      riskModels: 'readwrite',
      audit: 'readwrite',
      assignments: 'read',
      profiles: 'read',
      runs: 'readwrite',
    },
    queues: { segmentation: 'send' },
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
    reservedConcurrency: 20,
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
    description: 'Queues every customer for re-segmentation so time-based aggregates and list updates apply.',
    memoryMb: 512,
    timeoutSeconds: 300,
    trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily re-segmentation' },
    tables: { profiles: 'read', assignments: 'read', runs: 'readwrite' },
    queues: { segmentation: 'send' },
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
