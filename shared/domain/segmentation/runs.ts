import { type ActorRef, auditActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import type {
  Actor,
  Assignment,
  AuditLog,
  CurrentVersions,
  DecisionFreshness,
  ResegmentationRun,
  RunScope,
  RunStore,
  SegmentationCause,
  SegmentationQueue,
  ShardJob,
  ShardQueue,
} from '../ports.js';
import { isDue } from './freshness.js';

export interface RunStartDeps {
  runs: Pick<RunStore, 'start'>;
  shards: ShardQueue;
  /** Who started which run with which options is audited, as for every job. */
  audit: AuditLog;
  /** The versions in use; read once per run over due decisions, so every shard compares alike. */
  currentVersions?: (now: Date) => Promise<CurrentVersions>;
  /** Customers segmented (the maintained aggregates): sizes the fan-out beyond `shards`. */
  population?: () => Promise<number>;
}

type ScannedDecision = Pick<Assignment, 'pseudonym' | 'assignedAt'> & DecisionFreshness;

export interface ShardDeps {
  runs: Pick<RunStore, 'shardEnqueued' | 'cancelled'>;
  queue: SegmentationQueue;
  /** The customer pseudonyms of one parallel-scan segment of profiles, page by page. */
  customers: (segment: number, of: number) => AsyncIterable<string[]>;
  /** The assignments of one parallel-scan segment, page by page, for filters on the current decision. */
  assignments: (segment: number, of: number) => AsyncIterable<ScannedDecision[]>;
  /** The stored decisions of a page of customers, to tell which are due. */
  decisions: (pseudonyms: readonly string[]) => Promise<ReadonlyMap<string, DecisionFreshness>>;
}

const runRetentionSeconds = 400 * 86_400;

/** DynamoDB's bound on TotalSegments. */
export const maxShards = 1_000_000;
/** The fewest scan shards of a run or fanned-out job (RESEGMENT_SHARDS overrides it). */
export const defaultShards = 32;
/**
 * Customers per scan shard as the population grows: a shard is then a few 1 MB pages and a few
 * seconds of one function, however large the population, and the shards run side by side (as many
 * as the queue's consumers). DynamoDB Local makes this a must: it reads the whole segment for every
 * page of a parallel scan, so a segment's time grows with the square of its size.
 */
export const customersPerShard = 5_000;
/** 50 million customers at 5,000 a shard; the shard messages of a job are sent in one request. */
export const maxScanShards = 10_000;

/** Scan shards for a population: at least `minimum`, one per `customersPerShard` customers. */
export function scanShards(population: number, minimum: number): number {
  const wanted = Math.ceil(Math.max(0, population) / customersPerShard);
  return Math.min(Math.max(minimum, maxScanShards), Math.max(minimum, wanted));
}

/**
 * The shard messages of a run: one per parallel-scan segment. The olderThanDays cutoff is
 * computed once here, so shards that run minutes apart still select the same decisions.
 */
export function shardPlan(
  run: Pick<ResegmentationRun, 'runId' | 'cause' | 'filter'>,
  shards: number,
  now: Date,
  due?: CurrentVersions,
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
    ...(due ? { due } : {}),
  }));
}

/**
 * The scheduled run's scope: everyone (inputs read afresh) one day in `everyDays`, counted from the
 * Unix epoch, only due decisions on the others. The full day is the safety net for a change whose
 * trigger never queued its customer (a client that gave up on a failed request, a DLQ not replayed).
 */
export function scheduledScope(now: Date, everyDays: number): RunScope {
  return Math.floor(now.getTime() / 86_400_000) % everyDays === 0 ? 'all' : 'due';
}

/**
 * Runs over due decisions by default on the schedule and on publication (every decision made under
 * the previous version is due); everyone, with every input read afresh, by hand.
 */
export const defaultScope = (cause: SegmentationCause): RunScope =>
  cause === 'schedule' || cause === 'model' ? 'due' : 'all';

/**
 * Starts a re-segmentation: records the run, then queues one message per scan shard. The
 * scanning itself happens in the shard worker, so no single invocation has to read the whole
 * population before its timeout (docs/cost-model.md, scale model). Re-running is safe:
 * customers whose inputs did not change cost a read and write nothing, and a run over `due`
 * decisions does not even queue them.
 */
export async function startResegmentation(
  deps: RunStartDeps,
  request: {
    runId: string;
    cause: SegmentationCause;
    filter?: { olderThanDays?: number; scope?: RunScope };
    /** The fewest scan shards; more when the population needs them (see scanShards). */
    shards: number;
    now: Date;
    /** Absent for the schedule's runs (the system starts them). */
    startedBy?: ActorRef;
    requestId?: string;
  },
): Promise<ResegmentationRun> {
  const filter = { ...request.filter, scope: request.filter?.scope ?? defaultScope(request.cause) };
  const shards = deps.population ? scanShards(await deps.population(), request.shards) : request.shards;
  let due: CurrentVersions | undefined;
  if (filter.scope === 'due') {
    if (!deps.currentVersions) throw new Error('A run over due decisions needs the versions in use');
    due = await deps.currentVersions(request.now);
  }
  const run: ResegmentationRun = {
    runId: request.runId,
    cause: request.cause,
    filter,
    status: 'enqueuing',
    startedAt: request.now.toISOString(),
    updatedAt: request.now.toISOString(),
    ...(request.startedBy ? { startedBy: request.startedBy } : {}),
    requestId: request.requestId ?? request.runId,
    enqueued: 0,
    done: 0,
    failed: 0,
    expiresAt: Math.floor(request.now.getTime() / 1000) + runRetentionSeconds,
    shards,
    shardsReported: 0,
  };
  const plan = shardPlan(run, shards, request.now, due);
  await deps.runs.start(run);
  await deps.shards.enqueue(plan);
  // After the shards are queued: a failed audit write must not leave a run that never starts.
  await deps.audit.append([runStartedEvent(run, request.now)]);
  return run;
}

