import type { AuditLog } from '../ports.js';
import type { ModelSegment, SegmentPolicy } from '../risk-model/model.js';
import { eraseSubject } from './erasure.js';
import { legalHold, policyOfSegment, retentionEndOf } from './legal-hold.js';
import type { SubjectEraser } from './ports.js';

/**
 * Days the DynamoDB TTL backstop waits after the retention end. The daily job erases a subject
 * (audited) when its retention ends; TTL only deletes what the job somehow missed, so it must never
 * win the race: a month covers a job that failed for weeks and an operator who fixed it.
 */
export const retentionGraceDays = 30;

/**
 * The TTL backstop of a customer, in epoch seconds: retention end plus the grace period. Undefined
 * while the relationship is active (nothing may expire then).
 */
export function retentionExpiresAt(
  profile: { relationshipEndedAt?: string },
  policy: SegmentPolicy,
): number | undefined {
  const end = retentionEndOf(profile, policy);
  return end === undefined ? undefined : Math.floor(end.getTime() / 1000) + retentionGraceDays * 86_400;
}

/** What the job needs of a profile: never personal data, not even sealed. */
export interface RetentionProfile {
  pseudonym: string;
  relationshipEndedAt?: string;
  /** The subject directory key; absent on profiles written before profiles carried it. */
  subjectLookup?: string;
}

/** A subject and the TTL (epoch seconds) its items must carry. */
export interface RetentionStamp {
  pseudonym: string;
  lookup: string | undefined;
  retainUntil: number;
}

/**
 * Port: the retention view of the tables. Reads are projected and batched; `stamp` and `unstamp`
 * write only items whose TTL differs, so a quiet day costs reads only.
 */
export interface RetentionStore {
  /** Profiles whose relationship ended, page by page (parallel scan, filtered and projected). */
  endedRelationships(): AsyncIterable<RetentionProfile[]>;
  /** Pseudonyms whose subject key carries a TTL, page by page: finds customers who came back. */
  stampedSubjects(): AsyncIterable<string[]>;
  /** The profiles (retention view) of these subjects that exist: one batched read. */
  relationshipsOf(pseudonyms: readonly string[]): Promise<Map<string, RetentionProfile>>;
  /** The segment in force of each subject that has an assignment: one batched read. */
  segmentsOf(pseudonyms: readonly string[]): Promise<Map<string, string>>;
  /** Sets each subject's TTL on every item it has in the retained tables; returns items written. */
  stamp(stamps: readonly RetentionStamp[]): Promise<number>;
  /** Removes the TTL from every item of these subjects; returns items written. */
  unstamp(subjects: readonly { pseudonym: string; lookup: string | undefined }[]): Promise<number>;
}

export interface RetentionDeps {
  store: RetentionStore;
  /** Segments of the published risk model (their policies set the retention). */
  segments: () => Promise<readonly ModelSegment[]>;
  eraser: SubjectEraser;
  audit: AuditLog;
}

export interface RetentionTotals {
  /** Customers whose relationship has ended. */
  ended: number;
  erased: number;
  /** Items whose TTL was set or moved (0 on a day when nothing changed). */
  itemsStamped: number;
  /** Customers who came back: their TTLs were removed. */
  reactivated: number;
  itemsUnstamped: number;
}

const retentionEnded = { reasonCode: 'RETENTION_ENDED', purpose: 'retention-ended' };

/**
 * The daily retention run. Every customer whose relationship ended is checked against the policy of
 * the segment in force (published model; default policy without an assignment) with the same rule
 * as a legal hold: once the retention period is over the subject is erased (crypto-shred, audited,
 * reason `RETENTION_ENDED`); until then its items carry the TTL backstop, refreshed every day since
 * the segment, the policy or the end date may have changed and writers replace whole items. Then
 * customers whose relationship is active again lose their TTLs. Nothing here assumes TTL deleted
 * anything (DynamoDB Local never expires items). `now` is a parameter so tests can run it later.
 */
export async function runRetention(deps: RetentionDeps, now: Date, runId: string): Promise<RetentionTotals> {
  const totals: RetentionTotals = { ended: 0, erased: 0, itemsStamped: 0, reactivated: 0, itemsUnstamped: 0 };
  const segments = await deps.segments();
  const system = { type: 'system' as const, id: 'privacy-scheduler' };
  for await (const page of deps.store.endedRelationships()) {
    const segmentOf = await deps.store.segmentsOf(page.map((p) => p.pseudonym));
    const due: RetentionProfile[] = [];
    const stamps: RetentionStamp[] = [];
    for (const profile of page) {
      const policy = policyOfSegment(segments, segmentOf.get(profile.pseudonym));
      const hold = legalHold(profile, policy, now);
      const retainUntil = retentionExpiresAt(profile, policy);
      if (!hold) due.push(profile);
      else if (retainUntil !== undefined)
        stamps.push({ pseudonym: profile.pseudonym, lookup: profile.subjectLookup, retainUntil });
    }
    totals.ended += page.length;
    totals.itemsStamped += await deps.store.stamp(stamps);
    // A few subjects at a time, as deferred erasures do: each is a handful of calls on shared tables.
    for (let i = 0; i < due.length; i += 8) {
      await Promise.all(
        due
          .slice(i, i + 8)
          .map((p) =>
            eraseSubject(
              { pseudonym: p.pseudonym, lookup: p.subjectLookup },
              deps,
              system,
              `${runId}#retention`,
              now,
              retentionEnded,
            ),
          ),
      );
    }
    totals.erased += due.length;
  }
  for await (const page of deps.store.stampedSubjects()) {
    const profiles = await deps.store.relationshipsOf(page);
    // A stamped key without a profile is left alone: nothing says the relationship is active.
    const active = [...profiles.values()].filter((p) => !p.relationshipEndedAt);
    totals.reactivated += active.length;
    totals.itemsUnstamped += await deps.store.unstamp(
      active.map((p) => ({ pseudonym: p.pseudonym, lookup: p.subjectLookup })),
    );
  }
  return totals;
}
