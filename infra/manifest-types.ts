/**
 * The vocabulary of infra/manifest.ts: what a function, trigger, table, queue and key description
 * holds. The manifest itself (the data) stays in manifest.ts.
 */
/**
 * ingest: send data. analyst: read segments and models, simulate. compliance: a senior compliance
 * officer, reads like an analyst and may pin a customer's segment. admin: manages models and data.
 */
export type Role = 'ingest' | 'analyst' | 'compliance' | 'admin';
export const roles: readonly Role[] = ['ingest', 'analyst', 'compliance', 'admin'];

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
  | 'feedbackAggregates';
export type QueueName = 'segmentation';
export type KeyPurpose = 'pseudonymisation' | 'dataKeys';
export type Access = 'read' | 'readwrite';

export interface TableSpec {
  partitionKey: string;
  sortKey?: string;
  ttlAttribute?: string;
  globalIndexes?: Record<string, { partitionKey: string; sortKey?: string }>;
  /** Why the table exists and what it must never hold, for docs and reviewers. */
  description: string;
}

export interface QueueSpec {
  /** Must be at least 6x the timeout of the function consuming it (AWS guidance for SQS event sources). */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  retentionDays: number;
  description: string;
}

export interface KeySpec {
  description: string;
}

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway resource path, e.g. /v1/customers/{pseudonym}/segment */
  path: string;
  roles: readonly Role[];
  /**
   * `token` (default): the API key authoriser, then the roles. `signature`: no API credentials; the
   * function itself verifies the sender's signature over the raw body (survey webhooks). Such a
   * route must declare no roles.
   */
  auth?: 'token' | 'signature';
  /** Upper bound on the request body, enforced before parsing (413 above it). */
  maxBodyBytes?: number;
}

export type Trigger =
  | { kind: 'http'; routes: readonly HttpRoute[] }
  | { kind: 'sqs'; queue: QueueName; batchSize: number; maxBatchingWindowSeconds: number }
  | { kind: 'schedule'; expression: string; description: string }
  | { kind: 'authorizer' };

export interface FunctionSpec {
  /** Handler module, relative to the repository root; it must export `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  trigger: Trigger;
  tables?: Partial<Record<TableName, Access>>;
  queues?: Partial<Record<QueueName, 'send' | 'consume'>>;
  keys?: Partial<Record<KeyPurpose, 'decrypt' | 'generate'>>;
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
};

/** The settings a function needs at start-up: what its config schema validates. */
export function settingsOf(spec: FunctionSpec): string[] {
  return [
    ...Object.keys(spec.tables ?? {}).map((t) => envNames.table(t as TableName)),
    ...Object.keys(spec.queues ?? {}).map((q) => envNames.queueUrl(q as QueueName)),
    ...Object.keys(spec.keys ?? {}).map((k) => envNames.key(k as KeyPurpose)),
  ];
}

/** Physical resource names for a stage: riskloop-<stage>-<name>. */
export function resourceName(stage: string, name: string): string {
  return `riskloop-${stage}-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
