import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TreeScoringModel } from '../domain/scoring/explain.js';
import type { ScoringModelStore, StoredScoringModel } from '../domain/scoring/store.js';
import { readPointer, readVersion, versionKey } from './dynamo-versions.js';

/**
 * A tree ensemble outgrows DynamoDB's 400 KB item (300 trees of depth 4 are about 800 KB of JSON;
 * an imported model may be ten times that), so its trees are stored gzipped in parts of at most
 * `partBytes`, under their own partition (`<modelId>#parts`) and keyed by the version and a digest
 * of their content: a training job that loses the race for a version number leaves its parts
 * unreferenced rather than overwriting the winner's. The version item names the digest and count.
 */
export const partBytes = 300 * 1024;
export const partsPartition = (modelId: string) => `${modelId}#parts`;
export const partKey = (version: number, digest: string, index: number) =>
  `${versionKey(version)}#${digest}#${String(index).padStart(4, '0')}`;

export interface TreeParts {
  digest: string;
  count: number;
}
export type StoredItem = Omit<StoredScoringModel, 'model'> & {
  model: StoredScoringModel['model'] | Omit<TreeScoringModel, 'trees'>;
  treeParts?: TreeParts;
};

/**
 * Reads scoring model versions, trees and all, for functions that only read them (the worker, the
 * simulation, the read API): none of the store's writing (parts, transactions, audit) in their bundle.
 */
export class DynamoScoringModelReader implements Pick<ScoringModelStore, 'get' | 'published'> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  published(): Promise<{ modelId: string; version: number } | undefined> {
    return readPointer(this.doc, this.tableName);
  }

  async get(modelId: string, version: number): Promise<StoredScoringModel | undefined> {
    const item = await readVersion<StoredItem>(this.doc, this.tableName, modelId, version);
    return item && this.withTrees(item);
  }

  private async withTrees(item: StoredItem): Promise<StoredScoringModel> {
    const { treeParts, ...stored } = item;
    if (!treeParts) return stored as StoredScoringModel;
    const prefix = `${versionKey(item.version)}#${treeParts.digest}#`;
    const chunks: Uint8Array[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'modelId = :m AND begins_with(versionKey, :p)',
          ExpressionAttributeValues: { ':m': partsPartition(item.modelId), ':p': prefix },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const part of page.Items ?? []) chunks.push(part.chunk as Uint8Array);
      start = page.LastEvaluatedKey;
    } while (start);
    const body = Buffer.concat(chunks);
    if (chunks.length !== treeParts.count || digestOf(body) !== treeParts.digest) {
      throw new Error(`Scoring model ${item.modelId}@${item.version}: its stored trees are incomplete`);
    }
    const trees = JSON.parse(gunzipSync(body).toString('utf8')) as TreeScoringModel['trees'];
    return { ...stored, model: { ...(stored.model as Omit<TreeScoringModel, 'trees'>), trees } };
  }
}

export const digestOf = (body: Uint8Array) => createHash('sha256').update(body).digest('hex').slice(0, 16);
