import { afterAll, describe, expect, it } from 'vitest';
import { DynamoRunStore } from '../../shared/adapters/dynamo-run-store.js';
import { runFinished, startResegmentation } from '../../shared/domain/segmentation/runs.js';
import { env, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

describe('re-segmentation shard accounting (DynamoDB Local)', () => {
  it('adds each shard count once and marks the run enqueued when the last shard reports', async () => {
    // Prepare
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    const id = `run-shards-${runId()}`;
    // No shard queue here: the counting is under test, not the fan-out.
    await startResegmentation(
      { runs, shards: { enqueue: async () => undefined } },
      { runId: id, cause: 'manual', shards: 2, now: new Date() },
    );

    // Act
    const first = await runs.shardEnqueued(id, 0, 5, new Date().toISOString());
    const redelivered = await runs.shardEnqueued(id, 0, 5, new Date().toISOString());
    const halfway = await runs.get(id);
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
  });

  it('adds nothing to a run that does not exist', async () => {
    const runs = new DynamoRunStore(doc, env().TABLE_RUNS as string);
    expect(await runs.shardEnqueued(`run-missing-${runId()}`, 0, 4, new Date().toISOString())).toBe(false);
  });
});
