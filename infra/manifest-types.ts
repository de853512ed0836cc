/**
 * The vocabulary of infra/manifest.ts: what a function, trigger, table, queue and key description
 * holds. The manifest itself (the data) stays in manifest.ts.
 */
import type { Role } from '../shared/domain/roles.js';

// Roles are the domain's (shared/domain/roles.ts); re-exported so the manifest's readers keep one import.
export { type Role, roles } from '../shared/domain/roles.js';

export type TableName =
  | 'profiles'
  | 'subjectKeys'
  | 'keyring'
  | 'transactions'
  | 'assignments'
  | 'audit'
  | 'principals'
  | 'idempotency'
  | 'riskModels'
  | 'overrides'
  | 'runs'
  | 'outcomes'
  | 'scoringModels'
  | 'webhookDeliveries'
  | 'feedback'
  | 'feedbackAggregates'
  | 'aggregates'
  | 'subjectIndex'
  | 'erasureRequests'
  | 'cases'
  | 'kycReviews'
  | 'segmentSnapshots'
  | 'ingestIntents'
  | 'approvals';
export type QueueName =
  | 'segmentation'
  | 'resegmentationShards'
  | 'trainingJobs'
  | 'simulationShards'
  | 'exportShards'
  | 'verificationJobs'
  | 'clusterJobs';
export type EventBusName = 'compliance';
/** Symmetric keys that wrap other keys (envelope encryption, under riskloop's encryption context). */
export type EncryptionKeyPurpose = 'pseudonymisation' | 'dataKeys';
/** Asymmetric keys whose private half never leaves KMS; anyone holding the public key can verify. */
export type SigningKeyPurpose = 'auditSigning';
export type KeyPurpose = EncryptionKeyPurpose | SigningKeyPurpose;
/** decrypt: kms:Decrypt. generate: kms:GenerateDataKey + kms:Decrypt. */
export type EncryptionKeyAccess = 'decrypt' | 'generate';
/** sign: kms:Sign + kms:GetPublicKey. verify: kms:Verify + kms:GetPublicKey. */
export type SigningKeyAccess = 'sign' | 'verify';
export type KeyAccess = EncryptionKeyAccess | SigningKeyAccess;
/** The access levels a function may be granted on a key of purpose P: a signing key never decrypts. */
export type KeyAccessOf<P extends KeyPurpose> = P extends SigningKeyPurpose
  ? SigningKeyAccess
  : EncryptionKeyAccess;
export type Access = 'read' | 'readwrite';

export interface TableSpec {
  partitionKey: string;
  sortKey?: string;
  ttlAttribute?: string;
  globalIndexes?: Record<string, IndexSpec>;
  /**
   * Indexes an earlier release had and `globalIndexes` replaced, kept on AWS only for the first of
   * the two deploys that upgrade a stage (context `keepRetiredIndexes`); never read by the code.
   */
  retiredIndexes?: Record<string, IndexSpec>;
  /** Why the table exists and what it must never hold, for docs and reviewers. */
  description: string;
}

/** An EventBridge bus riskloop publishes workflow events on (docs/events.md). */
/** A global secondary index; string keys. */
export interface IndexSpec {
  partitionKey: string;
  sortKey?: string;
  /**
   * Non-key attributes the index keeps (INCLUDE); absent: all of them (ALL). An index item is
   * billed by its size on every write of the base item, so a listing index keeps only what it lists.
   */
  project?: readonly string[];
}

/** An EventBridge bus riskloop publishes workflow events on (docs/events.md). */
export interface EventBusSpec {
  /** How long the bus's archive keeps every event, for replay to a consumer that missed some. */
  archiveRetentionDays: number;
  description: string;
}

export interface QueueSpec {
  /** Must be at least 6x the timeout of the function consuming it (AWS guidance for SQS event sources). */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  retentionDays: number;
  description: string;
}

