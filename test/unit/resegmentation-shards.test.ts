import { describe, expect, it } from 'vitest';
import { runAbandoned, runAsJob } from '../../shared/domain/jobs/resegmentation.js';
import type {
  AuditEvent,
  AuditLog,
  CurrentVersions,
  DecisionFreshness,
  ResegmentationRun,
  SegmentationJob,
  ShardJob,
} from '../../shared/domain/ports.js';
import { shardJobSchema } from '../../shared/domain/segmentation/run-schemas.js';
import {
  readAhead,
  runFinished,
  runShard,
  type ShardDeps,
  scanShards,
  scheduledScope,
  shardPlan,
  startPublicationRun,
  startResegmentation,
} from '../../shared/domain/segmentation/runs.js';

const now = new Date('2026-11-25T12:00:00.000Z');

/** An audit log that keeps what is appended. */
const recorder = (into: AuditEvent[]): AuditLog => ({
  append: async (events) => void into.push(...events),
});

/** A run store that records shard counts the way the DynamoDB adapter does: once per shard. */
function memoryRuns(run: ResegmentationRun) {
  const reported = new Set<number>();
  return {
    run,
    cancelled: async (runIds: readonly string[]) =>
      new Set(runIds.filter((id) => id === run.runId && run.status === 'cancelled')),
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

  it('starts a run by recording it, auditing who started it, and queuing its shards, without scanning', async () => {
    // Prepare
    const started: ResegmentationRun[] = [];
    const queued: ShardJob[] = [];
    const audited: AuditEvent[] = [];

    // Act
    const run = await startResegmentation(
      {
        runs: { start: async (r) => void started.push(r) },
        shards: { enqueue: async (j) => void queued.push(...j) },
        audit: recorder(audited),
      },
      {
        runId: 'run-2',
        cause: 'manual',
        shards: 8,
        now,
        startedBy: { principalId: 'admin-key', role: 'admin' },
        requestId: 'req-2',
      },
    );

    // Assess
    expect(started).toEqual([run]);
    expect(run).toMatchObject({ status: 'enqueuing', enqueued: 0, shards: 8, shardsReported: 0 });
    expect(run.filter).toEqual({ scope: 'all' });
    expect(queued).toHaveLength(8);
    expect(queued.some((j) => j.due)).toBe(false);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      action: 'job.started',
      actor: { type: 'principal', id: 'admin-key', role: 'admin' },
      requestId: 'req-2',
      details: { jobId: 'run-2', kind: 'resegmentation', input: { cause: 'manual', shards: 8 } },
    });
  });

  it('runs over due decisions on the schedule, with the versions in use read once for every shard', async () => {
    // Prepare
    const queued: ShardJob[] = [];
    const audited: AuditEvent[] = [];
    let reads = 0;
    const deps = {
      runs: { start: async () => {} },
      shards: { enqueue: async (j: readonly ShardJob[]) => void queued.push(...j) },
      audit: recorder(audited),
      currentVersions: async () => {
        reads++;
        return current;
      },
    };

    // Act
    const run = await startResegmentation(deps, { runId: 'run-4', cause: 'schedule', shards: 4, now });

    // Assess
    expect(run.filter).toEqual({ scope: 'due' });
    expect(audited[0]?.actor).toEqual({ type: 'system', id: 'resegmentScheduler' });
    expect(reads).toBe(1);
    expect(queued.map((j) => j.due)).toEqual([current, current, current, current]);
    for (const job of queued) expect(shardJobSchema.safeParse(job).success).toBe(true);
  });

  it('starts a publication run over due decisions, and reports a failed start instead of throwing', async () => {
    // Prepare
    const queued: ShardJob[] = [];
    const failures: unknown[] = [];
    const request = {
      modelId: 'aml',
      version: 3,
      shards: 2,
      now,
      startedBy: { principalId: 'admin-key', role: 'admin' },
      requestId: 'req-3',
    };
    const versions = async () => ({ ...current, model: 'aml@3' });

    // Act
    const run = await startPublicationRun(
      {
        runs: { start: async () => {} },
        shards: { enqueue: async (j) => void queued.push(...j) },
        audit: recorder([]),
        currentVersions: versions,
      },
      request,
      (e) => failures.push(e),
    );
    const none = await startPublicationRun(
      {
        runs: { start: async () => {} },
        shards: { enqueue: async () => {} },
        audit: recorder([]),
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
        {
          runs: { start: async (r) => void started.push(r) },
          shards: { enqueue: async () => {} },
          audit: recorder([]),
        },
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
    expect(first).toEqual({ enqueued: 3, upToDate: 0, counted: true, cancelled: false });
    expect(again).toEqual({ enqueued: 3, upToDate: 0, counted: false, cancelled: false });
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
    expect(out).toEqual({ enqueued: 2, upToDate: 1, counted: true, cancelled: false });
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

  it('stops queueing a cancelled run at its next page, and counts nothing for it', async () => {
    // Prepare: cancelled while the first page is being queued.
    const runs = memoryRuns(fresh());
    const sent: SegmentationJob[] = [];
    const deps = shardDeps(runs, sent);
    const queue = deps.queue;
    deps.queue = {
      enqueue: async (jobs) => {
        await queue.enqueue(jobs);
        runs.run.status = 'cancelled';
      },
    };

    // Act
    const out = await runShard(deps, { runId: 'run-3', cause: 'manual', segment: 0, of: 2 });
    const later = await runShard(deps, { runId: 'run-3', cause: 'manual', segment: 1, of: 2 });

    // Assess: the first page went out, the second never did; the other shard queued nothing.
    expect(sent.map((j) => j.pseudonym)).toEqual(['p0a', 'p0b']);
    expect(out).toEqual({ enqueued: 2, upToDate: 0, counted: false, cancelled: true });
    expect(later).toEqual({ enqueued: 0, upToDate: 0, counted: false, cancelled: true });
    expect(runs.run).toMatchObject({ enqueued: 0, shardsReported: 0 });
  });
});

describe('scan shards sized by the population', () => {
  it('keeps the minimum for small populations and adds one shard per 5,000 customers beyond it', () => {
    expect(scanShards(0, 32)).toBe(32);
    expect(scanShards(100_000, 32)).toBe(32);
    expect(scanShards(1_000_000, 32)).toBe(200);
    expect(scanShards(10_000_000, 32)).toBe(2_000);
    expect(scanShards(1_000_000_000, 32)).toBe(10_000);
    // An operator's minimum above the cap wins.
    expect(scanShards(10, 20_000)).toBe(20_000);
  });

  it('starts a run over as many shards as its population needs', async () => {
    const queued: ShardJob[] = [];
    const run = await startResegmentation(
      {
        runs: { start: async () => {} },
        shards: { enqueue: async (j) => void queued.push(...j) },
        audit: recorder([]),
        population: async () => 1_000_000,
      },
      { runId: 'run-6', cause: 'manual', shards: 32, now },
    );
    expect(run.shards).toBe(200);
    expect(queued).toHaveLength(200);
    expect(queued.every((j) => j.of === 200)).toBe(true);
  });
});

describe('a re-segmentation run as a job', () => {
  const run = (over: Partial<ResegmentationRun> = {}): ResegmentationRun => ({
    runId: 'run-9',
    cause: 'manual',
    filter: { scope: 'all' },
    status: 'enqueuing',
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    enqueued: 0,
    done: 0,
    failed: 0,
    expiresAt: 0,
    shards: 4,
    shardsReported: 0,
    ...over,
  });

  it('reads queued, then scanning, then segmenting, then succeeded with its counts', () => {
    expect(runAsJob(run())).toMatchObject({
      kind: 'resegmentation',
      status: 'queued',
      startedBy: { principalId: 'schedule' },
      input: { cause: 'manual', filter: { scope: 'all' }, shards: 4 },
    });
    expect(runAsJob(run({ shardsReported: 2, enqueued: 10 }))).toMatchObject({
      status: 'running',
      progress: { phase: 'scanning', done: 2, total: 4 },
    });
    const enqueued = { status: 'enqueued', shardsReported: 4, enqueued: 10 } as const;
    expect(runAsJob(run({ ...enqueued, done: 6 }))).toMatchObject({
      status: 'running',
      progress: { phase: 'segmenting', done: 6, total: 10 },
    });
    const done = runAsJob(run({ ...enqueued, done: 10, upToDate: 3, finishedAt: now.toISOString() }));
    expect(done).toMatchObject({
      status: 'succeeded',
      result: { enqueued: 10, done: 10, failed: 0, upToDate: 3 },
      finishedAt: now.toISOString(),
    });
    expect(done.error).toBeUndefined();
  });

  it('reads failed when customers ended in the dead-letter queue, cancelled or abandoned as recorded', () => {
    const enqueued = { status: 'enqueued', shardsReported: 4, enqueued: 10 } as const;
    expect(runAsJob(run({ ...enqueued, done: 8, failed: 2 }))).toMatchObject({
      status: 'failed',
      error: { code: 'CUSTOMERS_FAILED' },
      result: { failed: 2 },
    });
    expect(runAsJob(run({ status: 'cancelled' }))).toMatchObject({
      status: 'cancelled',
      cancelRequested: true,
    });
    const abandoned = runAsJob(run({ status: 'abandoned' }));
    expect(abandoned).toMatchObject({ status: 'failed', error: { code: 'JOB_ABANDONED' } });
    expect(abandoned.result).toBeUndefined();
  });

  it('is abandoned only when silent for longer than its work may take, and never once ended', () => {
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(runAbandoned(run(), later(3600), 3600)).toBe(false);
    expect(runAbandoned(run(), later(3601), 3600)).toBe(true);
    const finished = run({ status: 'enqueued', shardsReported: 4, enqueued: 1, done: 1 });
    expect(runAbandoned(finished, later(99_999), 3600)).toBe(false);
    expect(runAbandoned(run({ status: 'cancelled' }), later(99_999), 3600)).toBe(false);
  });
});