/**
 * Starts the run a publication owes. The publication is committed whatever happens here: if the
 * run cannot be started, `onFailure` hears of it and the answer says so (no run); the next
 * scheduled run covers everyone anyway, since every decision made under the previous version is due.
 */
export async function startPublicationRun(
  deps: RunStartDeps,
  request: {
    modelId: string;
    version: number;
    shards: number;
    now: Date;
    startedBy: ActorRef;
    requestId: string;
    /**
     * Default `run-publish-<modelId>-<version>`: a risk-model version is published once. A scoring
     * model can be put back in use, so each of its publications names a run of its own.
     */
    runId?: string;
  },
  onFailure: (error: unknown) => void,
): Promise<ResegmentationRun | undefined> {
  try {
    return await startResegmentation(deps, {
      runId: request.runId ?? `run-publish-${request.modelId}-${request.version}`,
      cause: 'model',
      shards: request.shards,
      now: request.now,
      startedBy: request.startedBy,
      requestId: request.requestId,
    });
  } catch (error) {
    onFailure(error);
    return undefined;
  }
}

/**
 * Scans one shard and queues its customers on the segmentation queue, then adds its count to
 * the run once. A failed scan throws: SQS redelivers the shard, and after maxReceiveCount it
 * lands in the shard DLQ (the run then never finishes, which its alarm and status show).
 */
export async function runShard(deps: ShardDeps, job: ShardJob, now: () => Date = () => new Date()) {
  const { due } = job;
  let enqueued = 0;
  let upToDate = 0;
  const cancelled = async () => (await deps.runs.cancelled([job.runId])).has(job.runId);
  if (await cancelled()) return { enqueued, upToDate, counted: false, cancelled: true };
  let pages = 0;
  // The next page is read while this one is queued: a shard's time is its reads, not their sum.
  for await (const { pseudonyms, decisions } of readAhead(candidates(deps, job))) {
    // One small read per page (1 MB scanned): a cancelled run stops queueing within a page.
    if (++pages > 1 && (await cancelled())) return { enqueued, upToDate, counted: false, cancelled: true };
    const queued = due ? pseudonyms.filter((p) => isDue(decisions.get(p), due)) : pseudonyms;
    upToDate += pseudonyms.length - queued.length;
    if (queued.length === 0) continue;
    const expects = due ? { model: due.model, scoringModel: due.scoringModel } : undefined;
    await deps.queue.enqueue(
      queued.map((pseudonym) => ({
        pseudonym,
        cause: job.cause,
        requestId: job.runId,
        runId: job.runId,
        ...(expects ? { expects } : {}),
      })),
    );
    enqueued += queued.length;
  }
  const counted = await deps.runs.shardEnqueued(
    job.runId,
    job.segment,
    enqueued,
    now().toISOString(),
    upToDate,
  );
  return { enqueued, upToDate, counted, cancelled: false };
}

/**
 * The shard's customers page by page, with their stored decisions where a filter needs them:
 * every profile (a customer may have no decision yet), or the decisions older than the cutoff.
 */
async function* candidates(
  deps: ShardDeps,
  job: ShardJob,
): AsyncIterable<{ pseudonyms: string[]; decisions: ReadonlyMap<string, DecisionFreshness> }> {
  const { assignedBefore } = job;
  if (assignedBefore === undefined) {
    for await (const page of readAhead(deps.customers(job.segment, job.of))) {
      // Profiles carry no decision: only a run over due decisions reads them.
      yield { pseudonyms: page, decisions: job.due ? await deps.decisions(page) : new Map() };
    }
    return;
  }
  for await (const page of readAhead(deps.assignments(job.segment, job.of))) {
    const old = page.filter((a) => a.assignedAt < assignedBefore);
    if (old.length > 0)
      yield { pseudonyms: old.map((a) => a.pseudonym), decisions: new Map(old.map((a) => [a.pseudonym, a])) };
  }
}

/** Starts reading the next item of `source` as soon as the current one is handed out. */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // Awaited on the next turn; until then a failure must not count as unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    // Abandoned early (the consumer failed): let the source close its own resources.
    // Its own failure must not hide the consumer's.
    await iterator.return?.().catch(() => undefined);
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

/** The audit record of a run's start: who (or the schedule) started what, with which options. */
export function runStartedEvent(run: ResegmentationRun, at: Date) {
  const actor: Actor = run.startedBy
    ? auditActor(run.startedBy)
    : { type: 'system', id: 'resegmentScheduler' };
  return auditEvent({
    eventId: `job.started#${run.runId}`,
    subject: null,
    actor,
    action: 'job.started',
    reasonCodes: [],
    requestId: run.requestId ?? run.runId,
    at,
    details: {
      jobId: run.runId,
      kind: 'resegmentation',
      input: {
        cause: run.cause,
        filter: run.filter,
        ...(run.shards === undefined ? {} : { shards: run.shards }),
      },
    },
  });
}
