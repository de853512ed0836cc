import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  type Projection,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAggregateSources, DynamoAggregates } from '../../shared/adapters/dynamo-aggregates.js';
import { DynamoAssignmentStore } from '../../shared/adapters/dynamo-assignment-store.js';
import { rebuildAggregates } from '../../shared/domain/insights/aggregates.js';
import {
  type EventBusName,
  envNames,
  eventBuses,
  type KeyPurpose,
  type KeySpec,
  keys,
  type QueueName,
  queues,
  resourceName,
  type TableName,
  type TableSpec,
  tables,
} from '../manifest.js';
import type { IndexSpec } from '../manifest-types.js';

export interface Endpoints {
  dynamodb: string;
  sqs: string;
  kms: string;
  eventbridge: string;
}

export const localRegion = 'us-east-1';
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The environment every local function gets: resource names from the manifest, endpoints of the stand-ins. */
export type RuntimeEnv = Record<string, string>;

/**
 * Creates the manifest's tables, queues (each with its DLQ) and KMS keys when absent. Safe to
 * run on every start: existing resources and their data are kept.
 */
export async function provision(
  endpoints: Endpoints,
  stage: string,
  options: { visibilityTimeoutSeconds?: number } = {},
): Promise<RuntimeEnv> {
  const config = { region: localRegion, credentials: localCredentials };
  const dynamo = new DynamoDBClient({ ...config, endpoint: endpoints.dynamodb });
  const sqs = new SQSClient({ ...config, endpoint: endpoints.sqs });
  const kms = new KMSClient({ ...config, endpoint: endpoints.kms });
  const events = new EventBridgeClient({ ...config, endpoint: endpoints.eventbridge });
  try {
    const env: RuntimeEnv = {};
    const existing = new Set((await dynamo.send(new ListTablesCommand({}))).TableNames ?? []);
    const addedIndexes = new Set<string>();
    for (const [name, spec] of Object.entries(tables) as [TableName, TableSpec][]) {
      const tableName = resourceName(stage, name);
      if (!existing.has(tableName)) await createTable(dynamo, tableName, spec);
      else for (const index of await syncIndexes(dynamo, tableName, spec)) addedIndexes.add(index);
      env[envNames.table(name)] = tableName;
    }
    const doc = DynamoDBDocumentClient.from(dynamo);
    // Only when the index was just added to an older table (never on a normal start: it scans):
    // items written before its key existed get it (a deploy runs `npm run aggregates:rebuild`).
    if (addedIndexes.has('bySegmentShard'))
      await new DynamoAssignmentStore(
        doc,
        resourceName(stage, 'assignments'),
        undefined,
      ).backfillSegmentShards();
    // A data directory from before the maintained aggregates: count what it holds once.
    if (
      !existing.has(resourceName(stage, 'aggregates')) &&
      existing.has(resourceName(stage, 'assignments'))
    ) {
      const doc = DynamoDBDocumentClient.from(dynamo);
      await rebuildAggregates({
        sources: new DynamoAggregateSources(doc, {
          assignments: resourceName(stage, 'assignments'),
          outcomes: resourceName(stage, 'outcomes'),
          cases: resourceName(stage, 'cases'),
        }),
        target: new DynamoAggregates(doc, resourceName(stage, 'aggregates')),
      });
    }
    for (const name of Object.keys(queues) as QueueName[]) {
      env[envNames.queueUrl(name)] = await createQueueWithDlq(sqs, resourceName(stage, name), name, options);
    }
    const aliases = new Set(
      ((await kms.send(new ListAliasesCommand({}))).Aliases ?? []).map((a) => a.AliasName),
    );
    for (const [purpose, spec] of Object.entries(keys) as [KeyPurpose, KeySpec][]) {
      const alias = `alias/${resourceName(stage, purpose)}`;
      if (!aliases.has(alias)) {
        // The same key types as the CDK data stack creates: the local KMS refuses the wrong operation alike.
        const type =
          spec.kind === 'sign' ? ({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } as const) : {};
        const created = await kms.send(new CreateKeyCommand({ Description: spec.description, ...type }));
        await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata?.KeyId }));
      }
      env[envNames.key(purpose)] = alias;
    }
    for (const [name, spec] of Object.entries(eventBuses) as [EventBusName, { description: string }][]) {
      const busName = resourceName(stage, name);
      await createEventBusIfAbsent(events, busName, spec.description);
      env[envNames.eventBus(name)] = busName;
    }
    return env;
  } finally {
    dynamo.destroy();
    sqs.destroy();
    kms.destroy();
    events.destroy();
  }
}

