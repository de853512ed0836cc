import { intSetting } from '../config.js';
import type { JobMessage } from '../domain/jobs/job.js';
import { defaultShards } from '../domain/segmentation/runs.js';
import { AuditChainWriter } from './audit-chain-writer.js';
import { dynamoClient, eventBridgeClient, kmsClient, sqsClient } from './clients.js';
import { DynamoAggregateSources, DynamoAggregates } from './dynamo-aggregates.js';
import { DynamoApprovalStore } from './dynamo-approval-store.js';
import { DynamoAssignmentScanner } from './dynamo-assignment-items.js';
import { DynamoAssignmentStore } from './dynamo-assignment-store.js';
import { DynamoAuditLog } from './dynamo-audit-log.js';
import { DynamoAuditTrail } from './dynamo-audit-trail.js';
import { DynamoCaseStore, DynamoKycReviewLog } from './dynamo-case-store.js';
import { DynamoErasureLedger } from './dynamo-erasure-ledger.js';
import { DynamoEventOutbox } from './dynamo-event-outbox.js';
import { DynamoDeliveryLog, DynamoFeedbackCounters, DynamoFeedbackStore } from './dynamo-feedback.js';
import { DynamoIngestIntents } from './dynamo-ingest-intents.js';
import { DynamoInsightsReader } from './dynamo-insights.js';
import { DynamoJobStore } from './dynamo-job-store.js';
import { DynamoOrphanRepair } from './dynamo-orphan-repair.js';
import { DynamoOutcomeStore } from './dynamo-outcome-store.js';
import { DynamoOverrideStore } from './dynamo-override-store.js';
import { DynamoPrincipalStore } from './dynamo-principal-store.js';
import { DynamoPrivacyStore } from './dynamo-privacy.js';
import { DynamoProfileStore } from './dynamo-profile-store.js';
import { DynamoRetentionStore } from './dynamo-retention.js';
import { DynamoRiskModelStore } from './dynamo-risk-model-store.js';
import { DynamoRunStore } from './dynamo-run-store.js';
import { DynamoScoringModelReader } from './dynamo-scoring-model-reader.js';
import { DynamoScoringModelStore } from './dynamo-scoring-model-store.js';
import { DynamoSegmentSnapshotStore } from './dynamo-segment-snapshots.js';
import { DynamoSubjectDirectory } from './dynamo-subject-directory.js';
import { DynamoTransactionStore } from './dynamo-transaction-store.js';
import { EventBridgePublisher } from './eventbridge-publisher.js';
import { KmsCheckpointSigner } from './kms-checkpoint-signer.js';
import { KmsKeyService } from './kms-key-service.js';
import { SqsJobQueue, SqsSegmentationQueue, SqsShardQueue } from './sqs-segmentation-queue.js';
import { WebhookSecrets } from './webhook-secrets.js';

/**
 * Adapter factories from validated settings. Each handler composes what it needs at module
 * scope (once per container); tests compose the same adapters against the local stand-ins.
 * Import the module as a namespace (`import * as adapters`): separate exports let esbuild drop
 * the adapters, and the SDK clients, that a function never uses (an object of factories cannot
 * be tree-shaken: every client would be in every bundle).
 */
type Settings = Record<string, string>;

const need = (settings: Settings, name: string): string => {
  const value = settings[name];
  if (!value) throw new Error(`Setting ${name} was not validated for this function`);
  return value;
};

/** One chain writer per container and table: the container owns its chain (see AuditChainWriter). */
const chainWriters = new Map<string, AuditChainWriter>();
const auditChain = (s: Settings): AuditChainWriter | undefined => {
  const table = s.TABLE_AUDIT;
  if (!table) return undefined;
  const writer = chainWriters.get(table) ?? new AuditChainWriter(dynamoClient(), table);
  chainWriters.set(table, writer);
  return writer;
};

/**
 * The maintained aggregates (readers and writers). One per container and table: a container
 * adds to one shard of each aggregate (see COUNTER_SHARDS).
 */