/**
 * `symmetric`: SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT, rotated yearly by KMS. `sign`: ECC_NIST_P256 / SIGN_VERIFY,
 * ECDSA_SHA_256; KMS cannot rotate asymmetric keys, and a new key would orphan old signatures anyway.
 */
export type KeyKind = 'symmetric' | 'sign';

export interface KeySpec {
  kind: KeyKind;
  description: string;
}

/** The manifest's `keys`: the kind of each key follows from its purpose, so the two cannot disagree. */
export type KeySpecs = {
  [P in KeyPurpose]: KeySpec & { kind: P extends SigningKeyPurpose ? 'sign' : 'symmetric' };
};

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway resource path, e.g. /v1/customers/{pseudonym}/segment */
  path: string;
  roles: readonly Role[];
  /**
   * `token` (default): the authoriser (API key or access token), then the roles. `signature`: no API
   * credentials; the function itself verifies the sender's signature over the raw body (survey webhooks). `public`:
   * no credentials at all, for content that holds no data (the API reference, the dashboard's page
   * and scripts, which then call the API with the user's key). Both must declare no roles.
   */
  auth?: 'token' | 'signature' | 'public';
  /** Upper bound on the request body, enforced before parsing (413 above it). */
  maxBodyBytes?: number;
  /**
   * A batch route's field of items, each validated and written on its own: input riskloop refuses anywhere
   * (shared/domain/input-safety.ts) rejects the request, except inside one of these items, which then
   * rejects only that item.
   */
  batchItems?: string;
}

export type Trigger =
  | { kind: 'http'; routes: readonly HttpRoute[] }
  | { kind: 'sqs'; queue: QueueName; batchSize: number; maxBatchingWindowSeconds: number }
  | { kind: 'schedule'; expression: string; description: string }
  | { kind: 'authorizer' }
  /**
   * Run by the deployment itself: a CloudFormation custom resource on AWS (on create and on every update
   * of its settings), once by the local runtime at start. Every function that uses the keyring runs after it.
   */
  | { kind: 'deployment' };

export interface FunctionSpec {
  /** Handler module, relative to the repository root; it must export `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  trigger: Trigger;
  tables?: Partial<Record<TableName, Access>>;
  queues?: Partial<Record<QueueName, 'send' | 'consume'>>;
  keys?: { [P in KeyPurpose]?: KeyAccessOf<P> };
  /** Event buses this function publishes to (events:PutEvents on that bus only). */
  events?: Partial<Record<EventBusName, 'publish'>>;
  /**
   * Tables (among `tables`) this function may delete items from. `readwrite` never implies deleting:
   * e.g. only the privacy function may crypto-shred subject keys. The audit table is refused.
   */
  deletes?: readonly TableName[];
  /** Caps concurrency where a downstream quota (KMS, DynamoDB partitions) must be protected. */
  reservedConcurrency?: number;
}

/** Environment variable names, derived from resource names so handlers and infrastructure agree. */
export const envNames = {
  table: (name: TableName) => `TABLE_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
  queueUrl: (name: QueueName) => `QUEUE_${name.toUpperCase()}_URL`,
  key: (purpose: KeyPurpose) => `KEY_${purpose.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_ID`,
  eventBus: (name: EventBusName) => `EVENT_BUS_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_NAME`,
};

/** The settings a function needs at start-up: what its config schema validates. */
export function settingsOf(spec: FunctionSpec): string[] {
  return [
    ...Object.keys(spec.tables ?? {}).map((t) => envNames.table(t as TableName)),
    ...Object.keys(spec.queues ?? {}).map((q) => envNames.queueUrl(q as QueueName)),
    ...Object.keys(spec.keys ?? {}).map((k) => envNames.key(k as KeyPurpose)),
    ...Object.keys(spec.events ?? {}).map((b) => envNames.eventBus(b as EventBusName)),
  ];
}

/** Physical resource names for a stage: riskloop-<stage>-<name>. */
export function resourceName(stage: string, name: string): string {
  return `riskloop-${stage}-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
