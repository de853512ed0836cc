import { createHash } from 'node:crypto';
import { auditEvent } from '../audit.js';
import { canonicalJson } from '../canonical.js';
import { eventsForSegmentDecision, type SegmentFacts } from '../events/builders.js';
import type { EventOutbox, WorkflowEventPublisher } from '../events/ports.js';
import type { WorkflowEvent } from '../events/schemas.js';
import type { FeedbackStore } from '../feedback/store.js';
import { checkLawfulBasis } from '../lawful-basis.js';
import type {
  Assignment,
  AssignmentStore,
  AuditEvent,
  Override,
  OverrideStore,
  ProfileStore,
  SegmentationJob,
  TransactionStore,
} from '../ports.js';
import { type Assessment, RuleEvaluationError } from '../risk-model/index.js';
import type { Scorer } from '../scoring/published.js';
import { type FoldedInputs, readDecisionInputs, storedDecisionInputs } from './decision-inputs.js';
import {
  decidedBy,
  earliest,
  firstOutcomeChange,
  modelsInUse,
  nextInputChange,
  sameVersions,
} from './freshness.js';
import { pinInForceOf } from './pin-shapes.js';

/** What segmentation needs from a published risk model (see shared/domain/risk-model). */
export interface PublishedModel {
  modelId: string;
  version: number;
  highRiskCountries: ReadonlySet<string>;
  policyOf(segment: string): string;
  /** 0 for the least severe segment, rising with severity. */
  severityOf(segment: string): number;
  downgradeCooldownDays: number;
  /** Policy and review interval of a segment, for the workflow events a decision causes. */
  segmentFacts?(segment: string): SegmentFacts | undefined;
  evaluate(sources: {
    profile: object;
    transactions: object;
    feedback?: object;
    score?: object;
  }): Omit<Assessment, 'modelId' | 'version'>;
}

export interface SegmentationDeps {
  /** Recent survey responses of the customer: the `feedback` source of the rules. */
  feedback?: Pick<FeedbackStore, 'listSince'>;
  /** The predictive model in use, if any: its score is the `score` source of the rules. */
  scorer?: Scorer;
  /**
   * The models come from a cache that may predate a publication: a stored decision made by other
   * models then fails with StaleModelError, to be decided again once they are read afresh.
   */
  modelsCached?: boolean;
  /**
   * How many later input boundaries a decision evaluates to find when its outcome changes
   * (default `outcomeLookahead`); 0 rechecks at the first input change.
   */
  outcomeLookahead?: number;
  /** Active or expired pins of the customers at hand (expired ones are ignored). */
  overrides?: Pick<OverrideStore, 'getMany'>;
  profiles: Pick<ProfileStore, 'getMany'>;
  transactions: Pick<TransactionStore, 'listSince'>;
  assignments: Pick<AssignmentStore, 'get'>;
  model: PublishedModel;
  now: () => Date;
  /**
   * Where decisions announce themselves (SegmentChanged, EnhancedDueDiligenceRequired, ...). Without
   * it no events are planned, so nothing accumulates in an outbox nobody empties (simulations, tests).
   */
  events?: { publisher: WorkflowEventPublisher; outbox: EventOutbox };
  /**
   * Whether the audit trail records the erasure of a pseudonym. A job queued before its subject was
   * erased finds no profile; that is the expected end of the job, not a failure for the DLQ. A
   * pseudonym that never had a profile still fails.
   */
  wasErased?: (pseudonym: string) => Promise<boolean>;
}

/** An assignment as stored, with the events it still owes the bus (cleared once they are published). */
export type AssignmentWithOutbox = Assignment & { pendingEvents?: WorkflowEvent[] };

export class ProfileNotFoundError extends Error {
  constructor() {
    super('Profile not found for queued pseudonym');
    this.name = 'ProfileNotFoundError';
  }
}

/**
 * The stored decision was made by other models than the ones this container caches, which may be
 * a publication it has not seen yet: deciding now could undo it. The caller re-reads the models
 * (see `modelsCached`) and decides again.
 */
export class StaleModelError extends Error {
  constructor() {
    super('The stored decision comes from other models than the cached ones');
    this.name = 'StaleModelError';
  }
}

export class ConcurrentAssignmentError extends Error {
  constructor() {
    super('Assignment changed concurrently; the record will be retried');
    this.name = 'ConcurrentAssignmentError';
  }
}

/** `erased`: the subject was erased after the job was queued; there is nothing left to segment. */
export type SegmentationOutcome = 'assigned' | 'changed' | 'confirmed' | 'unchanged' | 'erased';

/**
 * A decision ready to commit, or nothing to do because the inputs did not change. `events` are what
 * must reach the bus once the decision is committed: the decision's own plus any its stored
 * predecessor still owes (for `unchanged`, only those: a redelivery after a failed publication).
 */
