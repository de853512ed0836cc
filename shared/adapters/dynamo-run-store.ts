import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ResegmentationRun, RunStore } from '../domain/ports.js';

/** Counters are atomic ADDs, so concurrent worker batches never lose an increment. */
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

  async enqueued(runId: string, count: number, at: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { runId },
        UpdateExpression: 'SET #s = :s, enqueued = :n, enqueuedAt = :at',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'enqueued', ':n': count, ':at': at },
      }),
    );
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
    return out.Item as ResegmentationRun | undefined;
  }
}
