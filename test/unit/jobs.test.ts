import { describe, expect, it } from 'vitest';
import {
  cancelJob,
  type Job,
  type JobEnd,
  type JobProgress,
  type JobStore,
  readJob,
  runJob,
  runJobShard,
  submitJob,
} from '../../shared/domain/jobs/job.js';
import type { AuditEvent } from '../../shared/domain/ports.js';
import { ValidationError } from '../../shared/errors.js';

/** The job store's rules in memory (DynamoDB's conditional updates are exercised end to end). */
function memoryJobs(): JobStore & { items: Map<string, Job> } {
  const items = new Map<string, Job>();
  const parts = new Map<string, unknown>();
  const open = (id: string) => {
    const job = items.get(id);
    return job && !['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
  };
  return {
    items,
    create: async (job) => void items.set(job.runId, structuredClone(job)),
    get: async (id) => structuredClone(items.get(id)),
    claim: async (id, now) => {
      const job = open(id);
      if (!job) return undefined;
      Object.assign(job, { status: 'running', attempts: job.attempts + 1, heartbeatAt: now.toISOString() });
      return structuredClone(job);
    },
    progress: async (id, progress: JobProgress, now) => {
      const job = open(id);
      if (!job) return { cancelRequested: true };
      Object.assign(job, { progress, heartbeatAt: now.toISOString() });
      return { cancelRequested: job.cancelRequested === true };
    },
    finish: async (id, end: JobEnd, now) => {
      const job = open(id);
      if (!job) return false;
      Object.assign(job, end, { finishedAt: now.toISOString() });
      return true;
    },
    requestCancel: async (id) => {
      const job = open(id);
      if (!job) return false;
      job.cancelRequested = true;
      return true;
    },
    shardDone: async ({ runId: id }, segment, part) => {
      const job = open(id);
      if (!job) return undefined;
      if (!parts.has(`${id}#${segment}`)) {
        parts.set(`${id}#${segment}`, part);
        job.shardsReported = (job.shardsReported ?? 0) + 1;
      }
      return job.shardsReported;
    },
    parts: async (id, shards) => Array.from({ length: shards }, (_, i) => parts.get(`${id}#${i}`)),
    part: async (id, segment) => parts.get(`${id}#${segment}`),
    active: async () => ({ jobs: [...items.values()].filter((j) => open(j.runId)) }),
  };
}

const actor = {
  principalId: 'admin-1',
  role: 'admin',
  requestId: 'req-1',
  now: new Date('2026-12-07T10:00:00Z'),
};
const limits = () => ({ maxAttempts: 3, attemptSeconds: 900 });

async function submitted(queueFails = false) {
  const jobs = memoryJobs();
  const audit: AuditEvent[] = [];
  const queued: string[] = [];
  const deps = {
    jobs,
    audit: { append: async (events: readonly AuditEvent[]) => void audit.push(...events) },
    queue: {
      enqueue: async (messages: readonly { jobId: string }[]) => {
        if (queueFails) throw new Error('SQS down');
        queued.push(...messages.map((m) => m.jobId));
      },
    },
  };
  const submit = () => submitJob(deps, { jobId: 'job-1', kind: 'training', input: { seed: 1 } }, actor);
  return { jobs, audit, queued, deps, submit };
}

describe('jobs', () => {
  it('records, audits and queues a job; a run reports progress and ends with its result', async () => {
    // Prepare
    const { jobs, audit, queued, submit } = await submitted();

    // Act
    const job = await submit();
    const status = await runJob(
      { jobs, now: () => new Date('2026-12-07T10:01:00Z') },
      job.runId,
      async ({ report }) => {
        await report({ phase: 'reading', done: 5, total: 10 });
        return { version: 3 };
      },
      { last: false },
    );

    // Assess
    expect(queued).toEqual(['job-1']);
    expect(audit.map((e) => [e.action, e.details])).toEqual([
      ['job.started', { jobId: 'job-1', kind: 'training', input: { seed: 1 } }],
    ]);
    expect(status).toBe('succeeded');
    expect(jobs.items.get('job-1')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { version: 3 },
      progress: { phase: 'reading', done: 5, total: 10 },
    });
    // A redelivery after the end changes nothing.
    expect(await runJob({ jobs, now: () => new Date() }, 'job-1', async () => ({}), { last: true })).toBe(
      undefined,
    );
  });

  it('ends a job failed when it cannot be queued, rather than leave it waiting', async () => {
    const { jobs, submit } = await submitted(true);
    await expect(submit()).rejects.toThrow('SQS down');
    expect(jobs.items.get('job-1')).toMatchObject({ status: 'failed', error: { code: 'NOT_QUEUED' } });
  });

  it('retries a transient failure, fails on the last attempt, and fails at once on bad data', async () => {
    // Prepare
    const { jobs, submit } = await submitted();
    await submit();
    const now = () => new Date();
    const boom = async () => {
      throw new Error('DynamoDB unavailable');
    };

    // Act + Assess: a transient error is thrown (the queue brings the job back), then ends it on the last attempt.
    await expect(runJob({ jobs, now }, 'job-1', boom, { last: false })).rejects.toThrow(
      'DynamoDB unavailable',
    );
    expect(jobs.items.get('job-1')?.status).toBe('running');
    expect(await runJob({ jobs, now }, 'job-1', boom, { last: true })).toBe('failed');
    expect(jobs.items.get('job-1')).toMatchObject({ attempts: 2, error: { code: 'JOB_FAILED' } });

    // Bad data (an AppError below 500) ends a job on its first attempt, with its code.
    const second = await submitted();
    await second.submit();
    const bad = async () => {
      throw new ValidationError('nope');
    };
    expect(await runJob({ jobs: second.jobs, now }, 'job-1', bad, { last: false })).toBe('failed');
    expect(second.jobs.items.get('job-1')?.error?.code).toBe('VALIDATION_FAILED');
  });

  it('stops a running job at its next report once a cancel is asked for; an ended job cannot be cancelled', async () => {
    // Prepare
    const { jobs, deps, submit } = await submitted();
    await submit();

    // Act
    const status = await runJob(
      { jobs, now: () => new Date() },
      'job-1',
      async ({ report }) => {
        await cancelJob(deps, 'job-1', { ...actor, requestId: 'req-2' });
        await report({ phase: 'training', done: 1 });
        throw new Error('never reached');
      },
      { last: false },
    );

    // Assess
    expect(status).toBe('cancelled');
    await expect(cancelJob(deps, 'job-1', actor)).rejects.toMatchObject({
      status: 409,
      code: 'JOB_FINISHED',
    });
  });

  it('reads a job whose worker died on its last attempt as failed, and records it once', async () => {
    // Prepare: three attempts started, the last heartbeat 20 minutes ago (longer than an attempt may run).
    const { jobs, audit, deps, submit } = await submitted();
    await submit();
    for (let i = 0; i < 3; i++) await jobs.claim('job-1', new Date('2026-12-07T10:00:00Z'));
    const later = new Date('2026-12-07T10:20:00Z');

    // Act
    const seen = await readJob(deps, 'job-1', limits, later, 'req-3');
    const again = await readJob(deps, 'job-1', limits, later, 'req-4');

    // Assess
    expect(seen).toMatchObject({ status: 'failed', error: { code: 'JOB_ABANDONED' } });
    expect(again.status).toBe('failed');
    expect(audit.filter((e) => e.action === 'job.abandoned')).toHaveLength(1);
    // With attempts left, a silent job is not dead: the queue brings it back.
    const fresh = await submitted();
    await fresh.submit();
    await fresh.jobs.claim('job-1', new Date('2026-12-07T10:00:00Z'));
    expect((await readJob(fresh.deps, 'job-1', limits, later, 'r')).status).toBe('running');
  });

  it('fans a job out: each shard counted once, the last one merges the parts, a failed shard ends the job', async () => {
    // Prepare: a job of three shards.
    const { jobs, deps, queued } = await submitted();
    await submitJob(deps, { jobId: 'job-2', kind: 'simulation', input: {}, shards: 3 }, actor);
    const now = () => new Date();
    const shard = (segment: number) => ({ jobId: 'job-2', segment, of: 3 });
    const sum = (_job: Job, parts: number[]) => ({ total: parts.reduce((a, b) => a + b, 0) });

    // Act: shards 0 and 2, shard 0 again (a redelivery, whose work is not done twice), then shard 1.
    const statuses = [];
    const worked: number[] = [];
    for (const segment of [0, 2, 0, 1])
      statuses.push(
        await runJobShard(
          { jobs, now },
          shard(segment),
          async () => {
            worked.push(segment);
            return 10 + segment;
          },
          sum,
          { last: false },
        ),
      );

    // Assess
    expect(queued.filter((id) => id === 'job-2')).toHaveLength(3);
    expect(statuses).toEqual(['running', 'running', 'running', 'succeeded']);
    expect(worked).toEqual([0, 2, 1]);
    expect(jobs.items.get('job-2')).toMatchObject({
      status: 'succeeded',
      shardsReported: 3,
      result: { total: 33 },
    });

    // A shard failing on its last attempt ends the whole job; the other shards then do nothing.
    await submitJob(deps, { jobId: 'job-3', kind: 'simulation', input: {}, shards: 2 }, actor);
    const boom = async () => {
      throw new Error('scan failed');
    };
    const three = (segment: number) => ({ jobId: 'job-3', segment, of: 2 });
    await expect(runJobShard({ jobs, now }, three(0), boom, sum, { last: false })).rejects.toThrow(
      'scan failed',
    );
    expect(await runJobShard({ jobs, now }, three(0), boom, sum, { last: true })).toBe('failed');
    expect(await runJobShard({ jobs, now }, three(1), async () => 1, sum, { last: false })).toBe(undefined);
    expect(jobs.items.get('job-3')).toMatchObject({ status: 'failed', error: { code: 'JOB_FAILED' } });
  });
});
