import { z } from 'zod';
import type {
  Assignment,
  ResegmentationRun,
  RunStore,
  SegmentationCause,
  SegmentationQueue,
  ShardJob,
  ShardQueue,
} from '../ports.js';

export interface RunStartDeps {
  runs: Pick<RunStore, 'start'>;
  shards: ShardQueue;
}

export interface ShardDeps {
  runs: Pick<RunStore, 'shardEnqueued'>;
  queue: SegmentationQueue;
  /** The customer pseudonyms of one parallel-scan segment of profiles, page by page. */
  customers: (segment: number, of: number) => AsyncIterable<string[]>;
  /** The assignments of one parallel-scan segment, page by page, for filters on the current decision. */
  assignments: (segment: number, of: number) => AsyncIterable<Pick<Assignment, 'pseudonym' | 'assignedAt'>[]>;
}

const runRetentionSeconds = 400 * 86_400;

/** DynamoDB's bound on TotalSegments; the default spreads 10 million customers over ~312,000 per shard. */
export const maxShards = 1_000_000;
export const defaultShards = 32;

/**
 * The shard messages of a run: one per parallel-scan segment. The olderThanDays cutoff is
 * computed once here, so shards that run minutes apart still select the same decisions.
 */
export function shardPlan(
  run: Pick<ResegmentationRun, 'runId' | 'cause' | 'filter'>,
  shards: number,
  now: Date,
): ShardJob[] {
  if (!Number.isInteger(shards) || shards < 1 || shards > maxShards)
    throw new RangeError(`shards must be a whole number from 1 to ${maxShards}`);
  const { olderThanDays } = run.filter;
  const assignedBefore =
    olderThanDays === undefined
      ? undefined
      : new Date(now.getTime() - olderThanDays * 86_400_000).toISOString();
  return Array.from({ length: shards }, (_, segment) => ({
    runId: run.runId,
    cause: run.cause,
    segment,
    of: shards,
    ...(assignedBefore === undefined ? {} : { assignedBefore }),
  }));
}

/**
 * Starts a re-segmentation: records the run, then queues one message per scan shard. The
 * scanning itself happens in the shard worker, so no single invocation has to read the whole
 * population before its timeout (docs/cost-model.md, scale model). Re-running is safe:
 * customers whose inputs did not change cost a read and write nothing.
 */
export async function startResegmentation(
  deps: RunStartDeps,
  request: {
    runId: string;
    cause: SegmentationCause;
    filter?: { olderThanDays?: number };
    shards: number;
    now: Date;
  },
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
    shards: request.shards,
    shardsReported: 0,
  };
  const plan = shardPlan(run, request.shards, request.now);
  await deps.runs.start(run);
  await deps.shards.enqueue(plan);
  return run;
}

/**
 * Scans one shard and queues its customers on the segmentation queue, then adds its count to
 * the run once. A failed scan throws: SQS redelivers the shard, and after maxReceiveCount it
 * lands in the shard DLQ (the run then never finishes, which its alarm and status show).
 */
export async function runShard(deps: ShardDeps, job: ShardJob, now: () => Date = () => new Date()) {
  const pages =
    job.assignedBefore === undefined
      ? deps.customers(job.segment, job.of)
      : olderThan(deps.assignments(job.segment, job.of), job.assignedBefore);
  let enqueued = 0;
  for await (const page of pages) {
    await deps.queue.enqueue(
      page.map((pseudonym) => ({ pseudonym, cause: job.cause, requestId: job.runId, runId: job.runId })),
    );
    enqueued += page.length;
  }
  const counted = await deps.runs.shardEnqueued(job.runId, job.segment, enqueued, now().toISOString());
  return { enqueued, counted };
}

async function* olderThan(
  pages: AsyncIterable<Pick<Assignment, 'pseudonym' | 'assignedAt'>[]>,
  iso: string,
): AsyncIterable<string[]> {
  for await (const page of pages) {
    const old = page.filter((a) => a.assignedAt < iso).map((a) => a.pseudonym);
    if (old.length > 0) yield old;
  }
}

/**
 * Whether a run has finished: every shard reported its count, and everything enqueued is done
 * or finally failed. Runs from before sharding (no `shards`) finish once marked `enqueued`.
 */
export function runFinished(run: ResegmentationRun): boolean {
  const allShards = run.shards === undefined || (run.shardsReported ?? 0) >= run.shards;
  return run.status === 'enqueued' && allShards && run.done + run.failed >= run.enqueued;
}

/** Shard jobs as they arrive on the shard queue (validated: a queue body is input like any other). */
export const shardJobSchema = z
  .object({
    runId: z.string().min(1).max(200),
    cause: z.enum(['profile', 'transactions', 'schedule', 'manual', 'model', 'feedback']),
    segment: z.number().int().min(0),
    of: z.number().int().min(1).max(maxShards),
    assignedBefore: z.string().datetime().optional(),
  })
  .strict()
  .refine((j) => j.segment < j.of, { message: 'segment must be below of' });

/** A run started by hand over HTTP: everyone, or only decisions older than N days. */
export const resegmentationRequest = z
  .object({ olderThanDays: z.number().int().min(0).max(3650).optional() })
  .strict();

/** Run ids as they appear in URLs: run-<letters, digits, - or _>. */
export const runIdSchema = z.string().regex(/^run-[A-Za-z0-9_-]{1,100}$/);