async function createEventBusIfAbsent(events: EventBridgeClient, name: string, description: string) {
  try {
    await events.send(new DescribeEventBusCommand({ Name: name }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await events.send(new CreateEventBusCommand({ Name: name, Description: description }));
  }
}

export async function createTable(dynamo: DynamoDBClient, tableName: string, spec: TableSpec): Promise<void> {
  const attributes = new Map<string, AttributeDefinition>();
  const keySchema = (pk: string, sk?: string): KeySchemaElement[] => {
    attributes.set(pk, { AttributeName: pk, AttributeType: 'S' });
    if (sk) attributes.set(sk, { AttributeName: sk, AttributeType: 'S' });
    return [
      { AttributeName: pk, KeyType: 'HASH' },
      ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
    ];
  };
  const KeySchema = keySchema(spec.partitionKey, spec.sortKey);
  const indexes: GlobalSecondaryIndex[] = Object.entries(spec.globalIndexes ?? {}).map(
    ([IndexName, index]) => ({
      IndexName,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: projectionOf(index),
    }),
  );
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema,
      AttributeDefinitions: [...attributes.values()],
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  if (spec.ttlAttribute) {
    await dynamo.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
      }),
    );
  }
}

const projectionOf = (index: IndexSpec): Projection =>
  index.project
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.project] }
    : { ProjectionType: 'ALL' };

/**
 * A data directory from an earlier release has the indexes of that release: the ones added since
 * are added and those since dropped are deleted, as a deployment does it (UpdateTable, one index
 * per call), each waited for until it can be queried.
 */
async function syncIndexes(dynamo: DynamoDBClient, tableName: string, spec: TableSpec): Promise<string[]> {
  const added: string[] = [];
  const describe = () => dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set(((await describe()).Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const IndexName of present) {
    if (IndexName === undefined || spec.globalIndexes?.[IndexName]) continue;
    await dynamo.send(
      new UpdateTableCommand({
        TableName: tableName,
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName } }],
      }),
    );
  }
  for (const [IndexName, index] of Object.entries(spec.globalIndexes ?? {})) {
    if (present.has(IndexName)) continue;
    added.push(IndexName);
    const keys = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
    await dynamo.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
              ],
              Projection: projectionOf(index),
            },
          },
        ],
      }),
    );
    for (let waited = 0; waited < 300; waited++) {
      const status = (await describe()).Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === IndexName);
      if (status?.IndexStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return added;
}

async function createQueueWithDlq(
  sqs: SQSClient,
  queueName: string,
  name: QueueName,
  options: { visibilityTimeoutSeconds?: number },
): Promise<string> {
  const spec = queues[name];
  const retention = String(Math.min(spec.retentionDays * 86_400, 1_209_600));
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${queueName}-dlq`,
      Attributes: { MessageRetentionPeriod: '1209600' },
    }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: queueName,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? spec.visibilityTimeoutSeconds),
        MessageRetentionPeriod: retention,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
      },
    }),
  );
  if (!queue.QueueUrl) throw new Error(`Could not create queue ${queueName}`);
  return queue.QueueUrl;
}

/** The DLQ of a queue, by the naming convention shared with the CDK stacks. */
export const dlqUrlOf = (queueUrl: string) => `${queueUrl}-dlq`;
