import { describe, expect, it } from 'vitest';
import {
  type CaseEffects,
  type CaseStore,
  type ComplianceCase,
  openCase,
  publishCaseEvents,
  transitionCase,
} from '../../shared/domain/cases/case.js';
import { reviewDueAt, runKycReviews } from '../../shared/domain/cases/kyc-reviews.js';
import type { WorkflowEvent } from '../../shared/domain/events/schemas.js';
import type { Assignment } from '../../shared/domain/ports.js';

const subject = `k1.${'A'.repeat(43)}`;
const now = new Date('2026-11-25T12:00:00Z');
const officer = { principalId: 'officer-1', role: 'compliance', requestId: 'req-1', now };

function memoryCases() {
  const items = new Map<string, ComplianceCase>();
  const effects: CaseEffects[] = [];
  const store: CaseStore = {
    get: async (id) => items.get(id),
    list: async ({ status }) => ({
      cases: [...items.values()].filter((c) => c.status === status),
      next: undefined,
    }),
    pendingOutbox: async () => [...items.values()].filter((c) => c.outbox === 'pending'),
    create: async (c) => {
      if (items.has(c.caseId)) return false;
      items.set(c.caseId, structuredClone(c));
      return true;
    },
    update: async (_previous, c, _audit, e) => {
      if (items.get(c.caseId)?.revision !== c.revision - 1) return false;
      items.set(c.caseId, structuredClone(c));
      if (e) effects.push(e);
      return true;
    },
  };
  return { store, items, effects };
}

describe('compliance cases', () => {
  it('refuses a case about an erased customer with SUBJECT_ERASED, and opens nothing', async () => {
    const { store, items } = memoryCases();
    const erasures = { isErased: async (p: string) => p === subject };

    await expect(
      openCase(
        { kind: 'compliance_review', subject, reasonCode: 'LATE' },
        { cases: store, erasures },
        officer,
      ),
    ).rejects.toMatchObject({ status: 410, code: 'SUBJECT_ERASED' });
    expect(items.size).toBe(0);
  });

  it('moves open → in_review → closed only, and closing records the outcome and the review', async () => {
    const { store, effects } = memoryCases();
    const { case: c } = await openCase(
      { kind: 'kyc_review', subject, reasonCode: 'KYC_REVIEW_DUE', dueAt: '2026-11-01', segment: 'high' },
      { cases: store },
      officer,
    );
    const close = {
      to: 'closed',
      outcome: { result: 'no_issue', reasonCode: 'KYC_REFRESHED', recordAuditOutcome: true },
    };
    await expect(transitionCase(c.caseId, close, { cases: store }, officer)).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
    });
    await transitionCase(c.caseId, { to: 'in_review' }, { cases: store }, officer);
    const closed = await transitionCase(
      c.caseId,
      close,
      { cases: store, feedbackAllowed: async () => false },
      officer,
    );

    expect(closed).toMatchObject({ status: 'closed', revision: 3, closedAt: now.toISOString() });
    expect(closed.pendingEvents).toBeUndefined();
    expect(effects).toEqual([
      {},
      {
        outcome: expect.objectContaining({
          pseudonym: subject,
          outcome: 'no_issue',
          source: `case:${c.caseId}`,
        }),
        review: { pseudonym: subject, at: now.toISOString(), caseId: c.caseId },
      },
    ]);
  });

  it('queues a survey request on closing when feedback is allowed, and publishing empties the outbox', async () => {
    const { store, items } = memoryCases();
    const { case: c } = await openCase(
      {
        kind: 'enhanced_due_diligence',
        subject,
        reasonCode: 'EDD_REQUIRED',
        segment: 'critical',
        triggerEventId: 'e1',
      },
      { cases: store },
      officer,
    );
    await transitionCase(c.caseId, { to: 'in_review' }, { cases: store }, officer);
    const close = {
      to: 'closed',
      outcome: { result: 'issue_found', reasonCode: 'SOURCE_OF_WEALTH_UNCLEAR' },
    };
    const closed = await transitionCase(
      c.caseId,
      close,
      { cases: store, feedbackAllowed: async () => true },
      officer,
    );
    expect(closed.pendingEvents?.map((e) => [e.detailType, e.detail])).toEqual([
      [
        'SurveyRequested',
        expect.objectContaining({ touchpoint: 'enhanced_due_diligence_completed', notBefore: '2026-12-02' }),
      ],
    ]);

    const published: WorkflowEvent[] = [];
    const sent = await publishCaseEvents(await store.pendingOutbox(10), {
      cases: store,
      events: { publish: async (e) => void published.push(...e) },
    });
    expect(sent).toBe(1);
    expect(published).toHaveLength(1);
    expect(items.get(c.caseId)).toMatchObject({ status: 'closed', revision: 4 });
    expect(items.get(c.caseId)?.outbox).toBeUndefined();
    expect(await store.pendingOutbox(10)).toEqual([]);
  });
});

describe('KYC review scheduler', () => {
  const assignment = (n: number, segment: string, assignedAt: string) =>
    ({ pseudonym: `k1.${String(n).repeat(43)}`, segment, assignedAt }) as Assignment;
  const intervals: Record<string, number> = { low: 60, high: 12 };
  const facts = async () => (segment: string) =>
    intervals[segment] === undefined
      ? undefined
      : {
          policyRef: segment.toUpperCase(),
          reviewIntervalMonths: intervals[segment] as number,
          policy: {
            monitoring: 'standard' as const,
            enhancedDueDiligence: false,
            alertOnEntry: false,
            retentionYearsAfterRelationship: 5,
            personalDataRoles: ['compliance' as const],
          },
        };

  it('computes due dates by calendar months', () => {
    expect(reviewDueAt('2025-11-25T10:00:00Z', 12)).toBe('2026-11-25');
    expect(reviewDueAt('2026-01-31', 1)).toBe('2026-02-28');
  });

  it('baselines new customers, finds overdue ones under the interval in force, and does it once', async () => {
    const { store } = memoryCases();
    const reviews = new Map<string, { lastReviewAt: string }>([
      // Reviewed 13 months ago: overdue under high (12), not under low (60).
      [`k1.${'1'.repeat(43)}`, { lastReviewAt: '2025-10-20T00:00:00Z' }],
      [`k1.${'2'.repeat(43)}`, { lastReviewAt: '2025-10-20T00:00:00Z' }],
    ]);
    const published: WorkflowEvent[] = [];
    const deps = {
      assignments: async function* () {
        yield [
          assignment(1, 'high', '2026-01-01T00:00:00Z'),
          assignment(2, 'low', '2026-01-01T00:00:00Z'),
          assignment(3, 'high', '2026-11-01T00:00:00Z'),
        ];
      },
      reviews: {
        getMany: async (ps: readonly string[]) => new Map([...reviews].filter(([p]) => ps.includes(p))),
        record: async (p: string, at: string) => void reviews.set(p, { lastReviewAt: at }),
      },
      cases: store,
      events: { publish: async (e: readonly WorkflowEvent[]) => void published.push(...e) },
      segmentFacts: facts,
    };

    const first = await runKycReviews(deps, now);
    expect(first).toEqual({ customers: 3, baselined: 1, overdue: 1, casesOpened: 1, eventsPublished: 1 });
    expect(published.map((e) => [e.detailType, e.detail.subject])).toEqual([
      ['KycReviewDue', `k1.${'1'.repeat(43)}`],
    ]);

    const second = await runKycReviews(deps, now);
    expect(second).toEqual({ customers: 3, baselined: 0, overdue: 1, casesOpened: 0, eventsPublished: 0 });
    expect(published).toHaveLength(1);
  });
});
