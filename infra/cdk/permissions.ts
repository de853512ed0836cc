import { Aws } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  type EncryptionKeyPurpose,
  type EventBusName,
  type FunctionSpec,
  type KeyAccess,
  type KeyPurpose,
  type QueueName,
  type TableName,
  type TableSpec,
  tables as tableSpecs,
} from '../manifest.js';

/**
 * IAM statements from a function's manifest entry. Written out action by action instead of the CDK
 * `grant*` helpers, because those add actions riskloop never uses (DeleteItem, BatchWriteItem,
 * `kms:GenerateDataKey*`, `kms:ReEncrypt*`) and the manifest is the contract a reviewer checks.
 */

/** Tables nobody may change or delete items in, whatever the manifest says (audit is append-only). */
export const appendOnlyTables: readonly TableName[] = ['audit'];

/** Item-level writes that would rewrite or remove history; denied on append-only tables. */
export const historyRewriteActions = [
  'dynamodb:DeleteItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLUpdate',
];

const readActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
// No DeleteItem and no BatchWriteItem (which can delete): deleting is opt-in per table (`deletes`).
const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
// Append-only: conditional puts (also inside TransactWriteItems) and reads, nothing that rewrites.
const appendOnlyRead = ['dynamodb:GetItem', 'dynamodb:Query'];
const appendOnlyWrite = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];

/**
 * The encryption-context `purpose` each application key is used with. It must equal what
 * shared/adapters/kms-key-service.ts passes to KMS; the key policy denies any other purpose.
 */
export const keyContextPurpose: Record<EncryptionKeyPurpose, string> = {
  pseudonymisation: 'pseudonymisation',
  dataKeys: 'key-encryption',
};
export const keyContextApp = 'riskloop';

export interface Resources {
  tables: Record<TableName, ITable>;
  queues: Record<QueueName, IQueue>;
  keys: Record<KeyPurpose, IKey>;
  eventBuses: Record<EventBusName, IEventBus>;
  /** Encrypts tables, queues, topics and log groups at rest. */
  storageKey: IKey;
}

export function tableStatements(spec: FunctionSpec, res: Resources): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const deletes = new Set<TableName>(spec.deletes ?? []);
  for (const [name, access] of Object.entries(spec.tables ?? {}) as [TableName, 'read' | 'readwrite'][]) {
    const table = res.tables[name];
    const tableSpec: TableSpec = tableSpecs[name];
    const indexArns = Object.keys(tableSpec.globalIndexes ?? {}).map((i) => `${table.tableArn}/index/${i}`);
    const appendOnly = appendOnlyTables.includes(name);
    if (appendOnly && deletes.has(name))
      throw new Error(`Table ${name} is append-only: nobody may delete from it`);
    const actions = appendOnly
      ? access === 'readwrite'
        ? appendOnlyWrite
        : appendOnlyRead
      : [
          ...readActions,
          ...(access === 'readwrite' ? writeActions : []),
          ...(deletes.has(name) ? ['dynamodb:DeleteItem'] : []),
        ];
    statements.push(new PolicyStatement({ actions, resources: [table.tableArn, ...indexArns] }));
  }
  for (const name of deletes) {
    if (!spec.tables?.[name]) throw new Error(`"deletes" names ${name}, which the function has no access to`);
  }
  const appendOnlyUsed = appendOnlyTables.filter((t) => spec.tables?.[t]);
  if (appendOnlyUsed.length > 0) {
    // Belt and braces: an explicit deny survives a later, broader grant added by mistake.
    statements.push(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: historyRewriteActions,
        resources: appendOnlyUsed.map((t) => res.tables[t].tableArn),
      }),
    );
  }
  return statements;
}

export function queueStatements(spec: FunctionSpec, res: Resources): PolicyStatement[] {
  return (Object.entries(spec.queues ?? {}) as [QueueName, 'send' | 'consume'][]).map(
    ([name, use]) =>
      new PolicyStatement({
        actions:
          use === 'send'
            ? ['sqs:SendMessage']
            : [
                'sqs:ReceiveMessage',
                'sqs:DeleteMessage',
                'sqs:ChangeMessageVisibility',
                'sqs:GetQueueAttributes',
              ],
        resources: [res.queues[name].queueArn],
      }),
  );
}

/** The `Source` every riskloop event carries (shared/domain/events/schemas.ts): PutEvents allows no other. */
export const eventSource = 'riskloop';

/** events:PutEvents on exactly the buses the manifest names, and only as riskloop's own source. */
export function eventStatements(spec: FunctionSpec, res: Resources): PolicyStatement[] {
  return (Object.keys(spec.events ?? {}) as EventBusName[]).map(
    (name) =>
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [res.eventBuses[name].eventBusArn],
        conditions: { StringEquals: { 'events:source': eventSource } },
      }),
  );
}

/** What each manifest access level allows on its key. GetPublicKey lets a holder hand the key to an auditor. */
export const keyActions: Record<KeyAccess, string[]> = {
  decrypt: ['kms:Decrypt'],
  generate: ['kms:GenerateDataKey', 'kms:Decrypt'],
  sign: ['kms:Sign', 'kms:GetPublicKey'],
  verify: ['kms:Verify', 'kms:GetPublicKey'],
};

/**
 * Application keys: only the operations the manifest names. Envelope operations only with riskloop's
 * encryption context; Sign and Verify take no encryption context, so signing keys get none.
 */
export function keyStatements(spec: FunctionSpec, res: Resources): PolicyStatement[] {
  return (Object.entries(spec.keys ?? {}) as [KeyPurpose, KeyAccess][]).map(([purpose, use]) => {
    const signing = use === 'sign' || use === 'verify';
    return new PolicyStatement({
      actions: keyActions[use],
      resources: [res.keys[purpose].keyArn],
      conditions: signing
        ? undefined
        : {
            StringEquals: {
              'kms:EncryptionContext:app': keyContextApp,
              'kms:EncryptionContext:purpose': keyContextPurpose[purpose as EncryptionKeyPurpose],
            },
          },
    });
  });
}

/**
 * The storage key, only through DynamoDB and SQS (kms:ViaService): holding it lets a function use
 * its tables and queues, never decrypt a blob directly.
 */
export function storageKeyStatement(
  spec: FunctionSpec,
  res: Resources,
  extraQueueSend: boolean,
): PolicyStatement {
  const writes =
    extraQueueSend ||
    Object.values(spec.tables ?? {}).includes('readwrite') ||
    Object.values(spec.queues ?? {}).includes('send');
  return new PolicyStatement({
    actions: writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
    resources: [res.storageKey.keyArn],
    conditions: {
      StringEquals: {
        'kms:ViaService': [`dynamodb.${Aws.REGION}.amazonaws.com`, `sqs.${Aws.REGION}.amazonaws.com`],
      },
    },
  });
}
