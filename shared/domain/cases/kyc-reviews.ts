import { addMonths, kycReviewDue, type SegmentFacts } from '../events/builders.js';
import type { WorkflowEventPublisher } from '../events/ports.js';
import type { WorkflowEvent } from '../events/schemas.js';
import type { Assignment } from '../ports.js';
import {
  type CaseStore,
  type ComplianceCase,
  type KycReviewLog,
  openCase,
  publishCaseEvents,
} from './case.js';

export interface KycSchedulerDeps {
  assignments: () => AsyncIterable<Assignment[]>;
  reviews: KycReviewLog;
  cases: CaseStore;
  events: WorkflowEventPublisher;
  /** The meaning of each segment under the published model. */
  segmentFacts: () => Promise<(segment: string) => SegmentFacts | undefined>;
}

export interface KycSchedulerReport {
  customers: number;
  /** Customers seen for the first time: their first review cycle starts at their assignment. */
  baselined: number;
  overdue: number;
  casesOpened: number;
  eventsPublished: number;
}

/** A review is due when the interval of the customer's current segment has passed since the last one. */
export function reviewDueAt(lastReviewAt: string, reviewIntervalMonths: number): string {
  return addMonths(lastReviewAt, reviewIntervalMonths);
}

/**
 * The daily KYC review run: for every assigned customer, the review interval of the segment in
 * force (segment policy) since the last review says whether a review is overdue. An overdue
 * customer gets one `kyc_review` case per due date and one KycReviewDue event; a later run finds
 * the case and neither opens another nor publishes again. An event that failed to publish is
 * published by the next run (the case remembers it was not).
 */
export async function runKycReviews(deps: KycSchedulerDeps, now: Date): Promise<KycSchedulerReport> {
  const report: KycSchedulerReport = {
    customers: 0,
    baselined: 0,
    overdue: 0,
    casesOpened: 0,
    eventsPublished: 0,
  };
  const segmentFacts = await deps.segmentFacts();
  const today = now.toISOString().slice(0, 10);
  for await (const page of deps.assignments()) {
    report.customers += page.length;
    const reviews = await deps.reviews.getMany(page.map((a) => a.pseudonym));
    const unseen = page.filter((a) => !reviews.has(a.pseudonym));
    await Promise.all(unseen.map((a) => deps.reviews.record(a.pseudonym, a.assignedAt, 'baseline', null)));
    report.baselined += unseen.length;
    const owed: { event: WorkflowEvent; c: ComplianceCase }[] = [];
    for (const a of page) {
      const facts = segmentFacts(a.segment);
      if (!facts) continue;
      const last = reviews.get(a.pseudonym)?.lastReviewAt ?? a.assignedAt;
      const dueAt = reviewDueAt(last, facts.reviewIntervalMonths);
      if (dueAt > today) continue;
      report.overdue += 1;
      const event = kycReviewDue({
        subject: a.pseudonym,
        segment: a.segment,
        facts,
        lastReviewAt: last,
        now,
      });
      const opened = await openCase(
        {
          kind: 'kyc_review',
          subject: a.pseudonym,
          reasonCode: 'KYC_REVIEW_DUE',
          dueAt,
          segment: a.segment,
          triggerEventId: event.detail.eventId,
        },
        deps,
        { system: 'kycReviewScheduler', requestId: `kyc-${today}`, now },
      );
      if (opened.created) report.casesOpened += 1;
      if (!opened.case.eventPublished) owed.push({ event, c: opened.case });
    }
    if (owed.length === 0) continue;
    await deps.events.publish(owed.map((o) => o.event));
    report.eventsPublished += owed.length;
    for (const { c } of owed) {
      // Bookkeeping only (no audit record): if it fails, the next run publishes the event again.
      await deps.cases.update(c, { ...c, eventPublished: true, revision: c.revision + 1 }, undefined);
    }
  }
  // Events cases still owe the bus (a publication that failed after a case was closed).
  report.eventsPublished += await publishCaseEvents(await deps.cases.pendingOutbox(500), deps);
  return report;
}
