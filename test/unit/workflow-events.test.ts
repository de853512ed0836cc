import { describe, expect, it } from 'vitest';
import {
  addMonths,
  complianceReviewForBlindSpot,
  detailSchemas,
  eventsForSegmentDecision,
  kycReviewDue,
  parseDetail,
  type SegmentDecision,
  type SegmentFacts,
  type WorkflowEvent,
  workflowEventTypes,
} from '../../shared/domain/events/index.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { defaultPublishedModel } from '../../shared/domain/segmentation/published-model.js';

const model = defaultPublishedModel().published;
const pseudonym = `k1.${'Q'.repeat(43)}`;

function assignment(over: Partial<Assignment> = {}): Assignment {
  return {
    pseudonym,
    segment: 'high',
    modelSegment: 'high',
    score: 30,
    firedRules: [{ ruleId: 'pep', points: 30, reasonCode: 'PEP' }],
    reasonCodes: ['PEP'],
    overrideBy: 'pep',
    missingVariables: [],
    modelId: 'aml-default',
    modelVersion: 1,
    policyRef: 'EDD',
    listsAsOf: {},
    inputDigest: 'tKx3F3sMCEVLAIruRnZhy7UZSvvO9cHUwg-Q-n6Wihw',
    inputs: {
      profile: { customerType: 'individual', jurisdictions: [], attributes: {}, flags: {} },
      transactions: {},
      counterparties90d: {},
    },
    assignedAt: '2026-01-31T09:00:00.000Z',
    previousSegment: null,
    revision: 1,
    ...over,
  };
}

function decision(over: Partial<SegmentDecision> = {}): SegmentDecision {
  return {
    assignment: assignment(),
    cause: 'profile',
    segmentFacts: (s) => model.segmentFacts?.(s),
    severityOf: (s) => model.severityOf(s),
    feedbackAllowed: false,
    ...over,
  };
}

const types = (events: WorkflowEvent[]) => events.map((e) => e.detailType);

/** Keys and values that would be personal data or clear identifiers if they ever reached an event. */
const personalLooking = /externalId|"name"|email|phone|address|birth|iban|comment|"text"/i;

