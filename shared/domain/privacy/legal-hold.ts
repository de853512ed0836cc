import { loadDefaultModel } from '../risk-model/default-model.js';
import {
  defaultSegmentPolicy,
  type ModelSegment,
  type SegmentPolicy,
  segmentPolicyOf,
} from '../risk-model/model.js';
import type { RiskModelStore } from '../risk-model/store.js';

/**
 * Why an erasure must wait. AML record keeping (e.g. EU AMLD Art. 40: five years after the business
 * relationship ends) overrides the right to erasure (GDPR Art. 17(3)(b)). While the relationship is
 * active the end of the hold is unknown (`until: null`).
 */
export type LegalHold =
  | { reason: 'relationship active'; until: null; retentionYears: number }
  | { reason: 'AML record keeping'; until: string; retentionYears: number };

/**
 * The hold on erasing a customer, or undefined when erasure may proceed now. A subject without a
 * profile (only ever rejected at ingest) has no records under AML record keeping: no hold.
 */
export function legalHold(
  profile: { relationshipEndedAt?: string } | undefined,
  policy: SegmentPolicy,
  now: Date,
): LegalHold | undefined {
  if (!profile) return undefined;
  const retentionYears = policy.retentionYearsAfterRelationship;
  const until = retentionEndOf(profile, policy);
  if (!until) return { reason: 'relationship active', until: null, retentionYears };
  return now.getTime() < until.getTime()
    ? { reason: 'AML record keeping', until: until.toISOString(), retentionYears }
    : undefined;
}

/**
 * When the records of a customer may go: the relationship end plus the retention years of the
 * segment's policy. Undefined while the relationship is active. The one computation behind legal
 * holds, the retention job and the TTL backstop.
 */
export function retentionEndOf(
  profile: { relationshipEndedAt?: string },
  policy: SegmentPolicy,
): Date | undefined {
  if (!profile.relationshipEndedAt) return undefined;
  return addYears(new Date(profile.relationshipEndedAt), policy.retentionYearsAfterRelationship);
}

/** Calendar years in UTC; 29 February plus a year lands on 1 March (never earlier than a full year). */
export function addYears(date: Date, years: number): Date {
  const out = new Date(date.getTime());
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/** The policy of a segment under the model in force; the default policy for none or an unknown one. */
export function policyOfSegment(
  segments: readonly ModelSegment[],
  segment: string | undefined,
): SegmentPolicy {
  const found = segment === undefined ? undefined : segments.find((s) => s.name === segment);
  return found ? segmentPolicyOf(found) : defaultSegmentPolicy;
}

/**
 * The segments of the published risk model (the shipped default before any publication). Only the
 * document is read, not compiled: retention needs the segments' policies, not the rules.
 */
export function publishedSegments(
  store: Pick<RiskModelStore, 'published' | 'get'>,
): () => Promise<readonly ModelSegment[]> {
  return async () => {
    const pointer = await store.published();
    const stored = pointer ? await store.get(pointer.modelId, pointer.version) : undefined;
    return (stored?.document ?? loadDefaultModel()).segments;
  };
}
