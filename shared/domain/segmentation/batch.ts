import { EventPublishError } from '../events/ports.js';
import type { WorkflowEvent } from '../events/schemas.js';
import type {
  Assignment,
  AssignmentStore,
  ModelVersions,
  Override,
  RecheckRefresh,
  SegmentationJob,
  StoredProfile,
} from '../ports.js';
import { sameVersions } from './freshness.js';
import {
  ConcurrentAssignmentError,
  ProfileNotFoundError,
  planSegmentation,
  type SegmentationDeps,
  type SegmentationOutcome,
  type SegmentationPlan,
} from './segment-customer.js';

export interface BatchSegmentationDeps extends SegmentationDeps {
  assignments: Pick<AssignmentStore, 'get' | 'getMany' | 'commitMany' | 'refreshRecheckAt'>;
}

/**
 * Segments the jobs of one queue batch: two batched reads (profiles, current assignments) instead
 * of two reads per record, one evaluation per customer however many messages name it, and the
 * decisions committed together (each assignment atomically with its audit record). The workflow
 * events of committed decisions (and those a stored decision still owes) are published after the
 * commit. Returns, per pseudonym, the outcome or the error that must send that customer's messages
 * back to the queue: a failed publication is such an error, so the redelivery publishes again.
 */
export async function segmentBatch(
  jobs: readonly SegmentationJob[],
  deps: BatchSegmentationDeps,
): Promise<Map<string, SegmentationOutcome | Error>> {
  const byPseudonym = new Map<string, SegmentationJob>();
  for (const job of jobs) {
    const seen = byPseudonym.get(job.pseudonym);
    // A trigger's job (no `runId`) wins over a run's: its data is new, so the inputs are read
    // afresh (and strongly) rather than reused, and the decision's audit record names the
    // trigger's request.
    byPseudonym.set(job.pseudonym, seen && !seen.runId && job.runId ? seen : job);
  }
  // A run's job (`runId` set) brings nothing new about its customer: most find their inputs as
  // they were. Those read eventually consistent copies first, at half the read units (what binds a
  // re-segmentation of millions); whatever they would write is planned again from strongly
  // consistent reads, so no decision rests on a stale copy. A trigger's job reads strongly at once.
  const first = await planJobs([...byPseudonym.values()], deps, (job) => !job.runId);
  // Events a stored decision still owes count as something to write: their outbox is cleared after.
  const stale = first.filter(
    (p) => p.job.runId && (p.error || p.plan?.outcome !== 'unchanged' || p.plan.events.length > 0),
  );
  const replanned = new Map(
    (stale.length > 0
      ? await planJobs(
          stale.map((p) => p.job),
          deps,
          () => true,
        )
      : []
    ).map((p) => [p.job, p]),
  );
  const planned = first.map((p) => replanned.get(p.job) ?? p);

  const results = new Map<string, SegmentationOutcome | Error>();
  for (const { job, error } of planned) {
    if (!error) continue;
    const erased = error instanceof ProfileNotFoundError && (await deps.wasErased?.(job.pseudonym));
    results.set(job.pseudonym, erased ? 'erased' : error);
  }
  const plans = planned.flatMap(({ job, plan }) => (plan ? [{ job, plan }] : []));
  const previousOf = new Map(planned.map((p) => [p.job.pseudonym, p.previous]));
  const toCommit: { pseudonym: string; plan: Exclude<SegmentationPlan, { outcome: 'unchanged' }> }[] = [];
  const owed: Owed[] = [];
  const refreshes: RecheckRefresh[] = [];
  for (const entry of plans) {
    if (entry.plan.outcome === 'unchanged') {
      results.set(entry.job.pseudonym, 'unchanged');
      const { events, revision, refreshRecheckAt } = entry.plan;
      if (events.length > 0) owed.push({ pseudonym: entry.job.pseudonym, revision, events });
      if (refreshRecheckAt !== undefined)
        refreshes.push({ pseudonym: entry.job.pseudonym, revision, ...refreshRecheckAt });
    } else toCommit.push({ pseudonym: entry.job.pseudonym, plan: entry.plan });
  }
  if (toCommit.length > 0) {
    const committed = await deps.assignments.commitMany(
      toCommit.map((c) => ({ ...c.plan, previous: previousOf.get(c.pseudonym) })),
    );
    toCommit.forEach((c, i) => {
      results.set(
        c.pseudonym,
        committed[i] === 'committed' ? c.plan.outcome : new ConcurrentAssignmentError(),
      );
      if (committed[i] === 'committed' && c.plan.events.length > 0) {
        owed.push({ pseudonym: c.pseudonym, revision: c.plan.assignment.revision, events: c.plan.events });
      }
    });
  }
  if (deps.events && owed.length > 0) {
    for (const [pseudonym, error] of await publishOwed(owed, deps.events)) results.set(pseudonym, error);
  }
  // Without it, a decision stored before `recheckAt` or `dueAt` existed is due in every run over
  // due decisions. Best effort: if it fails, the next run re-evaluates the customer and tries again.
  if (refreshes.length > 0) await deps.assignments.refreshRecheckAt(refreshes).catch(() => undefined);
  return results;
}

