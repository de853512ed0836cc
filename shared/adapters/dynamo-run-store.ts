import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ExportChunks, ExportRow } from '../domain/jobs/export.js';
import type { ActivePageKey, Job, JobEnd, JobProgress, JobStore } from '../domain/jobs/job.js';
import { runAsJob } from '../domain/jobs/resegmentation.js';
import type { ResegmentationRun, RunStore } from '../domain/ports.js';
import { runFinished } from '../domain/segmentation/runs.js';

/** The value of `active` while a job or run has not ended: one partition of the sparse index, a few items. */
const activeMarker = 'job';

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
    const found = new Set<string>();
    const unique = [...new Set(runIds)];
    for (let first = 0; first < unique.length; first += 100) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(first, first + 100)
        .map((runId) => ({ runId }));
      while (keys && keys.length > 0) {
        const out: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression: 'runId, #s',
                ExpressionAttributeNames: { '#s': 'status' },
              },
            },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? [])
          if (item.status === 'cancelled') found.add(item.runId as string);
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
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
function runOf(item: Record<string, unknown>): ResegmentationRun {
  const { reportedShards: _, active: __, createdAt: ___, ...run } = item;
  return run as unknown as ResegmentationRun;
}

/** Where a fanned-out job keeps one shard's part. */
const partKey = (jobId: string, segment: number) => `${jobId}#part#${segment}`;
/** Where an export keeps one chunk of one shard's rows. */
const chunkKey = (jobId: string, shard: number, chunk: number) => `${jobId}#rows#${shard}#${chunk}`;

const isConditionFailure = (error: unknown) => (error as Error).name === 'ConditionalCheckFailedException';

/**
 * Jobs in the runs table (one store of long work). Every change is one conditional update, so a
 * finished job never changes again, whoever writes last.
 */
