import { gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/ports.js';
import {
  predictiveModelId,
  type ScoringModelStore,
  type StoredScoringModel,
} from '../domain/scoring/store.js';
import type { AuditChainWriter } from './audit-chain-writer.js';
import { auditPut } from './dynamo-audit-log.js';
import {
  DynamoScoringModelReader,
  digestOf,
  partBytes,
  partKey,
  partsPartition,
  type StoredItem,
} from './dynamo-scoring-model-reader.js';
import { type ConditionalPut, transactUnits } from './dynamo-transact.js';
import { latestVersion, pointerItem, readPointer, readVersion, versionKey } from './dynamo-versions.js';

const jobsPartition = (modelId: string) => `${modelId}#jobs`;
/** What makes a version once-only: a training job's model of one kind, or an imported file. */
const onceOnly = (v: StoredScoringModel): string | undefined =>
  v.jobId ? `${v.jobId}#${v.model.kind}` : v.sourceDigest ? `import#${v.sourceDigest}` : undefined;

/** Predictive models, versioned like risk models, with a pointer to the one in use. */
export class DynamoScoringModelStore implements ScoringModelStore {
  private readonly reader: DynamoScoringModelReader;
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly audit: AuditChainWriter | undefined,
  ) {
    this.reader = new DynamoScoringModelReader(doc, tableName);
  }

  latestVersion(modelId: string): Promise<number> {
    return latestVersion(this.doc, this.tableName, modelId);
  }

  get(modelId: string, version: number): Promise<StoredScoringModel | undefined> {
    return this.reader.get(modelId, version);
  }

  /** Writes a tree ensemble's parts and returns the version item that names them. */
  private async putTrees(version: StoredScoringModel): Promise<StoredItem> {
    if (version.model.kind !== 'trees') return version;
    const { trees, ...rest } = version.model;
    const body = gzipSync(JSON.stringify(trees));
    const digest = digestOf(body);
    const count = Math.max(1, Math.ceil(body.length / partBytes));
    for (let i = 0; i < count; i++) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            modelId: partsPartition(version.modelId),
            versionKey: partKey(version.version, digest, i),
            chunk: body.subarray(i * partBytes, (i + 1) * partBytes),
          },
        }),
      );
    }
    return { ...version, model: rest, treeParts: { digest, count } };
  }

  /**
   * Every version without its trees (a listing reads figures, not ensembles): one Query of the
   * predictive model's partition, so tree parts and job markers are never read.
   */
  async list(): Promise<StoredScoringModel[]> {
    const all: StoredScoringModel[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'modelId = :m',
          ExpressionAttributeValues: { ':m': predictiveModelId },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const raw of page.Items ?? []) {
        const { versionKey: _key, treeParts, ...item } = raw as StoredItem & { versionKey: string };
        all.push((treeParts ? { ...item, model: { ...item.model, trees: [] } } : item) as StoredScoringModel);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return all.sort((a, b) => a.version - b.version);
  }

  published(): Promise<{ modelId: string; version: number } | undefined> {
    return readPointer(this.doc, this.tableName);
  }

  async create(version: StoredScoringModel, publish: boolean, audit: AuditEvent): Promise<boolean> {
    const auditTable = this.audit?.tableName;
    if (!auditTable) throw new Error('This function has no audit table: it may not store models');
    const item = await this.putTrees(version);
    const puts: ConditionalPut[] = [
      {
        TableName: this.tableName,
        Item: { ...item, versionKey: versionKey(version.version) } as unknown as Record<string, unknown>,
        ConditionExpression: 'attribute_not_exists(versionKey)',
      },
      auditPut(auditTable, audit),
      // One model of each kind per training job, even when a redelivered job runs beside the first
      // attempt (it would otherwise store the same model again as a later version).
      ...(onceOnly(version)
        ? [
            {
              TableName: this.tableName,
              Item: { modelId: jobsPartition(version.modelId), versionKey: onceOnly(version) },
              ConditionExpression: 'attribute_not_exists(versionKey)',
            },
          ]
        : []),
      ...(publish ? await this.pointerMove(version, await this.published(), item.publishedAt ?? '') : []),
    ];
    const [outcome] = await transactUnits(this.doc, [puts], this.audit);
    return outcome?.written ?? false;
  }

  async publish(
    version: StoredScoringModel,
    expected: { modelId: string; version: number } | undefined,
    audit: AuditEvent,
    at: string,
  ): Promise<boolean> {
    const auditTable = this.audit?.tableName;
    if (!auditTable) throw new Error('This function has no audit table: it may not publish models');
    const next = await readVersion<StoredItem>(this.doc, this.tableName, version.modelId, version.version);
    if (!next) return false;
    const { retiredAt: _retired, ...nextItem } = next;
    const [outcome] = await transactUnits(
      this.doc,
      [
        [
          statusPut(this.tableName, { ...nextItem, status: 'published', publishedAt: at }),
          ...(await this.pointerMove(version, expected, at)),
          auditPut(auditTable, audit),
        ],
      ],
      this.audit,
    );
    return outcome?.written ?? false;
  }

  /**
   * The pointer moved to `version` if it still names `expected`, and the version it named marked
   * retired as of `at`. Version items hold figures and part references only (trees live in parts):
   * small enough to be put whole with their new status, in the transaction that moves the pointer.
   */
  private async pointerMove(
    version: { modelId: string; version: number },
    expected: { modelId: string; version: number } | undefined,
    at: string,
  ): Promise<ConditionalPut[]> {
    const previous =
      expected && !(expected.modelId === version.modelId && expected.version === version.version)
        ? await readVersion<StoredItem>(this.doc, this.tableName, expected.modelId, expected.version)
        : undefined;
    return [
      ...(previous ? [statusPut(this.tableName, { ...previous, status: 'retired', retiredAt: at })] : []),
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
    ];
  }
}

const statusPut = (tableName: string, item: StoredItem): ConditionalPut => ({
  TableName: tableName,
  Item: { ...item, versionKey: versionKey(item.version) } as unknown as Record<string, unknown>,
  ConditionExpression: 'attribute_exists(versionKey)',
});
