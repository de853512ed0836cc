import { createHash } from 'node:crypto';
import { auditEvent } from '../audit.js';
import { canonicalJson } from '../canonical.js';
import type {
  Assignment,
  AssignmentStore,
  AuditEvent,
  ProfileStore,
  SegmentationJob,
  TransactionStore,
} from '../ports.js';
import type { Assessment } from '../risk-model/index.js';
import { aggregateTransactions, counterpartyCounts } from './aggregates.js';

/** What segmentation needs from a published risk model (see shared/domain/risk-model). */
export interface PublishedModel {
  modelId: string;
  version: number;
  highRiskCountries: ReadonlySet<string>;
  policyOf(segment: string): string;
  evaluate(sources: {
    profile: object;
    transactions: object;
    feedback?: object;
  }): Omit<Assessment, 'modelId' | 'version'>;
}

export interface SegmentationDeps {
  profiles: Pick<ProfileStore, 'getMany'>;
  transactions: Pick<TransactionStore, 'listSince'>;
  assignments: Pick<AssignmentStore, 'get'>;
  model: PublishedModel;
  now: () => Date;
}

export class ProfileNotFoundError extends Error {
  constructor() {
    super('Profile not found for queued pseudonym');
    this.name = 'ProfileNotFoundError';
  }
}

export class ConcurrentAssignmentError extends Error {
  constructor() {
    super('Assignment changed concurrently; the record will be retried');
    this.name = 'ConcurrentAssignmentError';
  }
}

export type SegmentationOutcome = 'assigned' | 'changed' | 'confirmed' | 'unchanged';

/** A decision ready to commit, or nothing to do because the inputs did not change. */
export type SegmentationPlan =
  | { outcome: 'unchanged' }
  | { outcome: Exclude<SegmentationOutcome, 'unchanged'>; assignment: Assignment; audit: AuditEvent };

/**
 * Decides one customer's segment: loads its features and transactions and evaluates the published
 * model. The caller commits the assignment with its audit record in one transaction (see batch.ts).
 * When the inputs (features, aggregates, model version) are those of the stored assignment, there
 * is nothing to write: a redelivered message or a re-sent record cannot produce a second decision.
 */
export async function planSegmentation(
  job: SegmentationJob,
  deps: SegmentationDeps,
): Promise<SegmentationPlan> {
  const profile = (await deps.profiles.getMany([job.pseudonym])).get(job.pseudonym);
  if (!profile) throw new ProfileNotFoundError();
  const now = deps.now();
  const since = new Date(now.getTime() - 90 * 86_400_000).toISOString();
  const txns = await deps.transactions.listSince(job.pseudonym, since);
  const transactions = aggregateTransactions(txns, {
    now,
    homeCountries: profile.jurisdictions,
    highRiskCountries: deps.model.highRiskCountries,
  });
  const features = {
    customerType: profile.customerType,
    jurisdictions: profile.jurisdictions,
    attributes: profile.attributes,
    flags: profile.flags,
  };
  const result = deps.model.evaluate({ profile: features, transactions });
  const modelVersion = `${deps.model.modelId}@${deps.model.version}`;
  const inputDigest = createHash('sha256')
    .update(canonicalJson({ modelVersion, features, transactions }))
    .digest('base64url');

  const previous = await deps.assignments.get(job.pseudonym);
  if (previous?.inputDigest === inputDigest) return { outcome: 'unchanged' };

  const reasonCodes = [...new Set(result.firedRules.map((r) => r.reasonCode))];
  const assignment: Assignment = {
    pseudonym: job.pseudonym,
    segment: result.segment,
    score: result.score,
    firedRules: result.firedRules,
    reasonCodes,
    ...(result.overrideBy ? { overrideBy: result.overrideBy } : {}),
    missingVariables: result.missingVariables,
    modelId: deps.model.modelId,
    modelVersion: deps.model.version,
    policyRef: deps.model.policyOf(result.segment),
    listsAsOf: result.listsAsOf,
    inputDigest,
    inputs: {
      profile: features,
      transactions: { ...transactions },
      counterparties90d: counterpartyCounts(txns, now),
    },
    assignedAt: now.toISOString(),
    previousSegment: previous?.segment ?? null,
    revision: (previous?.revision ?? 0) + 1,
  };
  const outcome: SegmentationOutcome = !previous
    ? 'assigned'
    : previous.segment === result.segment
      ? 'confirmed'
      : 'changed';
  const audit = auditEvent({
    eventId: `segment#${String(assignment.revision).padStart(8, '0')}#${inputDigest}`,
    subject: job.pseudonym,
    actor: { type: 'system', id: 'segment-worker' },
    action: `segment.${outcome}` as 'segment.assigned' | 'segment.changed' | 'segment.confirmed',
    reasonCodes,
    modelVersion,
    requestId: job.requestId,
    at: now,
    details: {
      cause: job.cause,
      before: previous ? { segment: previous.segment, score: previous.score } : null,
      after: { segment: result.segment, score: result.score },
      firedRules: result.firedRules,
      overrideBy: result.overrideBy ?? null,
      listsAsOf: result.listsAsOf,
      revision: assignment.revision,
    },
  });
  return { outcome, assignment, audit };
}