export class DynamoJobStore implements JobStore, ExportChunks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putChunk(jobId: string, shard: number, chunk: number, rows: ExportRow[], expiresAt: number) {
    // Same key on a redelivered shard: rewritten with the same rows, never a second copy.
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { runId: chunkKey(jobId, shard, chunk), partOf: jobId, rows, expiresAt },
      }),
    );
  }

  async getChunk(jobId: string, shard: number, chunk: number): Promise<ExportRow[] | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { runId: chunkKey(jobId, shard, chunk) } }),
    );
    return out.Item?.rows as ExportRow[] | undefined;
  }

  async create(job: Job): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        // In the sparse activeJobs index until it ends (finish removes the attribute).
        Item: { ...job, active: activeMarker },
        ConditionExpression: 'attribute_not_exists(runId)',
      }),
    );
  }

  async active(page: {
    limit: number;
    after?: ActivePageKey;
  }): Promise<{ jobs: Job[]; next?: ActivePageKey }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'activeJobs',
        KeyConditionExpression: 'active = :job',
        ExpressionAttributeValues: { ':job': activeMarker },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(page.after ? { ExclusiveStartKey: { ...page.after } } : {}),
      }),
    );
    return {
      // Re-segmentation runs (no kind) are listed as the jobs they are.
      jobs: (out.Items ?? []).map((item) => {
        if (item.kind === undefined) return runAsJob(runOf(item));
        const { reportedShards: _, active: __, ...job } = item;
        return job as Job;
      }),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey as ActivePageKey } : {}),
    };
  }

  async get(jobId: string): Promise<Job | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { runId: jobId }, ConsistentRead: true }),
    );
    if (out.Item?.kind === undefined) return undefined;
    // The set of reported shards is bookkeeping; readers see its size in shardsReported.
    const { reportedShards: _, active: __, ...job } = out.Item;
    return job as Job;
  }

  claim(jobId: string, now: Date): Promise<Job | undefined> {
    return this.update(jobId, {
      UpdateExpression: 'SET #s = :running, heartbeatAt = :now, updatedAt = :now ADD attempts :one',
      ExpressionAttributeValues: { ':running': 'running', ':now': now.toISOString(), ':one': 1 },
    });
  }

  async progress(jobId: string, progress: JobProgress, now: Date): Promise<{ cancelRequested: boolean }> {
    const job = await this.update(jobId, {
      UpdateExpression: 'SET progress = :p, heartbeatAt = :now, updatedAt = :now',
      ExpressionAttributeValues: { ':p': progress, ':now': now.toISOString() },
    });
    // Finished meanwhile (read as abandoned, say): the attempt has nothing left to do.
    return { cancelRequested: job === undefined || job.cancelRequested === true };
  }

  async finish(jobId: string, end: JobEnd, now: Date): Promise<boolean> {
    const values: Record<string, unknown> = { ':s': end.status, ':now': now.toISOString() };
    let set = 'SET #s = :s, finishedAt = :now, updatedAt = :now';
    // Out of the activeJobs index once ended.
    const remove = ' REMOVE active';
    if (end.status === 'succeeded') {
      set += ', #result = :result';
      values[':result'] = end.result;
    } else if (end.status === 'failed') {
      set += ', #error = :error';
      values[':error'] = end.error;
    }
    const names = {
      ...(end.status === 'succeeded' ? { '#result': 'result' } : {}),
      ...(end.status === 'failed' ? { '#error': 'error' } : {}),
    };
    return (
      (await this.update(
        jobId,
        { UpdateExpression: set + remove, ExpressionAttributeValues: values },
        names,
      )) !== undefined
    );
  }

  async requestCancel(jobId: string, now: Date): Promise<boolean> {
    const job = await this.update(jobId, {
      UpdateExpression: 'SET cancelRequested = :yes, updatedAt = :now',
      ExpressionAttributeValues: { ':yes': true, ':now': now.toISOString() },
    });
    return job !== undefined;
  }

  async shardDone(
    job: Pick<Job, 'runId' | 'expiresAt'>,
    segment: number,
    part: unknown,
    now: Date,
  ): Promise<number | undefined> {
    const jobId = job.runId;
    // The part first, once: a redelivered shard finds it kept and only makes sure it is counted.
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { runId: partKey(jobId, segment), partOf: jobId, part, expiresAt: job.expiresAt },
          ConditionExpression: 'attribute_not_exists(runId)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const counted = await this.update(
      jobId,
      {
        UpdateExpression:
          'SET heartbeatAt = :now, updatedAt = :now ADD shardsReported :one, reportedShards :shard',
        ExpressionAttributeValues: {
          ':now': now.toISOString(),
          ':one': 1,
          ':shard': new Set([segment]),
          ':segment': segment,
        },
      },
      {},
      ' AND NOT contains(reportedShards, :segment)',
    );
    if (counted) return counted.shardsReported;
    // Counted before (a redelivery), or the job has finished: the stored count says which.
    const current = await this.get(jobId);
    return current && !['succeeded', 'failed', 'cancelled'].includes(current.status)
      ? current.shardsReported
      : undefined;
  }

  async part(jobId: string, segment: number): Promise<unknown | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { runId: partKey(jobId, segment) },
        ConsistentRead: true,
      }),
    );
    return out.Item?.part;
  }

  async parts(jobId: string, shards: number): Promise<unknown[]> {
    const parts = new Map<string, unknown>();
    for (let first = 0; first < shards; first += 100) {
      let keys: Record<string, unknown>[] | undefined = Array.from(
        { length: Math.min(100, shards - first) },
        (_, i) => ({ runId: partKey(jobId, first + i) }),
      );
      while (keys && keys.length > 0) {
        const out: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) parts.set(item.runId as string, item.part);
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return Array.from({ length: shards }, (_, segment) => parts.get(partKey(jobId, segment)));
  }

  /** An update of a job not finished yet; undefined when it is finished or unknown. */
  private async update(
    jobId: string,
    input: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> },
    names: Record<string, string> = {},
    condition = '',
  ): Promise<Job | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId: jobId },
          ...input,
          ConditionExpression: `attribute_exists(kind) AND NOT #s IN (:succeeded, :failed, :cancelled)${condition}`,
          ExpressionAttributeNames: { '#s': 'status', ...names },
          ExpressionAttributeValues: {
            ':succeeded': 'succeeded',
            ':failed': 'failed',
            ':cancelled': 'cancelled',
            ...input.ExpressionAttributeValues,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { reportedShards: _, active: __, ...job } = out.Attributes ?? {};
      return job as Job;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
