/**
 * A re-segmentation run (a bulk re-score) as a job: listed by `GET /v1/jobs`, read and cancelled
 * through `/v1/jobs/{runId}` like the other kinds. The run keeps its own record and counters (the
 * runs store, shared with jobs); this is how a reader sees it. A run never stays "running" for ever:
 * one that shows no sign of life for longer than its shards and customers may take (each attempt
 * counted) has lost work to a dead-letter queue, and is recorded abandoned when read.
 */

import { ConflictError } from '../../errors.js';
import type { RequestActor } from '../actors.js';
import type { AuditLog, ResegmentationRun, RunStore } from '../ports.js';
import { runFinished } from '../segmentation/runs.js';
import { abandonedEvent, cancelRequestedEvent, type Job, JobNotFoundError } from './job.js';

const scheduler = { principalId: 'schedule' } as const;

/** The run as a job: queued until a shard reports, scanning while shards count, then segmenting. */
export function runAsJob(run: ResegmentationRun): Job {
  const reported = run.shardsReported ?? 0;
  const handled = run.done + run.failed;
  const ended = run.status === 'cancelled' || run.status === 'abandoned' || runFinished(run);
  const status: Job['status'] =
    run.status === 'cancelled'
      ? 'cancelled'
      : run.status === 'abandoned' || (ended && run.failed > 0)
        ? 'failed'
        : ended
          ? 'succeeded'
          : reported === 0 && handled === 0
            ? 'queued'
            : 'running';
  const counts = { enqueued: run.enqueued, done: run.done, failed: run.failed, upToDate: run.upToDate ?? 0 };
  return {
    runId: run.runId,
    kind: 'resegmentation',
    status,
    input: {
      cause: run.cause,
      filter: run.filter,
      ...(run.shards === undefined ? {} : { shards: run.shards }),
    },
    startedBy: run.startedBy ?? scheduler,
    requestId: run.requestId ?? run.runId,
    createdAt: run.startedAt,
    updatedAt: run.updatedAt ?? run.enqueuedAt ?? run.startedAt,
    progress:
      run.status === 'enqueuing' && run.shards !== undefined
        ? { phase: 'scanning', done: reported, total: run.shards }
        : { phase: 'segmenting', done: handled, total: run.enqueued },
    // Attempts are the queues' business here: shards and customers are retried one by one.
    attempts: 0,
    ...(run.status === 'cancelled' ? { cancelRequested: true } : {}),
    ...(ended && run.status !== 'cancelled' && run.status !== 'abandoned' ? { result: counts } : {}),
    ...(run.status === 'abandoned'
      ? { error: { code: 'JOB_ABANDONED', message: 'The run stopped without finishing; start it again' } }
      : ended && run.failed > 0
        ? {
            error: {
              code: 'CUSTOMERS_FAILED',
              message: `${run.failed} customers could not be re-segmented: they are in the segmentation dead-letter queue`,
            },
          }
        : {}),
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    expiresAt: run.expiresAt,
  };
}

/** Whether a run not ended has been silent for longer than any of its pieces of work may take. */
export function runAbandoned(run: ResegmentationRun, now: Date, silentSeconds: number): boolean {
  if (run.status === 'cancelled' || run.status === 'abandoned' || runFinished(run)) return false;
  const lastSign = Date.parse(run.updatedAt ?? run.enqueuedAt ?? run.startedAt);
  return (now.getTime() - lastSign) / 1000 > silentSeconds;
}

/** A run as a job; one found abandoned is recorded so (and audited) on the way. */
export async function readRunJob(
  deps: { runs: Pick<RunStore, 'get' | 'end' | 'close'>; audit: AuditLog },
  runId: string,
  silentSeconds: number,
  now: Date,
  requestId: string,
): Promise<Job> {
  const run = await deps.runs.get(runId);
  if (!run) throw new JobNotFoundError();
  // All done, but the step that takes it out of the listing was lost (a throttled update): redone.
  if (runFinished(run) && !run.finishedAt && (await deps.runs.close(runId, now)))
    return runAsJob({ ...run, finishedAt: now.toISOString() });
  if (!runAbandoned(run, now, silentSeconds) || !(await deps.runs.end(runId, 'abandoned', now)))
    return runAsJob(run);
  await deps.audit.append([
    abandonedEvent(runId, 'resegmentation', requestId, now, { enqueued: run.enqueued, done: run.done }),
  ]);
  return runAsJob({ ...run, status: 'abandoned', finishedAt: now.toISOString() });
}

/**
 * Cancels a run (audited), at once: its shards stop queueing at their next page and the customers
 * already queued are skipped. Decisions already made stay (each is whole, with its audit record).
 */
export async function cancelRun(
  deps: { runs: Pick<RunStore, 'get' | 'end'>; audit: AuditLog },
  runId: string,
  actor: RequestActor,
): Promise<Job> {
  const run = await deps.runs.get(runId);
  if (!run) throw new JobNotFoundError();
  const job = runAsJob(run);
  if (!(await deps.runs.end(runId, 'cancelled', actor.now)))
    throw new ConflictError('JOB_FINISHED', `The job has ended (${job.status})`);
  await deps.audit.append([cancelRequestedEvent(runId, 'resegmentation', actor)]);
  return runAsJob({ ...run, status: 'cancelled', finishedAt: actor.now.toISOString() });
}