describe('eventsForSegmentDecision', () => {
  it('first assignment: announced into an alert or EDD segment, silent into a quiet one', () => {
    // Prepare: a custom model whose EDD segment raises no alert.
    const eddWithoutAlert = (s: string): SegmentFacts | undefined => {
      const facts = model.segmentFacts?.(s);
      return facts && { ...facts, policy: { ...facts.policy, alertOnEntry: false } };
    };

    // Act
    const quiet = eventsForSegmentDecision(
      decision({ assignment: assignment({ segment: 'low', modelSegment: 'low', policyRef: 'STANDARD' }) }),
    );
    const edd = eventsForSegmentDecision(decision({ segmentFacts: eddWithoutAlert }));

    // Assess
    expect(types(quiet)).toEqual([]);
    expect(types(edd)).toEqual(['SegmentChanged', 'EnhancedDueDiligenceRequired']);
    expect(parseDetail('SegmentChanged', edd[0]?.detail).alert).toBe(false);
  });

  it('first assignment into an EDD segment: SegmentChanged (assigned, alert) and EnhancedDueDiligenceRequired', () => {
    // Act
    const events = eventsForSegmentDecision(decision());

    // Assess
    expect(types(events)).toEqual(['SegmentChanged', 'EnhancedDueDiligenceRequired']);
    const changed = parseDetail('SegmentChanged', events[0]?.detail);
    expect(changed).toMatchObject({
      schemaVersion: 1,
      subject: pseudonym,
      segmentBefore: null,
      segmentAfter: 'high',
      change: 'assigned',
      alert: true,
      modelVersion: 'aml-default@1',
      reasonCodes: ['PEP'],
      policy: {
        policyRef: 'EDD',
        enhancedDueDiligence: true,
        monitoring: 'enhanced',
        reviewIntervalMonths: 12,
      },
      // 31 January + 12 months; the date arithmetic clamps month ends (see addMonths).
      kycReviewDueBy: '2027-01-31',
      occurredAt: '2026-01-31T09:00:00.000Z',
    });
    expect(parseDetail('EnhancedDueDiligenceRequired', events[1]?.detail)).toMatchObject({
      segment: 'high',
      previousSegment: null,
      alert: true,
    });
  });

  it('the same decision always yields the same event ids; another revision other ids', () => {
    // Act
    const first = eventsForSegmentDecision(decision()).map((e) => e.detail.eventId);
    const again = eventsForSegmentDecision(decision()).map((e) => e.detail.eventId);
    const later = eventsForSegmentDecision(decision({ assignment: assignment({ revision: 2 }) })).map(
      (e) => e.detail.eventId,
    );

    // Assess
    expect(again).toEqual(first);
    expect(new Set([...first, ...later]).size).toBe(first.length + later.length);
    for (const id of first) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('high to critical: a raised segment but no new EDD (high already required it)', () => {
    // Act
    const events = eventsForSegmentDecision(
      decision({ assignment: assignment({ segment: 'critical', previousSegment: 'high', revision: 2 }) }),
    );

    // Assess
    expect(types(events)).toEqual(['SegmentChanged']);
    expect(events[0]?.detail).toMatchObject({ change: 'raised', alert: true, kycReviewDueBy: '2026-07-31' });
  });

  it('a confirmed segment emits nothing; a lowered one no alert', () => {
    expect(
      eventsForSegmentDecision(decision({ assignment: assignment({ previousSegment: 'high' }) })),
    ).toEqual([]);
    const lowered = eventsForSegmentDecision(
      decision({ assignment: assignment({ segment: 'medium', previousSegment: 'high', revision: 3 }) }),
    );
    expect(types(lowered)).toEqual(['SegmentChanged']);
    expect(lowered[0]?.detail).toMatchObject({ change: 'lowered', alert: false });
  });

  it('asks for a survey after EDD starts, only with a lawful basis for feedback', () => {
    // Act
    const withConsent = eventsForSegmentDecision(decision({ feedbackAllowed: true }));
    const without = eventsForSegmentDecision(decision({ feedbackAllowed: false }));

    // Assess
    expect(types(withConsent)).toContain('SurveyRequested');
    expect(types(without)).not.toContain('SurveyRequested');
    const survey = withConsent.find((e) => e.detailType === 'SurveyRequested');
    expect(parseDetail('SurveyRequested', survey?.detail)).toMatchObject({
      touchpoint: 'enhanced_due_diligence',
      notBefore: '2026-03-02',
      purpose: 'feedback',
    });
  });

  it('suggests a compliance review for a low-risk customer reporting severe friction', () => {
    // Prepare
    const low = assignment({ segment: 'low', modelSegment: 'low', previousSegment: 'low', reasonCodes: [] });
    const unhappy = {
      npsScore: 2,
      satisfaction90d: 2,
      frictionThemes90d: 1,
      responses90d: 1,
      selfReported: {},
    };

    // Act
    const events = eventsForSegmentDecision(decision({ assignment: low, feedback: unhappy }));
    const content = eventsForSegmentDecision(
      decision({ assignment: low, feedback: { ...unhappy, npsScore: 9, satisfaction90d: 9 } }),
    );
    const highRisk = eventsForSegmentDecision(
      decision({ assignment: assignment({ previousSegment: 'high' }), feedback: unhappy }),
    );

    // Assess
    expect(types(events)).toEqual(['ComplianceReviewSuggested']);
    expect(parseDetail('ComplianceReviewSuggested', events[0]?.detail)).toMatchObject({
      scope: 'customer',
      subject: pseudonym,
      segment: 'low',
      reasonCode: 'LOW_RISK_SEVERE_FRICTION',
      evidence: { npsScore: 2, frictionResponses90d: 1 },
    });
    expect(content).toEqual([]);
    expect(highRisk).toEqual([]);
  });

  it('emits nothing for a segment the model does not know', () => {
    const facts = (): SegmentFacts | undefined => undefined;
    expect(eventsForSegmentDecision(decision({ segmentFacts: facts }))).toEqual([]);
  });
});

describe('other builders', () => {
  it('a blind spot becomes a segment-wide review suggestion with no subject', () => {
    // Act
    const event = complianceReviewForBlindSpot(
      {
        segment: 'low',
        reason: 'DETRACTOR_SHARE_RISING',
        nps: -20,
        previousNps: 10,
        detractorShare: 45,
        previousDetractorShare: 20,
      },
      '2026-11',
      new Date('2026-11-25T00:00:00Z'),
    );

    // Assess
    expect(parseDetail('ComplianceReviewSuggested', event.detail)).toMatchObject({
      subject: null,
      scope: 'segment',
      period: '2026-11',
      evidence: { nps: -20, previousDetractorShare: 20 },
    });
  });

  it('KYC review due: due date from the interval, overdue days, one id per due date', () => {
    // Prepare
    const facts = model.segmentFacts?.('high') as SegmentFacts;
    const input = { subject: pseudonym, segment: 'high', facts, lastReviewAt: '2025-11-01T10:00:00Z' };

    // Act
    const event = kycReviewDue({ ...input, now: new Date('2025-11-25T00:00:00Z') });
    const dayLater = kycReviewDue({ ...input, now: new Date('2026-11-11T00:00:00Z') });

    // Assess
    expect(event.detail).toMatchObject({ dueAt: '2026-11-01', overdueDays: 0, reviewIntervalMonths: 12 });
    expect(dayLater.detail).toMatchObject({ overdueDays: 10 });
    expect(dayLater.detail.eventId).toBe(event.detail.eventId);
  });

  it('addMonths clamps to the last day of shorter months', () => {
    expect(addMonths('2026-01-31T12:00:00Z', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31T12:00:00Z', 1)).toBe('2024-02-29');
    expect(addMonths('2026-11-15T00:00:00Z', 6)).toBe('2027-05-15');
  });
});

describe('detail schemas', () => {
  const valid = eventsForSegmentDecision(decision({ feedbackAllowed: true }));

  it('has a schema for each of the five event types', () => {
    expect(Object.keys(detailSchemas).sort()).toEqual([...workflowEventTypes].sort());
  });

  it('rejects a detail with an extra field (such as a name) or a clear identifier as subject', () => {
    // Prepare
    const changed = valid[0]?.detail as Record<string, unknown>;

    // Act / Assess
    expect(detailSchemas.SegmentChanged.safeParse(changed).success).toBe(true);
    expect(detailSchemas.SegmentChanged.safeParse({ ...changed, name: 'Ada Example' }).success).toBe(false);
    expect(detailSchemas.SegmentChanged.safeParse({ ...changed, subject: 'C-1001' }).success).toBe(false);
    expect(detailSchemas.SegmentChanged.safeParse({ ...changed, schemaVersion: 2 }).success).toBe(false);
  });

  it('holds no personal-data-looking field in any event built', () => {
    const all = [
      ...valid,
      ...eventsForSegmentDecision(
        decision({
          assignment: assignment({ segment: 'low', previousSegment: 'low' }),
          feedback: { npsScore: 1, frictionThemes90d: 2, responses90d: 2, selfReported: { employment: 'x' } },
        }),
      ),
    ];
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const event of all) expect(JSON.stringify(event)).not.toMatch(personalLooking);
  });
});