const aggregateStores = new Map<string, DynamoAggregates>();
export const aggregates = (s: Settings) => {
  const table = need(s, 'TABLE_AGGREGATES');
  const store = aggregateStores.get(table) ?? new DynamoAggregates(dynamoClient(), table);
  aggregateStores.set(table, store);
  return store;
};
/** Writers of counted tables get the aggregates when their function may write them. */
const countedBy = (s: Settings) => (s.TABLE_AGGREGATES ? aggregates(s) : undefined);

export const subjects = (s: Settings) =>
  new DynamoSubjectDirectory(dynamoClient(), need(s, 'TABLE_SUBJECT_INDEX'));

/** Erasure, subject records and deferred requests: only the privacy functions compose this. */
export const privacy = (s: Settings) =>
  new DynamoPrivacyStore(
    dynamoClient(),
    {
      subjectIndex: need(s, 'TABLE_SUBJECT_INDEX'),
      subjectKeys: need(s, 'TABLE_SUBJECT_KEYS'),
      profiles: need(s, 'TABLE_PROFILES'),
      transactions: need(s, 'TABLE_TRANSACTIONS'),
      assignments: need(s, 'TABLE_ASSIGNMENTS'),
      overrides: need(s, 'TABLE_OVERRIDES'),
      feedback: need(s, 'TABLE_FEEDBACK'),
      outcomes: need(s, 'TABLE_OUTCOMES'),
      erasureRequests: need(s, 'TABLE_ERASURE_REQUESTS'),
      cases: need(s, 'TABLE_CASES'),
      kycReviews: need(s, 'TABLE_KYC_REVIEWS'),
      ...(s.TABLE_AUDIT ? { audit: s.TABLE_AUDIT } : {}),
    },
    countedBy(s),
  );

/** TTL backstops of the retention job (UpdateItem only: erasure itself goes through `privacy`). */
export const retention = (s: Settings) =>
  new DynamoRetentionStore(dynamoClient(), {
    profiles: need(s, 'TABLE_PROFILES'),
    subjectKeys: need(s, 'TABLE_SUBJECT_KEYS'),
    subjectIndex: need(s, 'TABLE_SUBJECT_INDEX'),
    assignments: need(s, 'TABLE_ASSIGNMENTS'),
    overrides: need(s, 'TABLE_OVERRIDES'),
    outcomes: need(s, 'TABLE_OUTCOMES'),
    feedback: need(s, 'TABLE_FEEDBACK'),
  });

export const feedback = (s: Settings) => new DynamoFeedbackStore(dynamoClient(), need(s, 'TABLE_FEEDBACK'));

export const feedbackCounters = (s: Settings) =>
  new DynamoFeedbackCounters(dynamoClient(), need(s, 'TABLE_FEEDBACK_AGGREGATES'));

export const deliveries = (s: Settings) =>
  new DynamoDeliveryLog(dynamoClient(), need(s, 'TABLE_WEBHOOK_DELIVERIES'));

export const outcomes = (s: Settings) =>
  new DynamoOutcomeStore(dynamoClient(), need(s, 'TABLE_OUTCOMES'), countedBy(s));

/** The insights API's key-bounded reads (population figures come from `aggregates`). */
export const insights = (s: Settings) =>
  new DynamoInsightsReader(dynamoClient(), {
    assignments: need(s, 'TABLE_ASSIGNMENTS'),
    audit: need(s, 'TABLE_AUDIT'),
  });

/** The source tables the aggregates count, scanned (the rebuild only). */
export const aggregateSources = (s: Settings) =>
  new DynamoAggregateSources(dynamoClient(), {
    assignments: need(s, 'TABLE_ASSIGNMENTS'),
    outcomes: need(s, 'TABLE_OUTCOMES'),
    cases: need(s, 'TABLE_CASES'),
  });

export const segmentSnapshots = (s: Settings) =>
  new DynamoSegmentSnapshotStore(dynamoClient(), need(s, 'TABLE_SEGMENT_SNAPSHOTS'));

export const scoringModels = (s: Settings) =>
  new DynamoScoringModelStore(dynamoClient(), need(s, 'TABLE_SCORING_MODELS'), auditChain(s));
