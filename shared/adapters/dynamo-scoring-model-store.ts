import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/ports.js';
import type { ScoringModelStore, StoredScoringModel } from '../domain/scoring/store.js';
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

/** Predictive models, versioned like risk models, with a pointer to the one in use. */
export class DynamoScoringModelStore implements ScoringModelStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
  ) {}

  latestVersion(modelId: string): Promise<number> {
    return latestVersion(this.doc, this.tableName, modelId);
  }

  get(modelId: string, version: number): Promise<StoredScoringModel | undefined> {
    return readVersion<StoredScoringModel>(this.doc, this.tableName, modelId, version);
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

  published(): Promise<{ modelId: string; version: number } | undefined> {
    return readPointer(this.doc, this.tableName);
  }

  async create(version: StoredScoringModel, publish: boolean, audit: AuditEvent): Promise<boolean> {
    const auditTable = this.audit?.tableName;
    if (!auditTable) throw new Error('This function has no audit table: it may not store models');
    const puts: ConditionalPut[] = [
      {
        TableName: this.tableName,
        Item: { ...version, versionKey: versionKey(version.version) } as unknown as Record<string, unknown>,
        ConditionExpression: 'attribute_not_exists(versionKey)',
      },
      auditPut(auditTable, audit),
      ...(publish
        ? [
            {
              TableName: this.tableName,
              Item: pointerItem(version.modelId, version.version),
            },
          ]
        : []),
    ];
    const [outcome] = await transactUnits(this.doc, [puts], this.audit);
    return outcome?.written ?? false;
  }

  async publish(
    version: StoredScoringModel,
    expected: { modelId: string; version: number } | undefined,
    audit: AuditEvent,
  ): Promise<boolean> {
    const auditTable = this.audit?.tableName;
    if (!auditTable) throw new Error('This function has no audit table: it may not publish models');
    const [outcome] = await transactUnits(
      this.doc,
      [
        [
          {
            TableName: this.tableName,
            Item: pointerItem(version.modelId, version.version),
            ...(expected
              ? {
                  ConditionExpression: 'publishedModelId = :m AND version = :v',
                  ExpressionAttributeValues: { ':m': expected.modelId, ':v': expected.version },
                }
              : { ConditionExpression: 'attribute_not_exists(versionKey)' }),
          },
          auditPut(auditTable, audit),
        ],
      ],
      this.audit,
    );
    return outcome?.written ?? false;
  }
}
