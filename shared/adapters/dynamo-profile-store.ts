import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProfileStore, StoredProfile } from '../domain/ports.js';
import { batchGet, parallelScan } from './dynamo-batch.js';
import { transactUnits } from './dynamo-transact.js';

export class DynamoProfileStore implements ProfileStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getMany(pseudonyms: readonly string[], consistent = true): Promise<Map<string, StoredProfile>> {
    // Strongly consistent by default: the worker decides on the profile version whose write queued it.
    const items = await batchGet<StoredProfile>(
      this.doc,
      this.tableName,
      'pseudonym',
      pseudonyms,
      consistent,
    );
    return new Map(items.map((p) => [p.pseudonym, p]));
  }

  async putMany(profiles: readonly StoredProfile[]): Promise<boolean[]> {
    const outcomes = await transactUnits(
      this.doc,
      profiles.map((profile) => [
        {
          TableName: this.tableName,
          Item: profile as unknown as Record<string, unknown>,
          // Optimistic concurrency: a concurrent writer of the same customer loses instead of clobbering.
          ...(profile.version === 1
            ? { ConditionExpression: 'attribute_not_exists(pseudonym)' }
            : {
                ConditionExpression: '#v = :previous',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':previous': profile.version - 1 },
              }),
        },
      ]),
    );
    return outcomes.map((o) => o.written);
  }

  async clearDigest(pseudonym: string, digest: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pseudonym },
        UpdateExpression: 'SET contentDigest = :unqueued',
        ConditionExpression: 'contentDigest = :digest',
        ExpressionAttributeValues: { ':unqueued': 'unqueued', ':digest': digest },
      }),
    );
  }

  /** Every pseudonym, or only those of one parallel-scan segment (a re-segmentation shard). */
  async *scanPseudonyms(shard?: { segment: number; of: number }): AsyncIterable<string[]> {
    for await (const page of parallelScan<{ pseudonym: string }>(this.doc, this.tableName, {
      projection: 'pseudonym',
      ...(shard ? { shard } : {}),
    })) {
      yield page.map((i) => i.pseudonym);
    }
  }
}