/** Reading versions only (trees included): the store's writing stays out of the function. */
export const scoringModelReader = (s: Settings) =>
  new DynamoScoringModelReader(dynamoClient(), need(s, 'TABLE_SCORING_MODELS'));

export const runs = (s: Settings) => new DynamoRunStore(dynamoClient(), need(s, 'TABLE_RUNS'));

/** Jobs (long work started over HTTP) live in the runs table too. */
export const jobs = (s: Settings) => new DynamoJobStore(dynamoClient(), need(s, 'TABLE_RUNS'));

/** Four-eyes requests; read-only functions (the inbox) get no audit table, so cannot write. */
export const approvals = (s: Settings) =>
  new DynamoApprovalStore(dynamoClient(), need(s, 'TABLE_APPROVALS'), auditChain(s));

export const overrides = (s: Settings) =>
  new DynamoOverrideStore(dynamoClient(), need(s, 'TABLE_OVERRIDES'), auditChain(s));

export const riskModels = (s: Settings) =>
  new DynamoRiskModelStore(dynamoClient(), need(s, 'TABLE_RISK_MODELS'), auditChain(s));

/** How long a warm container trusts its view of the published model (default 60 s). */
export const modelCacheTtlMs = () => intSetting('MODEL_CACHE_TTL_SECONDS', 60) * 1000;

export const profiles = (s: Settings) => new DynamoProfileStore(dynamoClient(), need(s, 'TABLE_PROFILES'));

export const transactions = (s: Settings) =>
  new DynamoTransactionStore(dynamoClient(), need(s, 'TABLE_TRANSACTIONS'));

/** Read-only functions get no audit table: commit() then refuses to run. */
export const assignments = (s: Settings) =>
  new DynamoAssignmentStore(dynamoClient(), need(s, 'TABLE_ASSIGNMENTS'), auditChain(s), countedBy(s));

/**
 * The decisions for a function that only scans them (no audit table, no aggregates: what
 * `assignments` then builds too), without naming the writers' chain and counters, so that their
 * code stays out of its bundle.
 */
export const assignmentScanner = (s: Settings): DynamoAssignmentScanner =>
  new DynamoAssignmentScanner(dynamoClient(), need(s, 'TABLE_ASSIGNMENTS'));

export const audit = (s: Settings) => {
  need(s, 'TABLE_AUDIT');
  return new DynamoAuditLog(dynamoClient(), auditChain(s) as AuditChainWriter);
};

/** Which subjects were erased, from their erasure records (functions with the audit table). */
export const erasureLedger = (s: Settings) => new DynamoErasureLedger(dynamoClient(), need(s, 'TABLE_AUDIT'));

export const auditTrail = (s: Settings) => new DynamoAuditTrail(dynamoClient(), need(s, 'TABLE_AUDIT'));

export const cases = (s: Settings) =>
  new DynamoCaseStore(
    dynamoClient(),
    { cases: need(s, 'TABLE_CASES'), outcomes: s.TABLE_OUTCOMES, kycReviews: s.TABLE_KYC_REVIEWS },
    auditChain(s),
    countedBy(s),
  );

export const kycReviews = (s: Settings) =>
  new DynamoKycReviewLog(dynamoClient(), need(s, 'TABLE_KYC_REVIEWS'));

export const segmentationQueue = (s: Settings) =>
  new SqsSegmentationQueue(sqsClient(), need(s, 'QUEUE_SEGMENTATION_URL'));

/** Audit trail verification jobs (manifest queue `verificationJobs`): job ids only. */
export const verificationJobs = (s: Settings) =>
  new SqsJobQueue<JobMessage>(sqsClient(), need(s, 'QUEUE_VERIFICATIONJOBS_URL'));

/** Scoring-model training jobs (manifest queue `trainingJobs`): job ids only. */
export const trainingJobs = (s: Settings) =>
  new SqsJobQueue<JobMessage>(sqsClient(), need(s, 'QUEUE_TRAININGJOBS_URL'));

