import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoJobStore } from '../../shared/adapters/dynamo-job-store.js';
import { DynamoRunStore } from '../../shared/adapters/dynamo-run-store.js';
import type { Job } from '../../shared/domain/jobs/job.js';
import { readRunJob, runAsJob } from '../../shared/domain/jobs/resegmentation.js';
import type { AuditEvent } from '../../shared/domain/ports.js';
import { runFinished, startResegmentation } from '../../shared/domain/segmentation/runs.js';
import { env, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

const audited: AuditEvent[] = [];
const startDeps = (runs: DynamoRunStore) => ({
  runs,
  // No shard queue here: the counting is under test, not the fan-out.
  shards: { enqueue: async () => undefined },
  audit: { append: async (events: readonly AuditEvent[]) => void audited.push(...events) },
});

/** The active jobs listing, every page: a run is in it until it ends. */
async function listed(): Promise<Job[]> {
  const jobs = new DynamoJobStore(doc, env().TABLE_RUNS as string);
  const all: Job[] = [];
  let after: Parameters<DynamoJobStore['active']>[0]['after'];
  do {
    const page = await jobs.active({ limit: 100, ...(after ? { after } : {}) });
    all.push(...page.jobs);
    after = page.next;
  } while (after);
  return all;
}

describe('re-segmentation shard accounting (DynamoDB Local)', () => {
  it('adds each shard count once and marks the run enqueued when the last shard reports', async () => {
    // Prepare
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    const id = `run-shards-${runId()}`;
    await startResegmentation(startDeps(runs), { runId: id, cause: 'manual', shards: 2, now: new Date() });

    // Act
    const first = await runs.shardEnqueued(id, 0, 5, new Date().toISOString());
    const redelivered = await runs.shardEnqueued(id, 0, 5, new Date().toISOString());
    const halfway = await runs.get(id);
    const whileRunning = (await listed()).find((j) => j.runId === id);
    const last = await runs.shardEnqueued(id, 1, 3, new Date().toISOString());
    await runs.progress(new Map([[id, { done: 7, failed: 1 }]]));
    const end = await runs.get(id);

    // Assess
    expect([first, redelivered, last]).toEqual([true, false, true]);
    expect(halfway).toMatchObject({ enqueued: 5, shardsReported: 1, status: 'enqueuing' });
    expect(end).toMatchObject({ enqueued: 8, shards: 2, shardsReported: 2, status: 'enqueued' });
    expect(end).not.toHaveProperty('reportedShards');
    expect(end?.enqueuedAt).toEqual(expect.any(String));
    expect(runFinished(end as NonNullable<typeof end>)).toBe(true);
    // A job while it runs, listed; out of the listing once its last customer is counted.
    expect(whileRunning).toMatchObject({
      kind: 'resegmentation',
      status: 'running',
      progress: { phase: 'scanning', done: 1, total: 2 },
    });
    expect((await listed()).some((j) => j.runId === id)).toBe(false);
    expect(end?.finishedAt).toEqual(expect.any(String));
    expect(runAsJob(end as NonNullable<typeof end>)).toMatchObject({
      status: 'failed',
      error: { code: 'CUSTOMERS_FAILED' },
      result: { enqueued: 8, done: 7, failed: 1 },
    });
    expect(audited.find((e) => e.details.jobId === id)).toMatchObject({ action: 'job.started' });
  });

  it('ends a run with nothing to queue as soon as its last shard reports', async () => {
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    const id = `run-empty-${runId()}`;
    await startResegmentation(startDeps(runs), { runId: id, cause: 'manual', shards: 1, now: new Date() });

    await runs.shardEnqueued(id, 0, 0, new Date().toISOString());

    const run = await runs.get(id);
    expect(runAsJob(run as NonNullable<typeof run>)).toMatchObject({
      status: 'succeeded',
      result: { enqueued: 0 },
    });
    expect((await listed()).some((j) => j.runId === id)).toBe(false);
  });

  it('cancels a run once: its shards count no more, workers see it cancelled, and it leaves the listing', async () => {
    // Prepare
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    const id = `run-cancel-${runId()}`;
    const other = `run-other-${runId()}`;
    await startResegmentation(startDeps(runs), { runId: id, cause: 'manual', shards: 2, now: new Date() });
    await startResegmentation(startDeps(runs), { runId: other, cause: 'manual', shards: 2, now: new Date() });
    await runs.shardEnqueued(id, 0, 5, new Date().toISOString());

    // Act
    const cancelled = await runs.end(id, 'cancelled', new Date());
    const again = await runs.end(id, 'abandoned', new Date());
    const lateShard = await runs.shardEnqueued(id, 1, 3, new Date().toISOString());
    const seen = await runs.cancelled([id, other, id, `run-missing-${runId()}`]);

    // Assess
    expect([cancelled, again, lateShard]).toEqual([true, false, false]);
    expect([...seen]).toEqual([id]);
    const run = await runs.get(id);
    expect(run).toMatchObject({ status: 'cancelled', enqueued: 5, shardsReported: 1 });
    expect(runAsJob(run as NonNullable<typeof run>)).toMatchObject({
      status: 'cancelled',
      cancelRequested: true,
    });
    const listing = await listed();
    expect(listing.some((j) => j.runId === id)).toBe(false);
    expect(listing.some((j) => j.runId === other)).toBe(true);
  });

  it('repairs a run whose last step was lost: a redelivered last shard marks it enqueued, a read takes it out of the listing', async () => {
    // Prepare: a run of one shard, counted, whose status update and listing removal were lost.
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    const id = `run-lost-${runId()}`;
    await startResegmentation(startDeps(runs), { runId: id, cause: 'manual', shards: 1, now: new Date() });
    await runs.shardEnqueued(id, 0, 2, new Date().toISOString());
    const lose = (update: string) =>
      doc.send(
        new UpdateCommand({
          TableName: env().TABLE_RUNS,
          Key: { runId: id },
          UpdateExpression: update,
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'enqueuing', ':job': 'job' },
        }),
      );
    await lose('SET #s = :s, active = :job REMOVE enqueuedAt, finishedAt');

    // Act: the shard comes back; later its customers are done, but the listing step is lost too.
    const redelivered = await runs.shardEnqueued(id, 0, 2, new Date().toISOString());
    const enqueued = await runs.get(id);
    await runs.progress(new Map([[id, { done: 2, failed: 0 }]]));
    await doc.send(
      new UpdateCommand({
        TableName: env().TABLE_RUNS,
        Key: { runId: id },
        UpdateExpression: 'SET active = :job REMOVE finishedAt',
        ExpressionAttributeValues: { ':job': 'job' },
      }),
    );
    const listedBefore = (await listed()).some((j) => j.runId === id);
    const read = await readRunJob(
      { runs, audit: { append: async () => undefined } },
      id,
      3600,
      new Date(),
      'req-read',
    );

    // Assess
    expect(redelivered).toBe(false);
    expect(enqueued).toMatchObject({ status: 'enqueued', enqueued: 2 });
    expect(listedBefore).toBe(true);
    expect(read).toMatchObject({ status: 'succeeded', finishedAt: expect.any(String) });
    expect((await listed()).some((j) => j.runId === id)).toBe(false);
  });

  it('adds nothing to a run that does not exist', async () => {
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    expect(await runs.shardEnqueued(`run-missing-${runId()}`, 0, 4, new Date().toISOString())).toBe(false);
  });
});
