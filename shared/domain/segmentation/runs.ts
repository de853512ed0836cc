import { z } from 'zod';
import type {
  Assignment,
  ResegmentationRun,
  RunStore,
  SegmentationCause,
  SegmentationQueue,
} from '../ports.js';

export interface RunDeps {
  runs: Pick<RunStore, 'start' | 'enqueued'>;
  queue: SegmentationQueue;
  /** Every customer pseudonym, page by page (parallel scan of profiles). */
  allCustomers: () => AsyncIterable<string[]>;
  /** Every assignment, page by page, for filters on the current decision. */
  allAssignments: () => AsyncIterable<Pick<Assignment, 'pseudonym' | 'assignedAt'>[]>;
}

const runRetentionSeconds = 400 * 86_400;

/**
 * Fans a re-segmentation out over the population: scan → SendMessageBatch → worker. The run
 * records what it enqueued; the worker counts what is done or finally failed. Re-running is safe:
 * customers whose inputs did not change cost a read and write nothing.
 */
export async function startResegmentation(
  deps: RunDeps,
  request: { runId: string; cause: SegmentationCause; filter?: { olderThanDays?: number }; now: Date },
): Promise<ResegmentationRun> {
  const filter = request.filter ?? {};
  const run: ResegmentationRun = {
    runId: request.runId,
    cause: request.cause,
    filter,
    status: 'enqueuing',
    startedAt: request.now.toISOString(),
    enqueued: 0,
    done: 0,
    failed: 0,
    expiresAt: Math.floor(request.now.getTime() / 1000) + runRetentionSeconds,
  };
  await deps.runs.start(run);
  const pages =
    filter.olderThanDays === undefined
      ? deps.allCustomers()
      : olderThan(deps.allAssignments(), new Date(request.now.getTime() - filter.olderThanDays * 86_400_000));
  for await (const page of pages) {
    await deps.queue.enqueue(
      page.map((pseudonym) => ({
        pseudonym,
        cause: request.cause,
        requestId: request.runId,
        runId: request.runId,
      })),
    );
    run.enqueued += page.length;
  }
  const enqueuedAt = new Date().toISOString();
  await deps.runs.enqueued(run.runId, run.enqueued, enqueuedAt);
  return { ...run, status: 'enqueued', enqueuedAt };
}

async function* olderThan(
  pages: AsyncIterable<Pick<Assignment, 'pseudonym' | 'assignedAt'>[]>,
  cutoff: Date,
): AsyncIterable<string[]> {
  const iso = cutoff.toISOString();
  for await (const page of pages) {
    const old = page.filter((a) => a.assignedAt < iso).map((a) => a.pseudonym);
    if (old.length > 0) yield old;
  }
}

/** Whether a run has finished: everything it enqueued is done or finally failed. */
export function runFinished(run: ResegmentationRun): boolean {
  return run.status === 'enqueued' && run.done + run.failed >= run.enqueued;
}

/** A run started by hand over HTTP: everyone, or only decisions older than N days. */
export const resegmentationRequest = z
  .object({ olderThanDays: z.number().int().min(0).max(3650).optional() })
  .strict();

/** Run ids as they appear in URLs: run-<letters, digits, - or _>. */
export const runIdSchema = z.string().regex(/^run-[A-Za-z0-9_-]{1,100}$/);
