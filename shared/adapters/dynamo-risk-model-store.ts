import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/ports.js';
import type { PublishedPointer, RiskModelStore, StoredModelVersion } from '../domain/risk-model/store.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import { auditPut } from './dynamo-audit-log.js';
import { parallelScan } from './dynamo-batch.js';
import { type ConditionalPut, transactUnits } from './dynamo-transact.js';
import {
  latestVersion,
  pointerItem,
  pointerKey,
  readPointer,
  readVersion,
  versionKey,
} from './dynamo-versions.js';

type VersionItem = StoredModelVersion & { versionKey: string };

export class DynamoRiskModelStore implements RiskModelStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
  ) {}

  latestVersion(modelId: string): Promise<number> {
    return latestVersion(this.doc, this.tableName, modelId);
  }

  get(modelId: string, version: number): Promise<StoredModelVersion | undefined> {
    return readVersion<StoredModelVersion>(this.doc, this.tableName, modelId, version);
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

  published(): Promise<PublishedPointer | undefined> {
    return readPointer(this.doc, this.tableName);
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
        Item: pointerItem(next.modelId, next.version),
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
    const [outcome] = await transactUnits(this.doc, [puts], this.audit);
    return outcome?.written ?? false;
  }

  private auditTable(): string {
    if (!this.audit) throw new Error('This function has no audit table: it may not change models');
    return this.audit.tableName;
  }
}

function item(version: StoredModelVersion): Record<string, unknown> {
  return { ...version, versionKey: versionKey(version.version) };
}

function strip({ versionKey: _key, ...version }: VersionItem): StoredModelVersion {
  return version;
}
