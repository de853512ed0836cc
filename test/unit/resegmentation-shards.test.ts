import { describe, expect, it } from 'vitest';
import type {
  CurrentVersions,
  DecisionFreshness,
  ResegmentationRun,
  SegmentationJob,
  ShardJob,
} from '../../shared/domain/ports.js';
import {
  readAhead,
  runFinished,
  runShard,
  type ShardDeps,
  scheduledScope,
  shardJobSchema,
  shardPlan,
  startPublicationRun,
  startResegmentation,
} from '../../shared/domain/segmentation/runs.js';

const now = new Date('2026-11-25T12:00:00.000Z');

/** A run store that records shard counts the way the DynamoDB adapter does: once per shard. */
function memoryRuns(run: ResegmentationRun) {
  const reported = new Set<number>();
  return {
    run,
    shardEnqueued: async (_runId: string, segment: number, count: number, at: string, upToDate = 0) => {
      if (reported.has(segment)) return false;
      reported.add(segment);
      run.enqueued += count;
      run.upToDate = (run.upToDate ?? 0) + upToDate;
      run.shardsReported = reported.size;
      if (reported.size >= (run.shards ?? 0)) Object.assign(run, { status: 'enqueued', enqueuedAt: at });
      return true;
    },
  };
}

async function* pages<T>(...all: T[][]): AsyncIterable<T[]> {
  for (const page of all) yield page;
}

const decidedBy: DecisionFreshness = { modelId: 'aml', modelVersion: 2, recheckAt: null };
const current: CurrentVersions = { model: 'aml@2', scoringModel: null, asOf: now.toISOString() };

/** Per shard: `a` is up to date, `b`'s inputs changed with time, `c` has no decision yet. */
function shardDeps(runs: ShardDeps['runs'], sent: SegmentationJob[]): ShardDeps {
  return {
    runs,
    queue: { enqueue: async (jobs) => void sent.push(...jobs) },
    customers: (segment) => pages([`p${segment}a`, `p${segment}b`], [`p${segment}c`]),
    assignments: (segment) =>
      pages([
        { pseudonym: `old${segment}`, assignedAt: '2026-10-01T00:00:00.000Z', ...decidedBy },
        { pseudonym: `new${segment}`, assignedAt: '2026-11-24T00:00:00.000Z', ...decidedBy },
      ]),
    decisions: async (pseudonyms) =>
      new Map(
        pseudonyms.flatMap((p): [string, DecisionFreshness][] => {
          if (p.endsWith('a')) return [[p, decidedBy]];
          if (p.endsWith('b')) return [[p, { ...decidedBy, recheckAt: '2026-11-25T00:00:00.000Z' }]];
          return [];
        }),
      ),
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
    expect(run.filter).toEqual({ scope: 'all' });
    expect(queued).toHaveLength(8);
    expect(queued.some((j) => j.due)).toBe(false);
  });

  it('runs over due decisions on the schedule, with the versions in use read once for every shard', async () => {
    // Prepare
    const queued: ShardJob[] = [];
    let reads = 0;
    const deps = {
      runs: { start: async () => {} },
      shards: { enqueue: async (j: readonly ShardJob[]) => void queued.push(...j) },
      currentVersions: async () => {
        reads++;
        return current;
      },
    };

    // Act
    const run = await startResegmentation(deps, { runId: 'run-4', cause: 'schedule', shards: 4, now });

    // Assess
    expect(run.filter).toEqual({ scope: 'due' });
    expect(reads).toBe(1);
    expect(queued.map((j) => j.due)).toEqual([current, current, current, current]);
    for (const job of queued) expect(shardJobSchema.safeParse(job).success).toBe(true);
  });

  it('starts a publication run over due decisions, and reports a failed start instead of throwing', async () => {
    // Prepare
    const queued: ShardJob[] = [];
    const failures: unknown[] = [];
    const request = { modelId: 'aml', version: 3, shards: 2, now };
    const versions = async () => ({ ...current, model: 'aml@3' });

    // Act
    const run = await startPublicationRun(
      {
        runs: { start: async () => {} },
        shards: { enqueue: async (j) => void queued.push(...j) },
        currentVersions: versions,
      },
      request,
      (e) => failures.push(e),
    );
    const none = await startPublicationRun(
      {
        runs: { start: async () => {} },
        shards: { enqueue: async () => {} },
        currentVersions: async () => {
          throw new Error('DynamoDB unavailable');
        },
      },
      request,
      (e) => failures.push(e),
    );

    // Assess
    expect(run).toMatchObject({ runId: 'run-publish-aml-3', cause: 'model', filter: { scope: 'due' } });
    expect(queued.map((j) => j.due?.model)).toEqual(['aml@3', 'aml@3']);
    expect(none).toBeUndefined();
    expect(failures).toEqual([new Error('DynamoDB unavailable')]);
  });

  it('makes one scheduled run in N over everyone, counted in days since the epoch', () => {
    const day = (n: number) => new Date(n * 86_400_000 + 3_600_000);
    expect([0, 1, 6, 7, 14].map((n) => scheduledScope(day(n), 7))).toEqual([
      'all',
      'due',
      'due',
      'all',
      'all',
    ]);
    expect([3, 4].map((n) => scheduledScope(day(n), 1))).toEqual(['all', 'all']);
  });

  it('refuses to start a run over due decisions without the versions in use, recording nothing', async () => {
    const started: ResegmentationRun[] = [];
    await expect(
      startResegmentation(
        { runs: { start: async (r) => void started.push(r) }, shards: { enqueue: async () => {} } },
        { runId: 'run-5', cause: 'manual', filter: { scope: 'due' }, shards: 1, now },
      ),
    ).rejects.toThrow(/versions in use/);
    expect(started).toEqual([]);
  });
});

