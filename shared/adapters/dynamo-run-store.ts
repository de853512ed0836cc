import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ResegmentationRun, RunStore } from '../domain/ports.js';
import { runFinished } from '../domain/segmentation/runs.js';
import { batchGet } from './dynamo-batch.js';

/** The value of `active` while a job or run has not ended: one partition of the sparse index, a few items. */
export const activeMarker = 'job';

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
        // Listed beside the jobs (the activeJobs index) until it ends.
        Item: { ...run, active: activeMarker, createdAt: run.startedAt },
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
          UpdateExpression:
            'SET updatedAt = :at ADD enqueued :n, upToDate :u, shardsReported :one, reportedShards :shard',
          // A cancelled or abandoned run (no `active`) takes no more counts.
          ConditionExpression:
            'attribute_exists(runId) AND attribute_exists(active) AND NOT contains(reportedShards, :segment)',
          ExpressionAttributeValues: {
            ':n': count,
            ':u': upToDate,
            ':one': 1,
            ':shard': new Set([segment]),
            ':segment': segment,
            ':at': at,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      after = out.Attributes;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Counted before: a redelivery. If the last shard's step below was lost, it is redone here.
      const run = await this.get(runId);
      if (run?.status === 'enqueuing' && Number(run.shardsReported) >= Number(run.shards))
        await this.lastShardIn(runId, at);
      return false;
    }
    if (after && Number(after.shardsReported) >= Number(after.shards)) await this.lastShardIn(runId, at);
    return true;
  }

  /**
   * Every shard has reported: the run's total is known. Several "last" shards cannot race past each
   * other, and setting the same status twice is harmless; a run cancelled meanwhile stays cancelled.
   */
  private async lastShardIn(runId: string, at: string): Promise<void> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'SET #s = :s, enqueuedAt = if_not_exists(enqueuedAt, :at)',
          ConditionExpression: 'attribute_exists(active)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'enqueued', ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      // Nothing queued, or its customers all done before the last count came in: it ends here.
      await this.endIfFinished(out.Attributes, at);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async close(runId: string, at: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'SET finishedAt = if_not_exists(finishedAt, :at) REMOVE active',
          ConditionExpression: 'attribute_exists(active) AND attribute_not_exists(kind)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Takes a run whose work is all done out of the active listing (once; later calls change nothing). */
  private async endIfFinished(item: Record<string, unknown> | undefined, at: string): Promise<void> {
    if (!item || item.active === undefined || !runFinished(item as unknown as ResegmentationRun)) return;
    await this.close(item.runId as string, new Date(at));
  }

  async end(runId: string, status: 'cancelled' | 'abandoned', at: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'SET #s = :s, finishedAt = :at, updatedAt = :at REMOVE active',
          // Only a run (no kind) that has not ended.
          ConditionExpression: 'attribute_exists(active) AND attribute_not_exists(kind)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status, ':at': at.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async cancelled(runIds: readonly string[]): Promise<ReadonlySet<string>> {
    const runs = await batchGet<{ runId: string; status: string }>(
      this.doc,
      this.tableName,
      'runId',
      runIds,
      false,
      {
        expression: 'runId, #s',
        names: { '#s': 'status' },
      },
    );
    return new Set(runs.filter((r) => r.status === 'cancelled').map((r) => r.runId));
  }

  async progress(deltas: ReadonlyMap<string, { done: number; failed: number }>): Promise<void> {
    const at = new Date().toISOString();
    await Promise.all(
      [...deltas].map(async ([runId, d]) => {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { runId },
            UpdateExpression: 'SET updatedAt = :at ADD done :d, failed :f',
            ConditionExpression: 'attribute_exists(runId)',
            ExpressionAttributeValues: { ':d': d.done, ':f': d.failed, ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        );
        await this.endIfFinished(out.Attributes, at);
      }),
    );
  }

  async get(runId: string): Promise<ResegmentationRun | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { runId }, ConsistentRead: true }),
    );
    // A job (it has a kind) shares the table but is not a run.
    if (!out.Item || out.Item.kind !== undefined) return undefined;
    return runOf(out.Item);
  }
}

/** A run as stored, without its bookkeeping (the set of reported shards, the listing's keys). */
export function runOf(item: Record<string, unknown>): ResegmentationRun {
  const { reportedShards: _, active: __, createdAt: ___, ...run } = item;
  return run as unknown as ResegmentationRun;
}

export const isConditionFailure = (error: unknown) =>
  (error as Error).name === 'ConditionalCheckFailedException';
