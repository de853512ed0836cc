/**
 * Builders for workflow events: producers call one function with the facts they already hold and
 * get validated events back. Every `eventId` is a digest of the fact (never a clock or a random
 * id), so a retried or redelivered publication carries the same ids and consumers can dedupe.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical.js';
import type { BlindSpot } from '../feedback/nps.js';
import { type FeedbackSignals, needsComplianceReview } from '../feedback/signals.js';
import type { Assignment, SegmentationCause } from '../ports.js';
import type { SegmentPolicy } from '../risk-model/model.js';
import {
  type DetailOf,
  eventSource,
  type WorkflowEvent,
  type WorkflowEventType,
  workflowEventSchema,
} from './schemas.js';

/** Deterministic event id: SHA-256 (base64url) of the event type and the parts naming the fact. */
export function eventIdOf(type: WorkflowEventType, ...fact: readonly unknown[]): string {
  return createHash('sha256')
    .update(canonicalJson([type, ...fact]))
    .digest('base64url');
}

/** Wraps and validates a detail: a builder can never hand out an event its schema rejects. */
export function workflowEvent<T extends WorkflowEventType>(type: T, detail: DetailOf<T>): WorkflowEvent {
  return workflowEventSchema.parse({ source: eventSource, detailType: type, detail }) as WorkflowEvent;
}

/** What a segment means, as events report it (SegmentPolicy without who may decrypt). */
export interface SegmentFacts {
  policyRef: string;
  reviewIntervalMonths: number;
  policy: SegmentPolicy;
}

/** Adds whole calendar months in UTC, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.toISOString().slice(0, 10);
}

const addDays = (iso: string, days: number) =>
  new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);

/** How long after the touchpoint a survey may be sent (docs/events.md, SurveyRequested). */
export const surveyDelayDays = {
  segment_changed: 14,
  enhanced_due_diligence: 30,
  kyc_review_completed: 7,
  enhanced_due_diligence_completed: 7,
} as const;

/**
 * A survey after a compliance case was closed (a periodic KYC review or enhanced due diligence
 * completed): the moment that tells whether the measure itself hurt the customer experience.
 */
export function surveyAfterCase(input: {
  caseId: string;
  subject: string;
  segment: string;
  touchpoint: 'kyc_review_completed' | 'enhanced_due_diligence_completed';
  now: Date;
}): WorkflowEvent {
  const occurredAt = input.now.toISOString();
  return workflowEvent('SurveyRequested', {
    schemaVersion: 1,
    eventId: eventIdOf('SurveyRequested', 'case', input.caseId),
    occurredAt,
    subject: input.subject,
    touchpoint: input.touchpoint,
    segment: input.segment,
    previousSegment: null,
    survey: 'nps',
    notBefore: addDays(occurredAt, surveyDelayDays[input.touchpoint]),
    purpose: 'feedback',
  });
}

export interface SegmentDecision {
  /** The committed assignment (its `previousSegment`, `revision` and `inputDigest` name the decision). */
  assignment: Assignment;
  cause: SegmentationCause;
  /** The segment's meaning under the model that decided; undefined for a segment the model lacks. */
  segmentFacts: (segment: string) => SegmentFacts | undefined;
  severityOf: (segment: string) => number;
  /** A valid lawful basis for the purpose `feedback`: without it nobody asks the customer anything. */
  feedbackAllowed: boolean;
  /** The customer's recent survey signals, if any. */
  feedback?: FeedbackSignals;
}

/**
 * The events one segmentation decision causes:
 * - `SegmentChanged` when the segment in force differs from the previous one, with `alert` when the
 *   new segment's policy says alertOnEntry. A first assignment (change `assigned`) is announced
 *   only into a segment whose policy says alertOnEntry or requires EDD: onboarding a million low-risk customers
 *   would otherwise be a million events nobody acts on (EventBridge bills each one, and the
 *   outbox they ride in doubles the assignment's size); the API and the segment snapshots have them;
 * - `EnhancedDueDiligenceRequired` when the new segment requires EDD and the previous did not
 *   (or there was none);
 * - `SurveyRequested` after such a compliance touchpoint, when the customer's lawful basis for
 *   feedback holds (EDD, or a change of an existing customer's segment);
 * - `ComplianceReviewSuggested` when a customer the policy treats as low risk (no EDD, standard
 *   monitoring) reports severe friction (see needsComplianceReview).
 */
