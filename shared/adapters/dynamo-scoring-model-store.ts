import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/ports.js';
import type { ScoringModelStore, StoredScoringModel } from '../domain/scoring/store.js';
import { auditPut } from './dynamo-audit-log.js';
import { parallelScan } from './dynamo-batch.js';
import { type ConditionalPut, transactUnits } from './dynamo-transact.js';

const versionKey = (version: number) => `v${String(version).padStart(6, '0')}`;
const pointerKey = { modelId: '#published', versionKey: '#' };

/** Predictive models, versioned like risk models, with a pointer to the one in use. */
export class DynamoScoringModelStore implements ScoringModelStore {
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
    return Number(out.Items?.[0]?.version ?? 0);
  }

  async get(modelId: string, version: number): Promise<StoredScoringModel | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { modelId, versionKey: versionKey(version) },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const { versionKey: _key, ...stored } = out.Item;
    return stored as StoredScoringModel;
  }

  async list(): Promise<StoredScoringModel[]> {
    const all: StoredScoringModel[] = [];
    for await (const page of parallelScan<StoredScoringModel & { versionKey: string }>(
      this.doc,
      this.tableName,
      {
        segments: 2,
      },
    )) {
      all.push(...page.filter((i) => i.modelId !== pointerKey.modelId));
    }
    return all.sort((a, b) => a.version - b.version);
  }

  async published(): Promise<{ modelId: string; version: number } | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pointerKey, ConsistentRead: true }),
    );
    return out.Item
      ? { modelId: String(out.Item.publishedModelId), version: Number(out.Item.version) }
      : undefined;
  }

  async create(version: StoredScoringModel, publish: boolean, audit: AuditEvent): Promise<boolean> {
    if (!this.auditTableName) throw new Error('This function has no audit table: it may not store models');
    const puts: ConditionalPut[] = [
      {
        TableName: this.tableName,
        Item: { ...version, versionKey: versionKey(version.version) } as unknown as Record<string, unknown>,
        ConditionExpression: 'attribute_not_exists(versionKey)',
      },
      auditPut(this.auditTableName, audit),
      ...(publish
        ? [
            {
              TableName: this.tableName,
              Item: { ...pointerKey, publishedModelId: version.modelId, version: version.version },
            },
          ]
        : []),
    ];
    const [outcome] = await transactUnits(this.doc, [puts]);
    return outcome?.written ?? false;
  }
}
