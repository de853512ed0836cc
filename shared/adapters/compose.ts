import { intSetting } from '../config.js';
import { dynamoClient, kmsClient, sqsClient } from './clients.js';
import { DynamoAssignmentStore } from './dynamo-assignment-store.js';
import { DynamoAuditLog } from './dynamo-audit-log.js';
import { DynamoDeliveryLog, DynamoFeedbackCounters, DynamoFeedbackStore } from './dynamo-feedback.js';
import { DynamoOutcomeStore } from './dynamo-outcome-store.js';
import { DynamoOverrideStore } from './dynamo-override-store.js';
import { DynamoProfileStore } from './dynamo-profile-store.js';
import { DynamoRiskModelStore } from './dynamo-risk-model-store.js';
import { DynamoRunStore } from './dynamo-run-store.js';
import { DynamoScoringModelStore } from './dynamo-scoring-model-store.js';
import { DynamoTransactionStore } from './dynamo-transaction-store.js';
import { idempotentRunner } from './idempotency.js';
import { KmsKeyService } from './kms-key-service.js';
import { SqsSegmentationQueue } from './sqs-segmentation-queue.js';
import { WebhookSecrets } from './webhook-secrets.js';

/**
 * Adapter factories from validated settings. Each handler composes what it needs at module
 * scope (once per container); tests compose the same adapters against the local stand-ins.
 */
type Settings = Record<string, string>;

const need = (settings: Settings, name: string): string => {
  const value = settings[name];
  if (!value) throw new Error(`Setting ${name} was not validated for this function`);
  return value;
};

export const adapters = {
  feedback: (s: Settings) => new DynamoFeedbackStore(dynamoClient(), need(s, 'TABLE_FEEDBACK')),
  feedbackCounters: (s: Settings) =>
    new DynamoFeedbackCounters(dynamoClient(), need(s, 'TABLE_FEEDBACK_AGGREGATES')),
  deliveries: (s: Settings) => new DynamoDeliveryLog(dynamoClient(), need(s, 'TABLE_WEBHOOK_DELIVERIES')),
  outcomes: (s: Settings) => new DynamoOutcomeStore(dynamoClient(), need(s, 'TABLE_OUTCOMES')),
  scoringModels: (s: Settings) =>
    new DynamoScoringModelStore(dynamoClient(), need(s, 'TABLE_SCORING_MODELS'), s.TABLE_AUDIT),
  runs: (s: Settings) => new DynamoRunStore(dynamoClient(), need(s, 'TABLE_RUNS')),
  overrides: (s: Settings) =>
    new DynamoOverrideStore(dynamoClient(), need(s, 'TABLE_OVERRIDES'), s.TABLE_AUDIT),
  riskModels: (s: Settings) =>
    new DynamoRiskModelStore(dynamoClient(), need(s, 'TABLE_RISK_MODELS'), s.TABLE_AUDIT),
  /** How long a warm container trusts its view of the published model (default 60 s). */
  modelCacheTtlMs: () => intSetting('MODEL_CACHE_TTL_SECONDS', 60) * 1000,
  idempotency: <R>(s: Settings) => idempotentRunner<R>(need(s, 'TABLE_IDEMPOTENCY')),
  profiles: (s: Settings) => new DynamoProfileStore(dynamoClient(), need(s, 'TABLE_PROFILES')),
  transactions: (s: Settings) => new DynamoTransactionStore(dynamoClient(), need(s, 'TABLE_TRANSACTIONS')),
  /** Read-only functions get no audit table: commit() then refuses to run. */
  assignments: (s: Settings) =>
    new DynamoAssignmentStore(dynamoClient(), need(s, 'TABLE_ASSIGNMENTS'), s.TABLE_AUDIT),
  audit: (s: Settings) => new DynamoAuditLog(dynamoClient(), need(s, 'TABLE_AUDIT')),
  segmentationQueue: (s: Settings) =>
    new SqsSegmentationQueue(sqsClient(), need(s, 'QUEUE_SEGMENTATION_URL')),
  webhookSecrets: (s: Settings, keys: KmsKeyService) =>
    new WebhookSecrets(dynamoClient(), need(s, 'TABLE_KEYRING'), keys),
  keys: (s: Settings) =>
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
    }),
};
