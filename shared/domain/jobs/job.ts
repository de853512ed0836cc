/**
 * Long work as a job, never inside a request: `POST` records a job and queues its id (202), a
 * function of the job's kind, fed by its own queue, runs it with the time it needs and reports
 * progress, and `GET /v1/jobs/{jobId}` reads where it is and, once done, its result. Jobs live in the
 * runs table beside re-segmentation runs (one store of long work), hold no personal data (inputs are
 * options, results are figures), and never stay "running" after their worker died: a redelivery
 * resumes them, the last attempt marks them failed, and a read of one whose attempts are spent and
 * whose heartbeat stopped marks it failed too.
 */

import { AppError, ConflictError } from '../../errors.js';
import { type ActorRef, actorRef, auditActor, type RequestActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import type { AuditLog } from '../ports.js';

/**
 * `resegmentation`: a bulk re-score, kept as a run (./resegmentation.ts) and shown as a job;
 * `export`: the segment register, read page by page once ended (./export.ts); `verification`: the
 * audit trail of days too large for a request.
 */
export type JobKind = 'training' | 'simulation' | 'clusters' | 'resegmentation' | 'export' | 'verification';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const finished: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export interface JobProgress {
  /** What the job is doing now, e.g. `reading outcomes`. */
  phase: string;
  done: number;
  /** Absent while unknown (a scan whose size is not known ahead). */
  total?: number;
}

export interface Job {
  /** The runs table's key; `job-` then a UUID. */
  runId: string;
  kind: JobKind;
  status: JobStatus;
  /** The validated request: options only, never personal data. */
  input: Record<string, unknown>;
  startedBy: ActorRef;
  /** The request that started it (audit records of the job's effects name it too). */
  requestId: string;
  createdAt: string;
  updatedAt: string;
  progress: JobProgress;
  /** Attempts started (SQS deliveries that claimed it). */
  attempts: number;
  /** Last sign of life of a running attempt. */
  heartbeatAt?: string;
  cancelRequested?: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
  finishedAt?: string;
  /** Fanned-out jobs: the scan shards it is split into, and how many have reported their part. */
  shards?: number;
  shardsReported?: number;
  /** DynamoDB TTL (epoch seconds). */
  expiresAt: number;
}

export interface JobStore {
  create(job: Job): Promise<void>;
  get(jobId: string): Promise<Job | undefined>;
  /**
   * Starts an attempt: a job not finished becomes `running`, `attempts` + 1. Undefined when it is
   * finished already (a redelivery after it ended) or unknown.
   */
  claim(jobId: string, now: Date): Promise<Job | undefined>;
  /** Records progress and a heartbeat; answers whether a cancel was asked for. */
  progress(jobId: string, progress: JobProgress, now: Date): Promise<{ cancelRequested: boolean }>;
  /** Ends the job, only if it is not finished yet (false otherwise). */
  finish(jobId: string, end: JobEnd, now: Date): Promise<boolean>;
  /** Asks a queued or running job to stop; false if it had finished. */
  requestCancel(jobId: string, now: Date): Promise<boolean>;
  /**
   * Fanned-out jobs: keeps one shard's part (once: a redelivered shard changes nothing) and counts
   * it; answers how many shards have reported, or undefined when the job has finished.
   */
  shardDone(
    job: Pick<Job, 'runId' | 'expiresAt'>,
    segment: number,
    part: unknown,
    now: Date,
  ): Promise<number | undefined>;
  /** The parts the shards of a job kept, in shard order. */
  parts(jobId: string, shards: number): Promise<unknown[]>;
  /** The part one shard kept, if it has. */
  part(jobId: string, segment: number): Promise<unknown | undefined>;
  /** Jobs not ended yet, newest first, a page at a time (`after`: the previous page's `next`). */
  active(page: { limit: number; after?: ActivePageKey }): Promise<{ jobs: Job[]; next?: ActivePageKey }>;
}

/** Where a page of active jobs ends (the activeJobs index's key). */
export interface ActivePageKey {
  runId: string;
  active: string;
  createdAt: string;
}

export type JobEnd =
  | { status: 'succeeded'; result: Record<string, unknown> }
  | { status: 'failed'; error: { code: string; message: string } }
  | { status: 'cancelled' };

/** A job's messages: its id, and for a fanned-out job the scan shard each one covers. */
export interface JobMessage {
  jobId: string;
  segment?: number;
  of?: number;
}

export interface JobQueue {
  enqueue(messages: readonly JobMessage[]): Promise<void>;
}

/** Kept 400 days like runs: who trained what, with which options, is part of the model's history. */
const retentionSeconds = 400 * 86_400;

/**
 * Records a job, audits who started what with which options, and queues it. The caller answers 202
 * with what this returns.
 */
export async function submitJob(
  deps: { jobs: Pick<JobStore, 'create' | 'finish'>; queue: JobQueue; audit: AuditLog },
  /** `shards`: a fanned-out job, one message per scan shard. */
  request: { jobId: string; kind: JobKind; input: Record<string, unknown>; shards?: number },
  actor: RequestActor,
): Promise<Job> {
  const { now } = actor;
  const job: Job = {
    runId: request.jobId,
    kind: request.kind,
    status: 'queued',
    input: request.input,
    startedBy: actorRef(actor),
    requestId: actor.requestId,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    progress: { phase: 'queued', done: 0 },
    attempts: 0,
    ...(request.shards === undefined ? {} : { shards: request.shards, shardsReported: 0 }),
    expiresAt: Math.floor(now.getTime() / 1000) + retentionSeconds,
  };
  await deps.jobs.create(job);
  await deps.audit.append([
    auditEvent({
      eventId: `job.started#${job.runId}`,
      subject: null,
      actor: auditActor(actor),
      action: 'job.started',
      reasonCodes: [],
      requestId: actor.requestId,
      at: now,
      details: { jobId: job.runId, kind: job.kind, input: job.input },
    }),
  ]);
  try {
    const { shards } = request;
    await deps.queue.enqueue(
      shards === undefined
        ? [{ jobId: job.runId }]
        : Array.from({ length: shards }, (_, segment) => ({ jobId: job.runId, segment, of: shards })),
    );
  } catch (error) {
    // Never a job that waits for a message that was never sent: it ends here, and the caller gets a 5xx.
    const message = 'The job could not be queued; start it again';
    await deps.jobs.finish(job.runId, { status: 'failed', error: { code: 'NOT_QUEUED', message } }, now);
    throw error;
  }
  return job;
}

export class JobCancelledError extends Error {
  constructor() {
    super('The job was cancelled');
    this.name = 'JobCancelledError';
  }
}

/** What a job's work gets: a way to say how far it is, which stops it if a cancel was asked for. */
export interface JobContext {
  job: Job;
  report(progress: JobProgress): Promise<void>;
}

/**
 * Runs one attempt of a job. Errors the job cannot get past (bad data: an AppError below 500) end it
 * `failed` with their code; other errors end it `failed` on the last attempt and are thrown before
 * that, so the queue brings the job back.
 */
export async function runJob(
  deps: { jobs: JobStore; now: () => Date },
  jobId: string,
  work: (context: JobContext) => Promise<Record<string, unknown>>,
  attempt: { last: boolean },
): Promise<JobStatus | undefined> {
  const job = await deps.jobs.claim(jobId, deps.now());
  if (!job) return undefined;
  if (job.cancelRequested) {
    await deps.jobs.finish(jobId, { status: 'cancelled' }, deps.now());
    return 'cancelled';
  }
  const context: JobContext = {
    job,
    report: async (progress) => {
      const { cancelRequested } = await deps.jobs.progress(jobId, progress, deps.now());
      if (cancelRequested) throw new JobCancelledError();
    },
  };
  let end: JobEnd;
  try {
    end = { status: 'succeeded', result: await work(context) };
  } catch (error) {
    const ended =
      error instanceof JobCancelledError ? ({ status: 'cancelled' } as const) : failure(error, attempt.last);
    if (!ended) throw error;
    end = ended;
  }
  await deps.jobs.finish(jobId, end, deps.now());
  return end.status;
}

/**
 * Runs one shard of a fanned-out job: its part of the work, kept and counted once; the shard that
 * completes the count merges the parts into the job's result. A shard that fails is retried by the
 * queue; bad data, or the last attempt, ends the whole job failed. A cancelled job's shards stop.
 */
export async function runJobShard<Part>(
  deps: { jobs: JobStore; now: () => Date },
  message: { jobId: string; segment: number; of: number },
  work: (job: Job) => Promise<Part>,
  merge: (job: Job, parts: Part[]) => Record<string, unknown>,
  attempt: { last: boolean },
): Promise<JobStatus | undefined> {
  const { jobId, segment } = message;
  // Running from its first shard on; `attempts` counts the shards' attempts, a heartbeat each.
  const job = await deps.jobs.claim(jobId, deps.now());
  if (!job) return undefined;
  if (job.cancelRequested) {
    await deps.jobs.finish(jobId, { status: 'cancelled' }, deps.now());
    return 'cancelled';
  }
  let reported: number | undefined;
  try {
    // A shard whose part is kept already (a redelivery after it reported) is not done again: its
    // part stays the one its work produced, whatever changed since.
    const kept = (await deps.jobs.part(jobId, segment)) as Part | undefined;
    reported = await deps.jobs.shardDone(job, segment, kept ?? (await work(job)), deps.now());
  } catch (error) {
    const end = failure(error, attempt.last);
    if (!end) throw error;
    await deps.jobs.finish(jobId, end, deps.now());
    return 'failed';
  }
  if (reported === undefined || reported < message.of) return 'running';
  // Every shard is in (this one last, or this is a redelivery after the last crashed before merging).
  const parts = (await deps.jobs.parts(jobId, message.of)) as Part[];
  await deps.jobs.finish(jobId, { status: 'succeeded', result: merge(job, parts) }, deps.now());
  return 'succeeded';
}

/** How an error ends a job, or undefined when the queue should bring the work back. */
function failure(error: unknown, last: boolean): JobEnd | undefined {
  if (error instanceof AppError && error.status < 500)
    return { status: 'failed', error: { code: error.code, message: error.message } };
  if (last)
    return { status: 'failed', error: { code: 'JOB_FAILED', message: 'The job failed on its last attempt' } };
  return undefined;
}

/**
 * The job as a reader sees it. A job whose attempts are spent and that has shown no sign of life for
 * longer than an attempt may run (the function's timeout) is dead (its worker was killed on the last
 * attempt): it reads as failed, and `abandoned` says so, so the reader can record it.
 */
export function view(
  job: Job,
  now: Date,
  limits: { maxAttempts: number; attemptSeconds: number },
): { job: Job; abandoned: boolean } {
  if (finished.has(job.status)) return { job, abandoned: false };
  const lastSign = Date.parse(job.heartbeatAt ?? job.updatedAt);
  // No attempt outlives its function's timeout: silent for longer, with no attempt left, it is over.
  const dead =
    job.attempts >= limits.maxAttempts && (now.getTime() - lastSign) / 1000 > limits.attemptSeconds;
  if (!dead) return { job, abandoned: false };
  return {
    job: {
      ...job,
      status: 'failed',
      error: { code: 'JOB_ABANDONED', message: 'The job stopped without finishing; start it again' },
      finishedAt: now.toISOString(),
    },
    abandoned: true,
  };
}

/** Asks a job to stop (audited); the worker stops at its next progress report. */
export async function cancelJob(
  deps: { jobs: Pick<JobStore, 'get' | 'requestCancel'>; audit: AuditLog },
  jobId: string,
  actor: RequestActor,
): Promise<Job> {
  const job = await deps.jobs.get(jobId);
  if (!job) throw new JobNotFoundError();
  if (finished.has(job.status)) throw new ConflictError('JOB_FINISHED', `The job has ended (${job.status})`);
  if (await deps.jobs.requestCancel(jobId, actor.now))
    await deps.audit.append([cancelRequestedEvent(jobId, job.kind, actor)]);
  return (await deps.jobs.get(jobId)) ?? job;
}

/** A job by id as its reader sees it; a dead one is recorded failed (and audited) on the way. */
export async function readJob(
  deps: { jobs: Pick<JobStore, 'get' | 'finish'>; audit: AuditLog },
  jobId: string,
  limits: (kind: JobKind) => { maxAttempts: number; attemptSeconds: number },
  now: Date,
  requestId: string,
): Promise<Job> {
  const stored = await deps.jobs.get(jobId);
  if (!stored) throw new JobNotFoundError();
  const { job, abandoned } = view(stored, now, limits(stored.kind));
  if (
    abandoned &&
    job.error &&
    (await deps.jobs.finish(jobId, { status: 'failed', error: job.error }, now))
  ) {
    await deps.audit.append([abandonedEvent(jobId, job.kind, requestId, now, { attempts: job.attempts })]);
  }
  return job;
}

/** The audit record of a cancel asked for (once per request). */
export const cancelRequestedEvent = (jobId: string, kind: JobKind, actor: RequestActor) =>
  auditEvent({
    eventId: `job.cancel-requested#${jobId}#${actor.requestId}`,
    subject: null,
    actor: auditActor(actor),
    action: 'job.cancel-requested',
    reasonCodes: [],
    requestId: actor.requestId,
    at: actor.now,
    details: { jobId, kind },
  });

/** The audit record of a job found dead (once per job). */
export const abandonedEvent = (
  jobId: string,
  kind: JobKind,
  requestId: string,
  at: Date,
  details: Record<string, unknown>,
) =>
  auditEvent({
    eventId: `job.abandoned#${jobId}`,
    subject: null,
    actor: { type: 'system', id: 'jobs' },
    action: 'job.abandoned',
    reasonCodes: ['JOB_ABANDONED'],
    requestId,
    at,
    details: { jobId, kind, ...details },
  });

/** A job as the API shows it. */
export function jobBody(job: Job) {
  const { runId, expiresAt: _, heartbeatAt: __, ...rest } = job;
  // A fanned-out job's progress is its shard count, not a separately written copy of it.
  const progress =
    job.shards === undefined || job.status === 'queued'
      ? job.progress
      : { phase: 'evaluating', done: job.shardsReported ?? 0, total: job.shards };
  return { jobId: runId, ...rest, progress, links: { self: `/v1/jobs/${runId}` } };
}

export class JobNotFoundError extends AppError {
  constructor() {
    super(404, 'NOT_FOUND', 'No such job');
    this.name = 'JobNotFoundError';
  }
}