export function eventsForSegmentDecision(decision: SegmentDecision): WorkflowEvent[] {
  const { assignment: a } = decision;
  const facts = decision.segmentFacts(a.segment);
  if (!facts) return [];
  const before = a.previousSegment;
  const decisionKey = [a.pseudonym, a.revision, a.inputDigest];
  const policy = {
    policyRef: facts.policyRef,
    monitoring: facts.policy.monitoring,
    enhancedDueDiligence: facts.policy.enhancedDueDiligence,
    alertOnEntry: facts.policy.alertOnEntry,
    reviewIntervalMonths: facts.reviewIntervalMonths,
  };
  const occurredAt = a.assignedAt;
  const kycReviewDueBy = addMonths(a.assignedAt, facts.reviewIntervalMonths);
  const changed = before !== a.segment;
  const alert = changed && facts.policy.alertOnEntry;
  const events: WorkflowEvent[] = [];

  // A first assignment is announced when someone must act on it: an alert, or due diligence.
  const announced = before !== null || facts.policy.alertOnEntry || facts.policy.enhancedDueDiligence;
  if (changed && announced) {
    events.push(
      workflowEvent('SegmentChanged', {
        schemaVersion: 1,
        eventId: eventIdOf('SegmentChanged', ...decisionKey),
        occurredAt,
        subject: a.pseudonym,
        segmentBefore: before,
        segmentAfter: a.segment,
        change:
          before === null
            ? 'assigned'
            : decision.severityOf(a.segment) > decision.severityOf(before)
              ? 'raised'
              : 'lowered',
        modelSegment: a.modelSegment,
        pinned: a.pinned !== undefined,
        score: a.score,
        reasonCodes: a.reasonCodes,
        modelVersion: `${a.modelId}@${a.modelVersion}`,
        revision: a.revision,
        cause: decision.cause,
        policy,
        alert,
        kycReviewDueBy,
      }),
    );
  }
  const eddBefore =
    before === null ? false : (decision.segmentFacts(before)?.policy.enhancedDueDiligence ?? false);
  const eddStarts = changed && facts.policy.enhancedDueDiligence && !eddBefore;
  if (eddStarts) {
    events.push(
      workflowEvent('EnhancedDueDiligenceRequired', {
        schemaVersion: 1,
        eventId: eventIdOf('EnhancedDueDiligenceRequired', ...decisionKey),
        occurredAt,
        subject: a.pseudonym,
        segment: a.segment,
        previousSegment: before,
        reasonCodes: a.reasonCodes,
        modelVersion: `${a.modelId}@${a.modelVersion}`,
        revision: a.revision,
        policy,
        alert,
        kycReviewDueBy,
      }),
    );
  }
  const touchpoint = eddStarts
    ? 'enhanced_due_diligence'
    : changed && before !== null
      ? 'segment_changed'
      : undefined;
  if (touchpoint && decision.feedbackAllowed) {
    events.push(
      workflowEvent('SurveyRequested', {
        schemaVersion: 1,
        eventId: eventIdOf('SurveyRequested', ...decisionKey),
        occurredAt,
        subject: a.pseudonym,
        touchpoint,
        segment: a.segment,
        previousSegment: before,
        survey: 'nps',
        notBefore: addDays(occurredAt, surveyDelayDays[touchpoint]),
        purpose: 'feedback',
      }),
    );
  }
  const lowRisk = !facts.policy.enhancedDueDiligence && facts.policy.monitoring === 'standard';
  if (lowRisk && decision.feedback && needsComplianceReview(decision.feedback)) {
    const f = decision.feedback;
    const evidence = {
      npsScore: f.npsScore ?? null,
      satisfaction90d: f.satisfaction90d ?? null,
      frictionResponses90d: f.frictionThemes90d,
      responses90d: f.responses90d,
      nps: null,
      previousNps: null,
      detractorShare: null,
      previousDetractorShare: null,
    };
    events.push(
      workflowEvent('ComplianceReviewSuggested', {
        schemaVersion: 1,
        // The same feedback evidence in the same segment is one suggestion, however often re-segmented.
        eventId: eventIdOf('ComplianceReviewSuggested', a.pseudonym, a.segment, evidence),
        occurredAt,
        subject: a.pseudonym,
        scope: 'customer',
        segment: a.segment,
        reasonCode: 'LOW_RISK_SEVERE_FRICTION',
        period: null,
        evidence,
      }),
    );
  }
  return events;
}

/** A segment whose customers' satisfaction falls (feedback blind spot) for `period` (YYYY-MM). */
export function complianceReviewForBlindSpot(spot: BlindSpot, period: string, at: Date): WorkflowEvent {
  return workflowEvent('ComplianceReviewSuggested', {
    schemaVersion: 1,
    eventId: eventIdOf('ComplianceReviewSuggested', spot.segment, period, spot.reason),
    occurredAt: at.toISOString(),
    subject: null,
    scope: 'segment',
    segment: spot.segment,
    reasonCode: spot.reason,
    period,
    evidence: {
      npsScore: null,
      satisfaction90d: null,
      frictionResponses90d: null,
      responses90d: null,
      nps: spot.nps,
      previousNps: spot.previousNps,
      detractorShare: spot.detractorShare,
      previousDetractorShare: spot.previousDetractorShare,
    },
  });
}

/** A customer whose periodic KYC review is due (for the review scheduler). One event per due date. */
export function kycReviewDue(input: {
  subject: string;
  segment: string;
  facts: SegmentFacts;
  lastReviewAt: string;
  now: Date;
}): WorkflowEvent {
  const dueAt = addMonths(input.lastReviewAt, input.facts.reviewIntervalMonths);
  const overdueDays = Math.max(0, Math.floor((input.now.getTime() - Date.parse(dueAt)) / 86_400_000));
  return workflowEvent('KycReviewDue', {
    schemaVersion: 1,
    eventId: eventIdOf('KycReviewDue', input.subject, dueAt),
    occurredAt: input.now.toISOString(),
    subject: input.subject,
    segment: input.segment,
    policyRef: input.facts.policyRef,
    reviewIntervalMonths: input.facts.reviewIntervalMonths,
    lastReviewAt: input.lastReviewAt.slice(0, 10),
    dueAt,
    overdueDays,
  });
}