interface PlannedJob {
  job: SegmentationJob;
  plan?: SegmentationPlan;
  error?: Error;
  /** The stored decision the plan was made against. */
  previous?: Assignment;
}

/**
 * Plans the jobs from batched reads (profiles, current assignments, pins: one read each instead of
 * one per record), strongly consistent for the jobs `consistent` names, eventually for the rest.
 */
async function planJobs(
  jobs: readonly SegmentationJob[],
  deps: BatchSegmentationDeps,
  consistent: (job: SegmentationJob) => boolean,
): Promise<PlannedJob[]> {
  const strong = jobs.filter(consistent).map((j) => j.pseudonym);
  const eventual = jobs.filter((j) => !consistent(j)).map((j) => j.pseudonym);
  const both = async <T>(read: (keys: readonly string[], strongly: boolean) => Promise<Map<string, T>>) => {
    const [a, b] = await Promise.all([
      strong.length > 0 ? read(strong, true) : new Map<string, T>(),
      eventual.length > 0 ? read(eventual, false) : new Map<string, T>(),
    ]);
    return new Map([...a, ...b]);
  };
  const strongly = new Set(strong);
  const [profiles, assignments, overrides] = await Promise.all([
    both((keys, c) => deps.profiles.getMany(keys, c)),
    both((keys, c) => deps.assignments.getMany(keys, c)),
    deps.overrides ? deps.overrides.getMany(jobs.map((j) => j.pseudonym)) : new Map<string, Override>(),
  ]);
  const prefetched: SegmentationDeps = {
    ...deps,
    overrides: {
      getMany: async (keys) =>
        new Map(keys.flatMap((k) => (overrides.has(k) ? [[k, overrides.get(k) as Override] as const] : []))),
    },
    profiles: { getMany: async (keys) => pick(profiles, keys) },
    assignments: { get: async (p): Promise<Assignment | undefined> => assignments.get(p) },
    transactions: {
      listSince: (p, since) => deps.transactions.listSince(p, since, strongly.has(p)),
    },
    ...(deps.feedback ? { feedback: feedbackReader(deps.feedback, strongly) } : {}),
  };
  return Promise.all(
    jobs.map(async (job): Promise<PlannedJob> => {
      const previous = assignments.get(job.pseudonym);
      try {
        return { job, plan: await planSegmentation(job, prefetched), ...(previous ? { previous } : {}) };
      } catch (error) {
        return { job, error: error as Error, ...(previous ? { previous } : {}) };
      }
    }),
  );
}

const feedbackReader = (
  feedback: NonNullable<SegmentationDeps['feedback']>,
  strongly: ReadonlySet<string>,
): NonNullable<SegmentationDeps['feedback']> => ({
  listSince: (p, since) => feedback.listSince(p, since, strongly.has(p)),
});

/** Whether a job was queued by a run that found other models in use than the worker has cached. */
export function expectsOtherVersions(jobs: readonly SegmentationJob[], cached: ModelVersions): boolean {
  return jobs.some((j) => j.expects && !sameVersions(j.expects, cached));
}

interface Owed {
  pseudonym: string;
  revision: number;
  events: WorkflowEvent[];
}

/**
 * One publication for the whole batch (the adapter packs 10 events per call). Customers whose
 * events all went out get their outbox cleared; the others get the error that fails their records.
 */
async function publishOwed(
  owed: readonly Owed[],
  events: NonNullable<BatchSegmentationDeps['events']>,
): Promise<Map<string, Error>> {
  const failed = new Map<string, Error>();
  try {
    await events.publisher.publish(owed.flatMap((o) => o.events));
  } catch (error) {
    const ids = error instanceof EventPublishError ? new Set(error.failedEventIds) : undefined;
    for (const o of owed) {
      if (!ids || o.events.some((e) => ids.has(e.detail.eventId))) {
        failed.set(o.pseudonym, error instanceof Error ? error : new Error('Event publication failed'));
      }
    }
  }
  // Clearing is an optimisation: if it fails, the next decision or redelivery publishes the same ids again.
  await Promise.allSettled(
    owed
      .filter((o) => !failed.has(o.pseudonym))
      .map((o) => events.outbox.markPublished(o.pseudonym, o.revision)),
  );
  return failed;
}

function pick(profiles: Map<string, StoredProfile>, keys: readonly string[]): Map<string, StoredProfile> {
  return new Map(
    keys.flatMap((k) => (profiles.has(k) ? [[k, profiles.get(k) as StoredProfile] as const] : [])),
  );
}