export type SegmentationPlan =
  | {
      outcome: 'unchanged';
      events: WorkflowEvent[];
      revision: number;
      /**
       * Set when the stored decision lacks the current `recheckAt` or `dueAt` (stored before
       * decisions had them).
       */
      refreshRecheckAt?: { recheckAt: string | null; dueAt: string | null };
    }
  | {
      outcome: Exclude<SegmentationOutcome, 'unchanged'>;
      assignment: AssignmentWithOutbox;
      audit: AuditEvent;
      events: WorkflowEvent[];
    };

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
  const features = {
    customerType: profile.customerType,
    jurisdictions: profile.jurisdictions,
    attributes: profile.attributes,
    flags: profile.flags,
  };
  const [previous, pins] = await Promise.all([
    deps.assignments.get(job.pseudonym),
    deps.overrides ? deps.overrides.getMany([job.pseudonym]) : Promise.resolve(new Map<string, Override>()),
  ]);
  const inUse = modelsInUse(deps.model, deps.scorer);
  const otherModels = previous !== undefined && !sameVersions(decidedBy(previous), inUse);
  if (deps.modelsCached && otherModels) throw new StaleModelError();
  // Queued by a run because a model changed: the inputs kept with the decision, when still exact.
  // Any other run job reads afresh, so the decision can look ahead for its next outcome change.
  const stored =
    job.expects && previous && otherModels
      ? storedDecisionInputs(
          previous,
          features,
          deps.model.highRiskCountries,
          deps.feedback !== undefined,
          now,
        )
      : undefined;
  const { transactions, counterparties90d, feedback, changesAt, timeline } =
    stored ?? (await readDecisionInputs(profile, deps, now));
  const assess = (inputs: FoldedInputs) => {
    const scored = deps.scorer?.({ profile: features, transactions: { ...inputs.transactions } });
    const result = deps.model.evaluate({
      profile: features,
      transactions: inputs.transactions,
      ...(inputs.feedback ? { feedback: inputs.feedback } : {}),
      ...(scored ? { score: scored.source } : {}),
    });
    return { scored, result };
  };
  const { scored, result } = assess({ transactions, ...(feedback ? { feedback } : {}) });
  // Inputs read afresh show when the outcome changes; kept ones only when they stop being exact.
  const outcomeChangesAt = () =>
    timeline
      ? firstOutcomeChange(
          timeline.changes,
          outcomeKey(result),
          (moment) => {
            try {
              return outcomeKey(assess(timeline.at(moment)).result);
            } catch (error) {
              // A rule that fails on those inputs fails then, not now: re-evaluate at that moment.
              if (error instanceof RuleEvaluationError) return 'failed';
              throw error;
            }
          },
          deps.outcomeLookahead,
        )
      : changesAt;
  const modelVersion = inUse.model;
  const inForce = decideInForce(result.segment, previous, pins.get(job.pseudonym), deps.model, now);
  // The decision state (pin, cooldown due or not) is part of the inputs: when it changes, so does the decision.
  const inputDigest = createHash('sha256')
    .update(
      canonicalJson({
        modelVersion,
        features,
        transactions,
        state: inForce.state,
        feedback,
        scoring: scored?.prediction.model,
      }),
    )
    .digest('base64url');
  const owed = (previous as AssignmentWithOutbox | undefined)?.pendingEvents ?? [];
  const stateChangesAt = nextInputChange({
    now,
    pinExpiresAt: inForce.pinned?.expiresAt,
    held: inForce.downgradePendingSince
      ? { since: inForce.downgradePendingSince, cooldownDays: deps.model.downgradeCooldownDays }
      : undefined,
  });
  const recheckAt = earliest(changesAt, stateChangesAt);
  const unchanged = previous?.inputDigest === inputDigest;
  // Same digest and same next input change: the same boundaries lie ahead, so a stored dueAt
  // still to come holds and the look-ahead (hundreds of evaluations) is skipped, as on
  // redeliveries and full runs over customers whose inputs did not move. One that has passed
  // (a run made the customer due) is worked out again.
  const storedDueAt = unchanged && previous.recheckAt === recheckAt ? previous.dueAt : undefined;
  const dueAt =
    storedDueAt !== undefined && (storedDueAt === null || storedDueAt > now.toISOString())
      ? storedDueAt
      : earliest(outcomeChangesAt(), stateChangesAt);
  if (unchanged) {
    return {
      outcome: 'unchanged',
      events: owed,
      revision: previous.revision,
      ...(previous.recheckAt === recheckAt && previous.dueAt === dueAt
        ? {}
        : { refreshRecheckAt: { recheckAt, dueAt } }),
    };
  }

  const reasonCodes = [...new Set(result.firedRules.map((r) => r.reasonCode))];
  const assignment: AssignmentWithOutbox = {
    pseudonym: job.pseudonym,
    segment: inForce.segment,
    modelSegment: result.segment,
    ...(inForce.pinned ? { pinned: inForce.pinned } : {}),
    ...(inForce.downgradePendingSince ? { downgradePendingSince: inForce.downgradePendingSince } : {}),
    score: result.score,
    firedRules: result.firedRules,
    reasonCodes,
    ...(result.overrideBy ? { overrideBy: result.overrideBy } : {}),
    missingVariables: result.missingVariables,
    modelId: deps.model.modelId,
    modelVersion: deps.model.version,
    policyRef: deps.model.policyOf(inForce.segment),
    listsAsOf: result.listsAsOf,
    inputDigest,
    inputs: {
      profile: features,
      transactions: { ...transactions },
      counterparties90d,
      ...(feedback ? { feedback: { ...feedback } } : {}),
    },
    ...(scored ? { prediction: scored.prediction } : {}),
    assignedAt: now.toISOString(),
    recheckAt,
    dueAt,
    previousSegment: previous?.segment ?? null,
    revision: (previous?.revision ?? 0) + 1,
  };
  const outcome: SegmentationOutcome = !previous
    ? 'assigned'
    : previous.segment === inForce.segment
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
      after: { segment: inForce.segment, score: result.score },
      modelSegment: result.segment,
      pinned: inForce.pinned ?? null,
      downgradePendingSince: inForce.downgradePendingSince ?? null,
      firedRules: result.firedRules,
      overrideBy: result.overrideBy ?? null,
      listsAsOf: result.listsAsOf,
      revision: assignment.revision,
      // The score alone: the variables behind it are read from the decision's inputs when asked.
      ...(scored
        ? {
            prediction: {
              model: scored.prediction.model,
              score: scored.prediction.score,
              probability: scored.prediction.probability,
            },
          }
        : {}),
    },
  });
  const events = deps.events
    ? mergeEvents(
        owed,
        eventsForSegmentDecision({
          assignment,
          cause: job.cause,
          segmentFacts: (segment) => deps.model.segmentFacts?.(segment),
          severityOf: (segment) => deps.model.severityOf(segment),
          feedbackAllowed: checkLawfulBasis(profile.lawfulBasis, 'feedback', now).ok,
          ...(feedback ? { feedback } : {}),
        }),
      )
    : owed;
  // Written with the decision, in the same transaction: committed means the events cannot be lost.
  if (events.length > 0) assignment.pendingEvents = events;
  return { outcome, assignment, audit, events };
}

