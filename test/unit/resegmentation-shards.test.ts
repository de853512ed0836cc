import { describe, expect, it } from 'vitest';
import type { ResegmentationRun, SegmentationJob, ShardJob } from '../../shared/domain/ports.js';
import {
  runFinished,
  runShard,
  type ShardDeps,
  shardJobSchema,
  shardPlan,
  startResegmentation,
} from '../../shared/domain/segmentation/runs.js';

const now = new Date('2026-11-25T12:00:00.000Z');

/** A run store that records shard counts the way the DynamoDB adapter does: once per shard. */
function memoryRuns(run: ResegmentationRun) {
  const reported = new Set<number>();
  return {
    run,
    shardEnqueued: async (_runId: string, segment: number, count: number, at: string) => {
      if (reported.has(segment)) return false;
      reported.add(segment);
      run.enqueued += count;
      run.shardsReported = reported.size;
      if (reported.size >= (run.shards ?? 0)) Object.assign(run, { status: 'enqueued', enqueuedAt: at });
      return true;
    },
  };
}

async function* pages<T>(...all: T[][]): AsyncIterable<T[]> {
  for (const page of all) yield page;
}

function shardDeps(runs: ShardDeps['runs'], sent: SegmentationJob[]): ShardDeps {
  return {
    runs,
    queue: { enqueue: async (jobs) => void sent.push(...jobs) },
    customers: (segment) => pages([`p${segment}a`, `p${segment}b`], [`p${segment}c`]),
    assignments: (segment) =>
      pages([
        { pseudonym: `old${segment}`, assignedAt: '2026-10-01T00:00:00.000Z' },
        { pseudonym: `new${segment}`, assignedAt: '2026-11-24T00:00:00.000Z' },
      ]),
  };
}

describe('shard plan', () => {
  it('queues one message per parallel-scan segment, all with the same cutoff', () => {
    // Act
    const plan = shardPlan({ runId: 'run-1', cause: 'manual', filter: { olderThanDays: 30 } }, 4, now);

    // Assess
    expect(plan.map((j) => j.segment)).toEqual([0, 1, 2, 3]);
    expect(new Set(plan.map((j) => j.of))).toEqual(new Set([4]));
    expect(new Set(plan.map((j) => j.assignedBefore))).toEqual(new Set(['2026-10-26T12:00:00.000Z']));
    for (const job of plan) expect(shardJobSchema.safeParse(job).success).toBe(true);
  });

  it('carries no cutoff when the run is over everyone', () => {
    const plan = shardPlan({ runId: 'run-1', cause: 'schedule', filter: {} }, 2, now);
    expect(plan).toEqual([
      { runId: 'run-1', cause: 'schedule', segment: 0, of: 2 },
      { runId: 'run-1', cause: 'schedule', segment: 1, of: 2 },
    ]);
  });

  it.each([0, -1, 1.5, 1_000_001])('refuses %s shards', (shards) => {
    expect(() => shardPlan({ runId: 'run-1', cause: 'manual', filter: {} }, shards, now)).toThrow(RangeError);
  });

  it('refuses a shard message whose segment is out of range', () => {
    expect(shardJobSchema.safeParse({ runId: 'r', cause: 'manual', segment: 4, of: 4 }).success).toBe(false);
  });

  it('starts a run by recording it and queuing its shards, without scanning', async () => {
    // Prepare
    const started: ResegmentationRun[] = [];
    const queued: ShardJob[] = [];

    // Act
    const run = await startResegmentation(
      {
        runs: { start: async (r) => void started.push(r) },
        shards: { enqueue: async (j) => void queued.push(...j) },
      },
      { runId: 'run-2', cause: 'manual', shards: 8, now },
    );

    // Assess
    expect(started).toEqual([run]);
    expect(run).toMatchObject({ status: 'enqueuing', enqueued: 0, shards: 8, shardsReported: 0 });
    expect(queued).toHaveLength(8);
  });
});

describe('shard accounting', () => {
  const fresh = (): ResegmentationRun => ({
    runId: 'run-3',
    cause: 'manual',
    filter: {},
    status: 'enqueuing',
    startedAt: now.toISOString(),
    enqueued: 0,
    done: 0,
    failed: 0,
    expiresAt: 0,
    shards: 2,
    shardsReported: 0,
  });

  it('adds each shard count once, even when a shard message is delivered twice', async () => {
    // Prepare
    const runs = memoryRuns(fresh());
    const sent: SegmentationJob[] = [];
    const deps = shardDeps(runs, sent);

    // Act
    const first = await runShard(deps, { runId: 'run-3', cause: 'manual', segment: 0, of: 2 });
    const again = await runShard(deps, { runId: 'run-3', cause: 'manual', segment: 0, of: 2 });

    // Assess
    expect(first).toEqual({ enqueued: 3, counted: true });
    expect(again).toEqual({ enqueued: 3, counted: false });
    expect(runs.run).toMatchObject({ enqueued: 3, shardsReported: 1, status: 'enqueuing' });
    expect(sent[0]).toEqual({ pseudonym: 'p0a', cause: 'manual', requestId: 'run-3', runId: 'run-3' });
  });

  it('filters a shard on the cutoff fixed at the start of the run', async () => {
    // Prepare
    const runs = memoryRuns(fresh());
    const sent: SegmentationJob[] = [];

    // Act
    const out = await runShard(shardDeps(runs, sent), {
      runId: 'run-3',
      cause: 'manual',
      segment: 1,
      of: 2,
      assignedBefore: '2026-10-26T12:00:00.000Z',
    });

    // Assess
    expect(out.enqueued).toBe(1);
    expect(sent.map((j) => j.pseudonym)).toEqual(['old1']);
  });

  it('is not finished until every shard has reported, even when done has caught up', async () => {
    // Prepare
    const runs = memoryRuns(fresh());
    const deps = shardDeps(runs, []);
    await runShard(deps, { runId: 'run-3', cause: 'manual', segment: 0, of: 2 });
    runs.run.done = 3;

    // Assess
    expect(runFinished(runs.run)).toBe(false);
    await runShard(deps, { runId: 'run-3', cause: 'manual', segment: 1, of: 2 });
    expect(runs.run).toMatchObject({ enqueued: 6, shardsReported: 2, status: 'enqueued' });
    expect(runFinished(runs.run)).toBe(false);
    runs.run.done = 5;
    runs.run.failed = 1;
    expect(runFinished(runs.run)).toBe(true);
  });

  it('still finishes runs recorded before sharding once they are marked enqueued', () => {
    const { shards: _, shardsReported: __, ...legacy } = fresh();
    expect(runFinished({ ...legacy, status: 'enqueued', enqueued: 2, done: 2 })).toBe(true);
  });
});
