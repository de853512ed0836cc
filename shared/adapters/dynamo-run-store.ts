import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ResegmentationRun, RunStore } from '../domain/ports.js';

/**
 * Counters are atomic ADDs, so concurrent worker batches never lose an increment; shard counts
 * are added once per shard (see shardEnqueued).
 */
export class DynamoRunStore implements RunStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async start(run: ResegmentationRun): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: run,
        ConditionExpression: 'attribute_not_exists(runId)',
      }),
    );
  }

  async shardEnqueued(
    runId: string,
    segment: number,
    count: number,
    at: string,
    upToDate = 0,
  ): Promise<boolean> {
    let after: Record<string, unknown> | undefined;
    try {
      // The shard joins a number set under a condition, so a redelivered shard adds nothing twice.
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'ADD enqueued :n, upToDate :u, shardsReported :one, reportedShards :shard',
          ConditionExpression: 'attribute_exists(runId) AND NOT contains(reportedShards, :segment)',
          ExpressionAttributeValues: {
            ':n': count,
            ':u': upToDate,
            ':one': 1,
            ':shard': new Set([segment]),
            ':segment': segment,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      after = out.Attributes;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
    if (after && Number(after.shardsReported) >= Number(after.shards)) {
      // Last shard in: the run's total is known. Several "last" shards cannot race past each other,
      // and setting the same status twice is harmless.
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'SET #s = :s, enqueuedAt = if_not_exists(enqueuedAt, :at)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'enqueued', ':at': at },
        }),
      );
    }
    return true;
  }

  async progress(deltas: ReadonlyMap<string, { done: number; failed: number }>): Promise<void> {
    await Promise.all(
      [...deltas].map(([runId, d]) =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { runId },
            UpdateExpression: 'ADD done :d, failed :f',
            ConditionExpression: 'attribute_exists(runId)',
            ExpressionAttributeValues: { ':d': d.done, ':f': d.failed },
          }),
        ),
      ),
    );
  }

  async get(runId: string): Promise<ResegmentationRun | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { runId }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    // The set of reported shards is bookkeeping; readers see its size in shardsReported.
    const { reportedShards: _, ...run } = out.Item;
    return run as ResegmentationRun;
  }
}