describe('readAhead', () => {
  it('hands out every page in order, reading the next one while the current is in use', async () => {
    // Prepare
    const requested: number[] = [];
    async function* source() {
      for (const n of [1, 2, 3]) {
        requested.push(n);
        yield n;
      }
    }
    const seen: [number, number[]][] = [];

    // Act
    for await (const n of readAhead(source())) seen.push([n, [...requested]]);

    // Assess: while page 1 was in use, page 2 had been requested already.
    expect(seen).toEqual([
      [1, [1, 2]],
      [2, [1, 2, 3]],
      [3, [1, 2, 3]],
    ]);
  });

  it('passes a failed read on to the consumer, and closes the source when the consumer stops', async () => {
    // Prepare
    let closed = false;
    async function* failing() {
      yield 1;
      throw new Error('scan failed');
    }
    async function* endless() {
      try {
        for (let n = 0; ; n++) yield n;
      } finally {
        closed = true;
      }
    }
    const drain = async () => {
      for await (const _ of readAhead(failing())) {
        // consume
      }
    };

    // Act and Assess
    await expect(drain()).rejects.toThrow('scan failed');
    for await (const n of readAhead(endless())) if (n === 2) break;
    expect(closed).toBe(true);
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
    expect(first).toEqual({ enqueued: 3, upToDate: 0, counted: true });
    expect(again).toEqual({ enqueued: 3, upToDate: 0, counted: false });
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

  it('queues only due customers on a run over due decisions, and counts the others as up to date', async () => {
    // Prepare
    const runs = memoryRuns(fresh());
    const sent: SegmentationJob[] = [];

    // Act
    const out = await runShard(shardDeps(runs, sent), {
      runId: 'run-3',
      cause: 'schedule',
      segment: 0,
      of: 2,
      due: current,
    });

    // Assess
    expect(out).toEqual({ enqueued: 2, upToDate: 1, counted: true });
    expect(sent.map((j) => j.pseudonym)).toEqual(['p0b', 'p0c']);
    expect(runs.run).toMatchObject({ enqueued: 2, upToDate: 1 });
  });

  it('combines the cutoff with due decisions: old and up to date is skipped', async () => {
    // Prepare: both scanned decisions are up to date; only the cutoff would select old1.
    const runs = memoryRuns(fresh());
    const sent: SegmentationJob[] = [];
    const job = { runId: 'run-3', cause: 'manual' as const, segment: 1, of: 2 };

    // Act
    const out = await runShard(shardDeps(runs, sent), {
      ...job,
      assignedBefore: '2026-10-26T12:00:00.000Z',
      due: { ...current, model: 'aml@3' },
    });
    const skipped = await runShard(shardDeps(memoryRuns(fresh()), []), {
      ...job,
      assignedBefore: '2026-10-26T12:00:00.000Z',
      due: current,
    });

    // Assess: under a new model version the old decision is due; under the same one it is not.
    expect(sent.map((j) => j.pseudonym)).toEqual(['old1']);
    expect(out).toMatchObject({ enqueued: 1, upToDate: 0 });
    expect(skipped).toMatchObject({ enqueued: 0, upToDate: 1 });
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
