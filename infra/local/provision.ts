import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  envNames,
  type KeyPurpose,
  keys,
  type QueueName,
  queues,
  resourceName,
  type TableName,
  type TableSpec,
  tables,
} from '../manifest.js';

export interface Endpoints {
  dynamodb: string;
  sqs: string;
  kms: string;
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
  try {
    const env: RuntimeEnv = {};
    const existing = new Set((await dynamo.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const [name, spec] of Object.entries(tables) as [TableName, TableSpec][]) {
      const tableName = resourceName(stage, name);
      if (!existing.has(tableName)) await createTable(dynamo, tableName, spec);
      env[envNames.table(name)] = tableName;
    }
    for (const name of Object.keys(queues) as QueueName[]) {
      env[envNames.queueUrl(name)] = await createQueueWithDlq(sqs, resourceName(stage, name), name, options);
    }
    const aliases = new Set(
      ((await kms.send(new ListAliasesCommand({}))).Aliases ?? []).map((a) => a.AliasName),
    );
    for (const [purpose, spec] of Object.entries(keys) as [KeyPurpose, { description: string }][]) {
      const alias = `alias/${resourceName(stage, purpose)}`;
      if (!aliases.has(alias)) {
        const created = await kms.send(new CreateKeyCommand({ Description: spec.description }));
        await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata?.KeyId }));
      }
      env[envNames.key(purpose)] = alias;
    }
    return env;
  } finally {
    dynamo.destroy();
    sqs.destroy();
    kms.destroy();
  }
}

async function createTable(dynamo: DynamoDBClient, tableName: string, spec: TableSpec): Promise<void> {
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
      Projection: { ProjectionType: 'ALL' },
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
