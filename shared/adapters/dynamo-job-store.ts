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
import { activeMarker, isConditionFailure, runOf } from './dynamo-run-store.js';

/** Where a fanned-out job keeps one shard's part. */
const partKey = (jobId: string, segment: number) => `${jobId}#part#${segment}`;
/** Where an export keeps one chunk of one shard's rows. */
const chunkKey = (jobId: string, shard: number, chunk: number) => `${jobId}#rows#${shard}#${chunk}`;

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