/**
 * What a re-evaluation could change: fired rules, score, segment, override, missing variables.
 * Aggregates or the predictive model's probability moving without touching any of these leave the
 * decision as it is (its recorded inputs are those of the moment it was made).
 */
function outcomeKey(result: Omit<Assessment, 'modelId' | 'version'>): string {
  // Computed at up to outcomeLookahead moments per decision: plain JSON of a fixed shape.
  return JSON.stringify([
    result.segment,
    result.score,
    result.overrideBy ?? null,
    result.firedRules.map((r) => r.ruleId),
    result.missingVariables,
  ]);
}

function mergeEvents(owed: readonly WorkflowEvent[], fresh: readonly WorkflowEvent[]): WorkflowEvent[] {
  const ids = new Set(owed.map((e) => e.detail.eventId));
  return [...owed, ...fresh.filter((e) => !ids.has(e.detail.eventId))];
}

interface InForce {
  segment: string;
  pinned?: Assignment['pinned'];
  downgradePendingSince?: string;
  state: string;
}

/**
 * Which segment applies: an unexpired pin wins (the model's view is still recorded); otherwise
 * upgrades apply at once, and a downgrade waits until the model has said "lower" for the model's
 * cooldown, so customers do not flap between segments.
 */
export function decideInForce(
  modelSegment: string,
  previous: Assignment | undefined,
  pin: Override | undefined,
  model: Pick<PublishedModel, 'severityOf' | 'downgradeCooldownDays'>,
  now: Date,
): InForce {
  if (pin && Date.parse(pin.expiresAt) > now.getTime()) {
    return {
      segment: pin.segment,
      pinned: pinInForceOf(pin),
      state: `pin:v${pin.schemaVersion}:${pin.segment}:${pin.expiresAt}:${pin.pinnedAt}`,
    };
  }
  const cooldownMs = model.downgradeCooldownDays * 86_400_000;
  const lower = previous && model.severityOf(modelSegment) < model.severityOf(previous.segment);
  if (!previous || !lower || cooldownMs === 0) return { segment: modelSegment, state: 'model' };
  const since = previous.downgradePendingSince ?? now.toISOString();
  if (now.getTime() - Date.parse(since) >= cooldownMs) return { segment: modelSegment, state: 'model' };
  return {
    segment: previous.segment,
    downgradePendingSince: since,
    state: `held:${previous.segment}:${since}`,
  };
}
