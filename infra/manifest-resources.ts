/**
 * The resources of riskloop's one description: tables, queues, event buses and KMS keys. The
 * functions that use them are in infra/manifest.ts, which re-exports everything here.
 */
import type {
  EventBusName,
  EventBusSpec,
  KeySpecs,
  QueueName,
  QueueSpec,
  TableName,
  TableSpec,
} from './manifest-types.js';

export const tables = {
  profiles: {
    partitionKey: 'pseudonym',
    // Retention backstop (relationship end + segment policy years + 30 days); the daily job erases first.
    ttlAttribute: 'retainUntil',
    description:
      'One item per customer: risk features in clear, personal data only as AES-256-GCM ciphertext under the subject key.',
  },
  subjectKeys: {
    partitionKey: 'pseudonym',
    ttlAttribute: 'retainUntil',
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
    globalIndexes: {
      // Write-sharded (`segment#NN`, shared/adapters/index-shards.ts): a segment is too few keys for one partition.
      bySegmentShard: {
        partitionKey: 'segmentShard',
        sortKey: 'assignedAt',
        project: ['segment', 'score', 'reasonCodes'],
      },
    },
    retiredIndexes: { bySegment: { partitionKey: 'segment', sortKey: 'assignedAt' } },
    ttlAttribute: 'retainUntil',
    description: 'Current risk segment per customer with score, fired rules and reason codes.',
  },
  audit: {
    partitionKey: 'stream',
    sortKey: 'eventId',
    globalIndexes: {
      // Write-sharded (`day#NN`, shared/adapters/index-shards.ts): a day is one key for every record of it.
      byDayShard: { partitionKey: 'dayShard', sortKey: 'at' },
      // Records linked before `chainPosition` replaced `chainSeq` (shared/domain/audit-trail/chain.ts),
      // by chain in link order. Later records stay out of it (one index write less each): the
      // verifier finds them among their chain's day in byDayShard. Kept so older chains still verify.
      byChain: { partitionKey: 'chain', sortKey: 'chainSeq' },
    },
    retiredIndexes: { byDay: { partitionKey: 'day', sortKey: 'at' } },
    description:
      'Append-only, hash-chained audit trail: who, what, which pseudonym, why, when. Records are never updated or deleted; only the chain heads (stream "chains") move, under a condition.',
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
    // Not `expiresAt`: that is the pin's expiry (an ISO date) on these items.
    ttlAttribute: 'retainUntil',
    description:
      'Segments pinned by a compliance officer: segment, reason code, note sealed under the subject key, expiry, who. One item per pinned customer.',
  },
  runs: {
    partitionKey: 'runId',
    ttlAttribute: 'expiresAt',
    // Sparse: only jobs not yet ended carry `active`, so listing them reads those few, newest first.
    globalIndexes: { activeJobs: { partitionKey: 'active', sortKey: 'createdAt' } },
    description:
      'Long work: re-segmentation runs (cause, filter, counters) and jobs (kind, options, who started it, progress, figures of the result). No personal data. Kept 400 days.',
  },
  outcomes: {
    partitionKey: 'pseudonym',
    sortKey: 'outcomeId',
    ttlAttribute: 'retainUntil',
    description:
      'Audit outcomes (issue / no issue, date, source code; an optional note sealed under the subject key) by customer pseudonym: the labels of predictive scoring.',
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
  aggregates: {
    partitionKey: 'key',
    description:
      'Maintained counts behind the insights and segment counts (customers per segment, reason code and score; outcomes; cases): 32 shards per aggregate, added to in a transaction with each write, or (segment decisions) right after it. No customer data.',
  },
  subjectIndex: {
    partitionKey: 'lookup',
    ttlAttribute: 'retainUntil',
    description:
      'Subject directory: a lookup MAC of the external id and a random salt the pseudonym is derived from. Erasure deletes the entry, so the old pseudonym can no longer be recomputed. Never holds an id in clear.',
  },
  erasureRequests: {
    partitionKey: 'pseudonym',
    description:
      'Erasures deferred by a legal hold: pseudonym, directory lookup MAC, hold reason and end date. Never holds an id or personal data in clear.',
  },
  cases: {
    partitionKey: 'caseId',
    globalIndexes: {
      byStatus: { partitionKey: 'status', sortKey: 'openedAt' },
      // Erasure finds a subject's cases through this index.
      bySubject: { partitionKey: 'subject', sortKey: 'openedAt' },
      // Sparse: only cases whose events are not published yet (outbox = 'pending').
      byOutbox: { partitionKey: 'outbox', sortKey: 'updatedAt' },
    },
    description:
      'Compliance cases (KYC review, enhanced due diligence, compliance review): subject pseudonym, status, outcome codes. No free text.',
  },
  kycReviews: {
    partitionKey: 'pseudonym',
    description:
      'When each customer’s last KYC review closed (or their first review cycle started), by pseudonym.',
  },
  segmentSnapshots: {
    partitionKey: 'period',
    description:
      'Monthly segment distribution: customers per segment and per reason code, overwritten daily. Counts only, no pseudonyms.',
  },
  ingestIntents: {
    partitionKey: 'intentId',
    // Removed by the request itself, or by the reconciler after a crash; the TTL is only a backstop.
    ttlAttribute: 'expiresAt',
    description:
      'Ingestion requests in flight: the directory lookups (customers) or pseudonyms (transactions) a request writes, from before its first write until its queue send. What a crash leaves here, the reconciler repairs. No identifier in clear.',
  },
  approvals: {
    partitionKey: 'approvalId',
    // Sparse: only requests still waiting carry `open`; by expiry, so the inbox reads the unexpired ones only.
    globalIndexes: { open: { partitionKey: 'open', sortKey: 'expiresAt' } },
    ttlAttribute: 'retainUntil',
    description:
      'Four-eyes requests: the action, its target (model version, pseudonym or provider), the hash of the target’s content, codes, who asked and who decided (issuer and subject, or an API key principal). No personal data in clear. Kept 400 days; the audit trail keeps every decision.',
  },
} as const satisfies Record<TableName, TableSpec>;

export const queues = {
  segmentation: {
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 14,
    description: 'Segmentation work: one message per customer pseudonym. Bodies hold pseudonyms only.',
  },
  resegmentationShards: {
    // 6x the shard worker's 900 s timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: 3,
    retentionDays: 4,
    description:
      'Re-segmentation fan-out: one message per parallel-scan shard of a run (run id, segment, cutoff; no pseudonyms).',
  },
  trainingJobs: {
    // 6x the trainer's 900 s timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: 3,
    retentionDays: 4,
    description: 'Scoring-model training jobs: one message per job, its id only.',
  },
  verificationJobs: {
    // 6x the verifier's 900 s timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: 3,
    retentionDays: 4,
    description: 'Audit trail verification jobs: one message per job, its id only.',
  },
  clusterJobs: {
    // 6x the reporter's 900 s timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: 3,
    retentionDays: 4,
    description: 'Cluster report jobs: one message per job, its id only.',
  },
  simulationShards: {
    // 6x the simulation worker's 900 s timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: 3,
    retentionDays: 4,
    description:
      'Simulation jobs, fanned out: one message per parallel-scan shard (job id, segment; no pseudonyms).',
  },
  exportShards: {
    // 6x the export worker's 900 s timeout (AWS guidance for SQS event sources).
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: 3,
    retentionDays: 4,
    description:
      'Segment register exports, fanned out: one message per parallel-scan shard (job id, segment; no pseudonyms).',
  },
} as const satisfies Record<QueueName, QueueSpec>;

export const eventBuses = {
  compliance: {
    archiveRetentionDays: 400,
    description:
      'Workflow events (segment changes, due diligence, reviews, survey requests): pseudonyms, codes and dates only.',
  },
} as const satisfies Record<EventBusName, EventBusSpec>;

export const keys = {
  pseudonymisation: {
    kind: 'symmetric',
    description: 'Wraps the HMAC-SHA-256 secrets that turn identifiers into pseudonyms.',
  },
  dataKeys: {
    kind: 'symmetric',
    description: 'Wraps the key-encryption keys that wrap per-subject data keys.',
  },
  auditSigning: {
    kind: 'sign',
    description: 'ECC_NIST_P256 SIGN_VERIFY key (ECDSA_SHA_256) that signs audit-trail checkpoints.',
  },
} as const satisfies KeySpecs;
