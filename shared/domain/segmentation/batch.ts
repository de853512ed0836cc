import type { Assignment, AssignmentStore, Override, SegmentationJob, StoredProfile } from '../ports.js';
import {
  ConcurrentAssignmentError,
  planSegmentation,
  type SegmentationDeps,
  type SegmentationOutcome,
  type SegmentationPlan,
} from './segment-customer.js';

export interface BatchSegmentationDeps extends SegmentationDeps {
  assignments: Pick<AssignmentStore, 'get' | 'getMany' | 'commitMany'>;
}

/**
 * Segments the jobs of one queue batch: two batched reads (profiles, current assignments) instead
 * of two reads per record, one evaluation per customer however many messages name it, and the
 * decisions committed together (each assignment atomically with its audit record). Returns, per
 * pseudonym, the outcome or the error that must send that customer's messages back to the queue.
 */
export async function segmentBatch(
  jobs: readonly SegmentationJob[],
  deps: BatchSegmentationDeps,
): Promise<Map<string, SegmentationOutcome | Error>> {
  const byPseudonym = new Map(jobs.map((j) => [j.pseudonym, j]));
  const pseudonyms = [...byPseudonym.keys()];
  const [profiles, assignments, overrides] = await Promise.all([
    deps.profiles.getMany(pseudonyms),
    deps.assignments.getMany(pseudonyms),
    deps.overrides ? deps.overrides.getMany(pseudonyms) : Promise.resolve(new Map<string, Override>()),
  ]);
  const prefetched: SegmentationDeps = {
    ...deps,
    overrides: {
      getMany: async (keys) =>
        new Map(keys.flatMap((k) => (overrides.has(k) ? [[k, overrides.get(k) as Override] as const] : []))),
    },
    profiles: { getMany: async (keys) => pick(profiles, keys) },
    assignments: { get: async (p): Promise<Assignment | undefined> => assignments.get(p) },
  };

  const results = new Map<string, SegmentationOutcome | Error>();
  const plans = await Promise.all(
    [...byPseudonym.values()].map(async (job) => {
      try {
        return { job, plan: await planSegmentation(job, prefetched) };
      } catch (error) {
        results.set(job.pseudonym, error as Error);
        return undefined;
      }
    }),
  );
  const toCommit: { pseudonym: string; plan: Exclude<SegmentationPlan, { outcome: 'unchanged' }> }[] = [];
  for (const entry of plans) {
    if (!entry) continue;
    if (entry.plan.outcome === 'unchanged') results.set(entry.job.pseudonym, 'unchanged');
    else toCommit.push({ pseudonym: entry.job.pseudonym, plan: entry.plan });
  }
  if (toCommit.length > 0) {
    const committed = await deps.assignments.commitMany(toCommit.map((c) => c.plan));
    toCommit.forEach((c, i) => {
      results.set(
        c.pseudonym,
        committed[i] === 'committed' ? c.plan.outcome : new ConcurrentAssignmentError(),
      );
    });
  }
  return results;
}

function pick(profiles: Map<string, StoredProfile>, keys: readonly string[]): Map<string, StoredProfile> {
  return new Map(
    keys.flatMap((k) => (profiles.has(k) ? [[k, profiles.get(k) as StoredProfile] as const] : [])),
  );
}
