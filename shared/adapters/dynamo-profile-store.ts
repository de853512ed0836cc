import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ProfileStore, StoredProfile } from '../domain/ports.js';
import { batchGet } from './dynamo-batch.js';

export class DynamoProfileStore implements ProfileStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getMany(pseudonyms: readonly string[]): Promise<Map<string, StoredProfile>> {
    const items = await batchGet<StoredProfile>(this.doc, this.tableName, 'pseudonym', pseudonyms);
    return new Map(items.map((p) => [p.pseudonym, p]));
  }

  async put(profile: StoredProfile): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: profile,
          // Optimistic concurrency: a concurrent writer of the same customer loses instead of clobbering.
          ConditionExpression: profile.version === 1 ? 'attribute_not_exists(pseudonym)' : '#v = :previous',
          ...(profile.version === 1
            ? {}
            : {
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':previous': profile.version - 1 },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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

  async *scanPseudonyms(): AsyncIterable<string[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'pseudonym',
          ExclusiveStartKey: startKey,
          Limit: 1000,
        }),
      );
      yield (page.Items ?? []).map((i) => i.pseudonym as string);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