/** Cluster report jobs (manifest queue `clusterJobs`): job ids only. */
export const clusterJobs = (s: Settings) =>
  new SqsJobQueue<JobMessage>(sqsClient(), need(s, 'QUEUE_CLUSTERJOBS_URL'));

/** Simulation jobs, one message per scan shard (manifest queue `simulationShards`). */
export const simulationShards = (s: Settings) =>
  new SqsJobQueue<JobMessage>(sqsClient(), need(s, 'QUEUE_SIMULATIONSHARDS_URL'));

/** Export jobs, one message per scan shard (manifest queue `exportShards`). */
export const exportShards = (s: Settings) =>
  new SqsJobQueue<JobMessage>(sqsClient(), need(s, 'QUEUE_EXPORTSHARDS_URL'));

/** Scan shards of re-segmentation runs (manifest queue `resegmentationShards`). */
export const resegmentationShards = (s: Settings) =>
  new SqsShardQueue(sqsClient(), need(s, 'QUEUE_RESEGMENTATIONSHARDS_URL'));

/** Parallel-scan segments per re-segmentation run (docs/cost-model.md, scale model). */
export const resegmentationShardCount = () => intSetting('RESEGMENT_SHARDS', defaultShards);

/** The scheduled run re-evaluates everyone one day in this many (default 7), only due decisions otherwise. */
export const fullResegmentationEveryDays = () => intSetting('RESEGMENT_FULL_EVERY_DAYS', 7);

/** Workflow events on the compliance bus (manifest grant `events: { compliance: 'publish' }`). */
export const workflowEvents = (s: Settings) =>
  new EventBridgePublisher(eventBridgeClient(), need(s, 'EVENT_BUS_COMPLIANCE_NAME'));

/** Pending events kept on assignment items until published (see EventOutbox). */
export const eventOutbox = (s: Settings) =>
  new DynamoEventOutbox(dynamoClient(), need(s, 'TABLE_ASSIGNMENTS'));

/** Signs and verifies audit-trail checkpoints (manifest grant `keys: { auditSigning: 'sign' | 'verify' }`). */
export const checkpointSigner = (s: Settings) =>
  new KmsCheckpointSigner(kmsClient(), need(s, 'KEY_AUDIT_SIGNING_ID'));

export const webhookSecrets = (s: Settings, keys: KmsKeyService) =>
  new WebhookSecrets(dynamoClient(), need(s, 'TABLE_KEYRING'), keys);

/** Intents of ingestion requests in flight (manifest table `ingestIntents`). */
export const ingestIntents = (s: Settings) =>
  new DynamoIngestIntents(dynamoClient(), need(s, 'TABLE_INGEST_INTENTS'));

/** What the reconciler repairs after a crashed ingestion. */
export const orphanRepair = (s: Settings) =>
  new DynamoOrphanRepair(dynamoClient(), {
    subjectIndex: need(s, 'TABLE_SUBJECT_INDEX'),
    subjectKeys: need(s, 'TABLE_SUBJECT_KEYS'),
    profiles: need(s, 'TABLE_PROFILES'),
  });

export const principals = (s: Settings) =>
  new DynamoPrincipalStore(dynamoClient(), need(s, 'TABLE_PRINCIPALS'));

export const keys = (s: Settings) =>
  new KmsKeyService(kmsClient(), dynamoClient(), {
    keyringTable: need(s, 'TABLE_KEYRING'),
    subjectKeysTable: s.TABLE_SUBJECT_KEYS ?? '',
    // Functions without the pseudonymisation key may still use data keys (and vice versa).
    macWrappingKeyId: s.KEY_PSEUDONYMISATION_ID ?? '',
    dataWrappingKeyId: s.KEY_DATA_KEYS_ID ?? '',
    macKeyVersion: process.env.PSEUDONYM_KEY_VERSION ?? 'k1',
    kekVersion: process.env.KEK_VERSION ?? 'kek1',
    cacheTtlMs: intSetting('KEY_CACHE_TTL_SECONDS', 900) * 1000,
    maxCachedSubjectKeys: intSetting('KEY_CACHE_MAX_SUBJECTS', 10_000),
  });
