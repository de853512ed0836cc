import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ClaimOutcome,
  type DeliveryLog,
  emptyCounts,
  type FeedbackCounters,
  type FeedbackItem,
  type FeedbackStore,
  type ResponseCounts,
} from '../domain/feedback/store.js';
import { batchGet } from './dynamo-batch.js';

export class DynamoFeedbackStore implements FeedbackStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(item: FeedbackItem): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async listSince(pseudonym: string, sinceIso: string, consistent = true): Promise<FeedbackItem[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pseudonym = :p AND responseKey >= :since',
        ExpressionAttributeValues: { ':p': pseudonym, ':since': sinceIso },
        // Strongly consistent by default: a decision's recheckAt must account for the response that queued it.
        ConsistentRead: consistent,
      }),
    );
    return (out.Items ?? []) as FeedbackItem[];
  }
}

/**
 * One DynamoDB partition takes about 1,000 writes/s: a single counter item per segment would cap
 * the whole system's response rate there. Writes go to one of `shards` items chosen at random;
 * reads add the shards up (a BatchGet of shards × segments).
 */
export class DynamoFeedbackCounters implements FeedbackCounters {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shards = 8,
  ) {}

  async add(period: string, segment: string, delta: Partial<ResponseCounts>): Promise<void> {
    const entries = Object.entries(delta).filter(([, n]) => n);
    if (entries.length === 0) return;
    const shard = Math.floor(Math.random() * this.shards);
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { bucket: `${period}#${segment}#${shard}` },
        UpdateExpression: `ADD ${entries.map(([k]) => `#${k} :${k}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k]) => [`#${k}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([k, n]) => [`:${k}`, n])),
      }),
    );
  }

  async read(period: string, segments: readonly string[]): Promise<Record<string, ResponseCounts>> {
    const keys = segments.flatMap((segment) =>
      Array.from({ length: this.shards }, (_, shard) => `${period}#${segment}#${shard}`),
    );
    const items = await batchGet<Partial<ResponseCounts> & { bucket: string }>(
      this.doc,
      this.tableName,
      'bucket',
      keys,
    );
    const totals: Record<string, ResponseCounts> = Object.fromEntries(
      segments.map((s) => [s, emptyCounts()]),
    );
    for (const item of items) {
      const segment = item.bucket.split('#')[1] as string;
      const total = totals[segment] ?? emptyCounts();
      for (const key of Object.keys(total) as (keyof ResponseCounts)[]) total[key] += Number(item[key] ?? 0);
      totals[segment] = total;
    }
    return totals;
  }
}

export class DynamoDeliveryLog implements DeliveryLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(deliveryKey: string, nowSeconds: number, inProgressSeconds: number): Promise<ClaimOutcome> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { deliveryKey, status: 'in-progress', expiresAt: nowSeconds + inProgressSeconds },
          // DynamoDB Local (and AWS, up to 48 h late) keeps expired items: an expired claim is reusable.
          ConditionExpression: 'attribute_not_exists(deliveryKey) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Items from before claims had a status were written once processed.
      return error.Item?.status?.S === 'in-progress' ? 'in-progress' : 'completed';
    }
  }

  async complete(deliveryKey: string, expiresAt: number): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { deliveryKey, status: 'completed', expiresAt } }),
    );
  }

  async release(deliveryKey: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { deliveryKey },
          // Expired, not deleted: the function may not delete, and an expired claim is claimable.
          UpdateExpression: 'SET expiresAt = :zero, #status = :released',
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':zero': 0, ':released': 'released', ':inProgress': 'in-progress' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
