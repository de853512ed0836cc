import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/ports.js';
import type { PublishedPointer, RiskModelStore, StoredModelVersion } from '../domain/risk-model/store.js';
import { auditPut } from './dynamo-audit-log.js';
import { parallelScan } from './dynamo-batch.js';
import { type ConditionalPut, transactUnits } from './dynamo-transact.js';

/** Versions sort as strings: zero-padded keys keep v10 after v9. */
const versionKey = (version: number) => `v${String(version).padStart(6, '0')}`;
/** One pointer item names the published version: "exactly one published" is one item, not a scan. */
const pointerKey = { modelId: '#published', versionKey: '#' };

type VersionItem = StoredModelVersion & { versionKey: string };

export class DynamoRiskModelStore implements RiskModelStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly auditTableName: string | undefined,
  ) {}

  async latestVersion(modelId: string): Promise<number> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'modelId = :m',
        ExpressionAttributeValues: { ':m': modelId },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return (out.Items?.[0] as VersionItem | undefined)?.version ?? 0;
  }

  async get(modelId: string, version: number): Promise<StoredModelVersion | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { modelId, versionKey: versionKey(version) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? strip(out.Item as VersionItem) : undefined;
  }

  async list(): Promise<StoredModelVersion[]> {
    const all: StoredModelVersion[] = [];
    for await (const page of parallelScan<VersionItem>(this.doc, this.tableName, { segments: 2 })) {
      all.push(...page.filter((i) => i.modelId !== pointerKey.modelId).map(strip));
    }
    return all.sort((a, b) =>
      a.modelId === b.modelId ? a.version - b.version : a.modelId < b.modelId ? -1 : 1,
    );
  }

  async published(): Promise<PublishedPointer | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pointerKey, ConsistentRead: true }),
    );
    return out.Item
      ? { modelId: String(out.Item.publishedModelId), version: Number(out.Item.version) }
      : undefined;
  }

  async create(version: StoredModelVersion, audit: AuditEvent): Promise<boolean> {
    return this.transact([
      {
        TableName: this.tableName,
        Item: item(version),
        ConditionExpression: 'attribute_not_exists(versionKey)',
      },
      auditPut(this.auditTable(), audit),
    ]);
  }

  async publish(next: StoredModelVersion, previous: StoredModelVersion | undefined, audit: AuditEvent) {
    const puts: ConditionalPut[] = [
      {
        TableName: this.tableName,
        Item: { ...pointerKey, publishedModelId: next.modelId, version: next.version },
        ...(previous
          ? {
              ConditionExpression: 'publishedModelId = :m AND version = :v',
              ExpressionAttributeValues: { ':m': previous.modelId, ':v': previous.version },
            }
          : { ConditionExpression: 'attribute_not_exists(versionKey)' }),
      },
      {
        TableName: this.tableName,
        Item: item(next),
        ConditionExpression: '#s = :draft',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':draft': 'draft' },
      },
      ...(previous
        ? [
            {
              TableName: this.tableName,
              Item: item(previous),
              ConditionExpression: '#s = :published',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':published': 'published' },
            },
          ]
        : []),
      auditPut(this.auditTable(), audit),
    ];
    return this.transact(puts);
  }

  async retire(version: StoredModelVersion, audit: AuditEvent): Promise<boolean> {
    return this.transact([
      {
        TableName: this.tableName,
        Item: item(version),
        ConditionExpression: '#s = :draft',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':draft': 'draft' },
      },
      auditPut(this.auditTable(), audit),
    ]);
  }

  private async transact(puts: ConditionalPut[]): Promise<boolean> {
    const [outcome] = await transactUnits(this.doc, [puts]);
    return outcome?.written ?? false;
  }

  private auditTable(): string {
    if (!this.auditTableName) throw new Error('This function has no audit table: it may not change models');
    return this.auditTableName;
  }
}

function item(version: StoredModelVersion): Record<string, unknown> {
  return { ...version, versionKey: versionKey(version.version) };
}

function strip({ versionKey: _key, ...version }: VersionItem): StoredModelVersion {
  return version;
}
