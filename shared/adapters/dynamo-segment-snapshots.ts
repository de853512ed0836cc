import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SegmentSnapshot, SegmentSnapshotStore } from '../domain/insights/snapshot.js';
import { batchGet } from './dynamo-batch.js';

/** Monthly segment counts (no pseudonyms): one item per month, overwritten by each daily run. */
export class DynamoSegmentSnapshotStore implements SegmentSnapshotStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(snapshot: SegmentSnapshot): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...snapshot } }));
  }

  getMany(periods: readonly string[]): Promise<SegmentSnapshot[]> {
    return periods.length === 0
      ? Promise.resolve([])
      : batchGet<SegmentSnapshot>(this.doc, this.tableName, 'period', periods);
  }
}
