/** Re-segmentation runs: the record of a run, its scan-shard messages and the ports that keep them. */
import type { ActorRef } from '../actors.js';
import type { CurrentVersions, RunScope, SegmentationCause } from '../ports.js';

/** A re-segmentation run: safe to re-run; each run counts its own jobs. */
export interface ResegmentationRun {
  runId: string;
  cause: SegmentationCause;
  filter: { olderThanDays?: number; scope?: RunScope };
  /**
   * `enqueued` once every scan shard has reported its count; `cancelled` when an operator stopped it
   * (shards stop queueing, queued customers are skipped); `abandoned` when it stopped showing signs
   * of life before finishing (a shard or its customers in a dead-letter queue).
   */
  status: 'enqueuing' | 'enqueued' | 'cancelled' | 'abandoned';
  startedAt: string;
  /** Last sign of life: a shard's count or a batch of customers done. */
  updatedAt?: string;
  /** Who started it; absent on scheduled runs (the system) and runs from before this was kept. */
  startedBy?: ActorRef;
  /** The request (or scheduled event) that started it. */
  requestId?: string;
  /** When it finished, was cancelled or was found abandoned. */
  finishedAt?: string;
  enqueuedAt?: string;
  /** Sum of the counts the shards reported so far. */
  enqueued: number;
  /** Customers the shards found up to date and did not queue (runs over `due` decisions only). */
  upToDate?: number;
  done: number;
  failed: number;
  expiresAt: number;
  /** Scan shards the fan-out was split into (absent on runs started before sharding). */
  shards?: number;
  /** Shards that have scanned and enqueued their share. */
  shardsReported?: number;
}

/**
 * One scan shard of a run (parallel-scan Segment `segment` of `of`): a queue body with no
 * personal data. `assignedBefore` is fixed when the run starts, so every shard filters alike.
 */
export interface ShardJob {
  runId: string;
  cause: SegmentationCause;
  segment: number;
  of: number;
  assignedBefore?: string;
  /** Set on runs over due decisions: the versions every shard compares decisions with. */
  due?: CurrentVersions;
}

export interface ShardQueue {
  enqueue(jobs: readonly ShardJob[]): Promise<void>;
}

export interface RunStore {
  start(run: ResegmentationRun): Promise<void>;
  /**
   * Adds one shard's count to `enqueued`, once per shard: a redelivered shard finds itself
   * recorded and adds nothing (returns false). The last shard marks the run `enqueued`.
   */
  shardEnqueued(
    runId: string,
    segment: number,
    count: number,
    at: string,
    upToDate?: number,
  ): Promise<boolean>;
  /** Adds to the done/failed counters of several runs at once; a run whose work is all done ends. */
  progress(deltas: ReadonlyMap<string, { done: number; failed: number }>): Promise<void>;
  get(runId: string): Promise<ResegmentationRun | undefined>;
  /**
   * Takes a run whose work is all done out of the active listing (once; false when it was out
   * already). The counters do it themselves; this repairs a run whose own step was lost.
   */
  close(runId: string, at: Date): Promise<boolean>;
  /** Ends a run not ended yet as cancelled or abandoned; false when it had ended already. */
  end(runId: string, status: 'cancelled' | 'abandoned', at: Date): Promise<boolean>;
  /** Which of these runs were cancelled: their shards stop queueing and their customers are skipped. */
  cancelled(runIds: readonly string[]): Promise<ReadonlySet<string>>;
}
