import { describe, expect, it } from 'vitest';
import type { ComplianceCase } from '../../shared/domain/cases/case.js';
import { npsOf } from '../../shared/domain/feedback/nps.js';
import {
  CASES,
  caseCounts,
  closeDaysBucket,
  incidentCounts,
  incidentsItem,
  type PlacedOutcome,
  POPULATION,
  populationCounts,
  recount,
} from '../../shared/domain/insights/aggregates.js';
import { decodeCursor, encodeCursor } from '../../shared/domain/insights/cursor.js';
import { customerHistory } from '../../shared/domain/insights/history.js';
import {
  captureCurve,
  caseStats,
  caseTotals,
  feedbackPoint,
  feedbackSeries,
  highRiskKpis,
  incidentSeries,
  median,
  type PopulationMember,
  reasonCodeFrequencies,
  type SegmentInfo,
  segmentCounts,
} from '../../shared/domain/insights/kpis.js';
import { lastMonths, previousMonth } from '../../shared/domain/insights/periods.js';
import {
  captureCurveSchema,
  caseStatsSchema,
  customerHistorySchema,
  feedbackStatsSchema,
  incidentsSchema,
} from '../../shared/domain/insights/schemas.js';
import { distributionTrend, snapshotOf, takeSnapshot } from '../../shared/domain/insights/snapshot.js';
import { ValidationError } from '../../shared/errors.js';

const p = (n: number) => `k1.${String(n).padStart(2, '0')}${'a'.repeat(41)}`;
const segments: SegmentInfo[] = [
  { name: 'low', highRisk: false },
  { name: 'medium', highRisk: false },
  { name: 'high', highRisk: true },
  { name: 'critical', highRisk: true },
];
const scores = [95, 90, 80, 70, 60, 50, 45, 40, 35, 30, 10, 10, 10, 10, 5, 5, 5, 5, 0, 0];
const segmentOfScore = (s: number) => (s >= 85 ? 'critical' : s >= 55 ? 'high' : s >= 30 ? 'medium' : 'low');
/** 20 customers c1..c20: 2 critical, 3 high, 5 medium, 10 low; ties at 10, 5 and 0. */
const population: PopulationMember[] = scores.map((score, i) => ({
  pseudonym: p(i + 1),
  segment: segmentOfScore(score),
  score,
  reasonCodes: score >= 55 ? ['PEP', 'CASH'] : score >= 30 ? ['CASH'] : [],
  assignedAt: '2026-11-01T00:00:00.000Z',
}));
type Outcome = PlacedOutcome & { pseudonym: string };
const o = (n: number, outcome: 'issue' | 'no_issue', date = '2026-11-10'): Outcome => ({
  pseudonym: p(n),
  outcome,
  date,
});
/** 11 placeable outcomes, 6 of them issues; one more about a customer without assignment. */
const outcomes: Outcome[] = [
  o(1, 'issue', '2026-10-03'),
  o(2, 'issue', '2026-10-10'),
  o(2, 'no_issue', '2026-11-01'),
  o(3, 'issue'),
  o(4, 'no_issue', '2026-09-01'),
  o(5, 'issue'),
  o(6, 'no_issue'),
  o(8, 'issue', '2026-10-20'),
  o(11, 'no_issue'),
  o(15, 'issue'),
  o(19, 'no_issue'),
  o(99, 'issue'),
];

/**
 * The counts the product maintains for these rows, each outcome placed where its customer stands
 * (the fixture's population does not move, so "when recorded" and "now" agree).
 */
function countsOf(members: readonly PopulationMember[], labels: readonly Outcome[] = []) {
  const where = new Map(members.map((m) => [m.pseudonym, { segment: m.segment, score: m.score }]));
  const placed = labels.map((l) => {
    const placedIn = where.get(l.pseudonym);
    return placedIn ? { ...l, placedIn } : l;
  });
  return recount({ assignments: members, outcomes: placed, cases: [] });
}
const populationOf = (members: readonly PopulationMember[], labels: readonly Outcome[] = []) =>
  populationCounts(countsOf(members, labels).get(POPULATION));
const casesOf = (cases: readonly ComplianceCase[]) =>
  caseCounts(recount({ assignments: [], outcomes: [], cases }).get(CASES));

describe('capture curve', () => {
  it('ranks customers by score, one point per distinct score, shares hand-computed', () => {
    const curve = captureCurve(populationOf(population, outcomes), segments);

    expect(captureCurveSchema.parse(curve)).toEqual(curve);
    expect(curve.outcomes).toBe(11);
    expect(curve.issues).toBe(6);
    const expected: [number, number][] = [
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
      [5, 4],
      [6, 4],
      [7, 4],
      [8, 5],
      [9, 5],
      [10, 5],
      [14, 5],
      [18, 6],
      [20, 6],
    ];
    expect(curve.points).toHaveLength(expected.length);
    curve.points.forEach((point, i) => {
      const [flagged, captured] = expected[i] as [number, number];
      expect(point.flaggedShare).toBeCloseTo(flagged / 20, 12);
      expect(point.capturedShare).toBeCloseTo(captured / 6, 12);
    });
  });

  it('does not depend on the order of tied customers', () => {
    const reversed = captureCurve(populationOf([...population].reverse(), outcomes), segments);

    expect(reversed.points).toEqual(captureCurve(populationOf(population, outcomes), segments).points);
  });

  it('cuts the curve at segment boundaries, cumulative from the most severe segment', () => {
    const { bySegment } = captureCurve(populationOf(population, outcomes), segments);

    expect(bySegment.map((s) => [s.segment, s.customers, s.issues, s.outcomes])).toEqual([
      ['critical', 2, 2, 3],
      ['high', 5, 4, 6],
      ['medium', 10, 5, 8],
      ['low', 20, 6, 11],
    ]);
    const [critical, high, medium, low] = bySegment;
    expect(critical?.flaggedShare).toBeCloseTo(0.1, 12);
    expect(critical?.precision).toBeCloseTo(2 / 3, 12);
    expect(critical?.recall).toBeCloseTo(1 / 3, 12);
    expect(critical?.capturedShare).toBeCloseTo(1 / 3, 12);
    expect(high?.flaggedShare).toBeCloseTo(0.25, 12);
    expect(high?.precision).toBeCloseTo(4 / 6, 12);
    expect(medium?.precision).toBeCloseTo(0.625, 12);
    expect(medium?.recall).toBeCloseTo(5 / 6, 12);
    expect(low?.flaggedShare).toBe(1);
    expect(low?.precision).toBeCloseTo(6 / 11, 12);
    expect(low?.recall).toBe(1);
  });

  it('has no points without an issue, and null precision where nobody was audited', () => {
    const curve = captureCurve(populationOf(population, [o(20, 'no_issue')]), segments);

    expect(curve.points).toEqual([]);
    expect(curve.bySegment[0]).toMatchObject({ segment: 'critical', precision: null, recall: null });
    expect(curve.bySegment[3]).toMatchObject({ segment: 'low', precision: 0, recall: null });
  });

  it('thins a long curve to maxPoints, keeping both ends', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...population[0], pseudonym: p(i), score: i }));
    const curve = captureCurve(populationOf(many as PopulationMember[], [o(5, 'issue')]), segments, {
      maxPoints: 51,
    });

    expect(curve.points).toHaveLength(51);
    expect(curve.points[0]).toEqual({ flaggedShare: 0, capturedShare: 0 });
    expect(curve.points[50]).toEqual({ flaggedShare: 1, capturedShare: 1 });
  });
});

describe('high-risk KPIs (segments whose policy requires EDD)', () => {
  it('computes share, capture rate, precision and recall by hand', () => {
    const kpis = highRiskKpis(populationOf(population, outcomes), segments);

    expect(kpis.customers).toBe(20);
    expect(kpis.highRiskShare).toBe(0.25); // 5 of 20
    expect(kpis.captureRate).toBeCloseTo(4 / 6, 12); // issues of c1, c2, c3, c5 of 6 issues
    expect(kpis.precision).toBeCloseTo(4 / 6, 12); // 4 issues among 6 outcomes of high-risk customers
    expect(kpis.recall).toBe(kpis.captureRate);
  });

  it('is null without outcomes and zero without customers', () => {
    expect(highRiskKpis(populationOf(population), segments)).toMatchObject({
      captureRate: null,
      precision: null,
      recall: null,
    });
    expect(highRiskKpis(populationOf([]), segments)).toMatchObject({ customers: 0, highRiskShare: 0 });
  });
});

describe('incidents', () => {
  it('counts outcomes by outcome month and the segment when recorded, zeros included', () => {
    const counts = countsOf(population, outcomes);
    const periods = ['2026-10', '2026-11'];
    const byPeriod = new Map(periods.map((m) => [m, incidentCounts(counts.get(incidentsItem(m)))]));
    const incidents = incidentSeries(byPeriod, segments, periods);

    expect(incidentsSchema.parse(incidents)).toEqual(incidents);
    expect(incidents.series).toHaveLength(8);
    const cell = (period: string, segment: string) =>
      incidents.series.find((r) => r.period === period && r.segment === segment);
    expect(cell('2026-10', 'critical')).toEqual({
      period: '2026-10',
      segment: 'critical',
      issues: 2,
      noIssue: 0,
    });
    expect(cell('2026-10', 'medium')).toMatchObject({ issues: 1, noIssue: 0 });
    expect(cell('2026-11', 'critical')).toMatchObject({ issues: 0, noIssue: 1 });
    expect(cell('2026-11', 'high')).toMatchObject({ issues: 2, noIssue: 0 }); // c4's September outcome is out of range
    expect(cell('2026-11', 'low')).toMatchObject({ issues: 1, noIssue: 2 });
  });
});

describe('cases', () => {
  const day = 86_400_000;
  const opened = Date.parse('2026-10-01T00:00:00.000Z');
  let n = 0;
  const kase = (
    segment: string | null,
    status: ComplianceCase['status'],
    days?: number,
    subject = p(1),
  ): ComplianceCase => ({
    caseId: `case_${n++}`,
    kind: 'kyc_review',
    subject,
    segment,
    status,
    reasonCode: 'KYC_REVIEW_DUE',
    dueAt: null,
    openedAt: new Date(opened).toISOString(),
    openedBy: 'system',
    updatedAt: new Date(opened).toISOString(),
    ...(days === undefined ? {} : { closedAt: new Date(opened + days * day).toISOString() }),
    revision: 1,
  });
  const cases = [
    kase('high', 'closed', 1),
    kase('high', 'closed', 2),
    kase('high', 'closed', 4),
    kase('high', 'open'),
    kase('high', 'in_review'),
    kase('critical', 'closed', 1.5),
    kase('critical', 'closed', 3.5),
    kase('low', 'open'),
    kase('low', 'open', undefined, p(11)),
    kase(null, 'open', undefined, p(77)), // opened for a customer without a decision
  ];

  it('counts statuses and the median days to close per segment', () => {
    const stats = caseStats(casesOf(cases), segments);

    expect(caseStatsSchema.parse(stats)).toEqual(stats);
    expect(stats.bySegment).toEqual([
      { segment: 'low', open: 2, inReview: 0, closed: 0, medianDaysToClose: null },
      { segment: 'medium', open: 0, inReview: 0, closed: 0, medianDaysToClose: null },
      { segment: 'high', open: 1, inReview: 1, closed: 3, medianDaysToClose: 2 },
      { segment: 'critical', open: 0, inReview: 0, closed: 2, medianDaysToClose: 2.5 },
      { segment: 'unsegmented', open: 1, inReview: 0, closed: 0, medianDaysToClose: null },
    ]);
  });

  it('totals open (not yet closed) cases and the overall median', () => {
    expect(caseTotals(casesOf(cases))).toEqual({ openCases: 5, medianDaysToClose: 2 }); // median of 1, 1.5, 2, 3.5, 4
    expect(caseTotals(casesOf([]))).toEqual({ openCases: 0, medianDaysToClose: null });
  });

  it('buckets days to close: exact to the hour for a week, then coarser, never below its bucket', () => {
    expect(closeDaysBucket(2)).toBe(2);
    expect(closeDaysBucket(1.5)).toBe(1.5);
    expect(closeDaysBucket(2 + 59 / 1440)).toBe(2); // 2 days 59 minutes: the hour bucket of 2 days
    expect(closeDaysBucket(10.3)).toBe(10.25); // six-hour buckets up to 30 days
    expect(closeDaysBucket(100.9)).toBe(100);
    expect(closeDaysBucket(400)).toBe(399);
    expect(closeDaysBucket(-1)).toBe(0);
    for (const d of [0.01, 3.3, 29.9, 200.5, 1000]) expect(closeDaysBucket(d)).toBeLessThanOrEqual(d);
  });

  it('median: middle value, mean of the two middle values, null for none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('feedback', () => {
  const counts = { promoters: 5, passives: 3, detractors: 2, skipped: 2, surveyed: 40, unlinked: 0 };

  it('uses the NPS arithmetic of GET /v1/feedback/nps; participation as a fraction', () => {
    expect(feedbackPoint(counts)).toEqual({ nps: 30, responses: 12, surveyed: 40, participation: 0.3 });
    expect(feedbackPoint(counts).nps).toBe(npsOf(counts).nps);
    expect(
      feedbackPoint({ ...counts, promoters: 0, passives: 0, detractors: 0, skipped: 0, surveyed: 0 }),
    ).toEqual({ nps: null, responses: 0, surveyed: 0, participation: null });
  });

  it('lists model segments in every period and other buckets only with data', () => {
    const empty = { promoters: 0, passives: 0, detractors: 0, skipped: 0, surveyed: 0, unlinked: 0 };
    const stats = feedbackSeries(
      {
        '2026-10': { low: counts, unlinked: empty },
        '2026-11': { unsegmented: { ...empty, detractors: 1 } },
      },
      segments,
      ['2026-10', '2026-11'],
    );

    expect(feedbackStatsSchema.parse(stats)).toEqual(stats);
    expect(stats.series.map((r) => `${r.period} ${r.segment}`)).toEqual([
      '2026-10 low',
      '2026-10 medium',
      '2026-10 high',
      '2026-10 critical',
      '2026-11 low',
      '2026-11 medium',
      '2026-11 high',
      '2026-11 critical',
      '2026-11 unsegmented',
    ]);
    expect(stats.series[0]).toMatchObject({ nps: 30, participation: 0.3 });
    expect(stats.series[8]).toMatchObject({ nps: -100, responses: 1, participation: null });
  });
});

describe('segment distribution and reason codes', () => {
  it('counts current segments with shares, in severity order', () => {
    expect(segmentCounts(populationOf(population), segments)).toEqual([
      { segment: 'low', count: 10, share: 0.5 },
      { segment: 'medium', count: 5, share: 0.25 },
      { segment: 'high', count: 3, share: 0.15 },
      { segment: 'critical', count: 2, share: 0.1 },
    ]);
  });

  it('ranks reason codes by customers carrying them, ties by code', () => {
    expect(reasonCodeFrequencies(populationOf(population))).toEqual([
      { reasonCode: 'CASH', count: 10 },
      { reasonCode: 'PEP', count: 5 },
    ]);
  });

  it('snapshots counts and builds the trend from stored months plus the live one', async () => {
    const model = { modelId: 'aml-default', version: 2 };
    const at = new Date('2026-11-25T10:00:00.000Z');
    const written: unknown[] = [];
    const snap = await takeSnapshot(
      {
        population: async () => populationOf(population),
        snapshots: { put: async (s) => void written.push(s) },
      },
      model,
      at,
    );
    expect(snap).toEqual(snapshotOf(populationOf(population), at, model));
    expect(written).toEqual([snap]);
    expect(snap).toMatchObject({
      period: '2026-11',
      customers: 20,
      segments: { low: 10, medium: 5, high: 3, critical: 2 },
      reasonCodes: { CASH: 10, PEP: 5 },
    });

    const september = { ...snap, period: '2026-09', segments: { low: 4, retired: 1 } };
    const trend = distributionTrend([september], snap, ['2026-09', '2026-10', '2026-11'], segments);
    expect(trend.filter((r) => r.period === '2026-09')).toEqual([
      { period: '2026-09', segment: 'low', count: 4 },
      { period: '2026-09', segment: 'medium', count: 0 },
      { period: '2026-09', segment: 'high', count: 0 },
      { period: '2026-09', segment: 'critical', count: 0 },
      { period: '2026-09', segment: 'retired', count: 1 },
    ]);
    expect(trend.some((r) => r.period === '2026-10')).toBe(false);
    expect(trend.filter((r) => r.period === '2026-11').map((r) => r.count)).toEqual([10, 5, 3, 2]);
  });
});

describe('periods and cursors', () => {
  it('lists the last months across a year boundary', () => {
    expect(lastMonths(new Date('2026-01-15T00:00:00Z'), 3)).toEqual(['2025-11', '2025-12', '2026-01']);
    expect(previousMonth('2026-01')).toBe('2025-12');
  });

  it('round-trips a page key and refuses forged or foreign cursors with a 400', () => {
    const key = { pseudonym: p(1), segment: 'high', assignedAt: '2026-11-01T00:00:00.000Z' };
    const cursor = encodeCursor(key);

    expect(decodeCursor(cursor, 'high')).toEqual(key);
    expect(() => decodeCursor(cursor, 'low')).toThrow(ValidationError);
    expect(() => decodeCursor('not*base64', 'high')).toThrow(ValidationError);
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 'high')).toThrow(ValidationError);
    const extra = Buffer.from(JSON.stringify({ ...key, score: 1 })).toString('base64url');
    expect(() => decodeCursor(extra, 'high')).toThrow(ValidationError);
  });
});

describe('customer history', () => {
  const rules = async (version: string) =>
    version === 'aml-default@1' ? new Map([['pep', 'Customer is a politically exposed person']]) : undefined;
  const record = (at: string, action: string, details: Record<string, unknown>, modelVersion?: string) => ({
    stream: p(1),
    eventId: `${action}#${at}`,
    at,
    action,
    actor: { type: 'system', id: 'segment-worker' },
    reasonCodes: ['PEP'],
    ...(modelVersion ? { modelVersion } : {}),
    details,
  });

  it('explains each decision with the rule texts of the version that took it, oldest first', async () => {
    const fired = [{ ruleId: 'pep', points: 30, reasonCode: 'PEP' }];
    const history = await customerHistory(
      p(1),
      undefined,
      [
        record(
          '2026-11-02T00:00:00.000Z',
          'segment.changed',
          {
            before: { segment: 'high', score: 30 },
            after: { segment: 'critical', score: 90 },
            firedRules: fired,
          },
          'aml-default@2',
        ),
        record(
          '2026-11-01T00:00:00.000Z',
          'segment.assigned',
          {
            before: null,
            after: { segment: 'high', score: 30 },
            firedRules: fired,
          },
          'aml-default@1',
        ),
        record('2026-11-03T00:00:00.000Z', 'segment.pinned', { segment: 'low', reason: 'free text' }),
        record('2026-11-04T00:00:00.000Z', 'case.opened', { caseId: 'case_1' }),
      ],
      rules,
    );

    expect(customerHistorySchema.parse(history)).toEqual(history);
    expect(history.history.map((h) => [h.action, h.segment, h.previousSegment, h.score])).toEqual([
      ['segment.assigned', 'high', null, 30],
      ['segment.changed', 'critical', 'high', 90],
      ['segment.pinned', 'low', null, null],
    ]);
    expect(history.history[0]?.explanation).toEqual([
      {
        ruleId: 'pep',
        points: 30,
        reasonCode: 'PEP',
        description: 'Customer is a politically exposed person',
      },
    ]);
    expect(history.history[1]?.explanation[0]?.description).toBeNull(); // version 2 unknown here
    expect(JSON.stringify(history)).not.toContain('free text');
  });

  it('leaves out a decision that never took effect, and its discard record', async () => {
    // Prepare: decided low, then a concurrent decision to high was refused and discarded.
    const refused = record('2026-11-02T00:00:00.000Z', 'segment.changed', {
      before: { segment: 'low', score: 10 },
      after: { segment: 'high', score: 60 },
    });
    const history = await customerHistory(
      p(1),
      undefined,
      [
        record('2026-11-01T00:00:00.000Z', 'segment.assigned', {
          before: null,
          after: { segment: 'low', score: 10 },
        }),
        refused,
        {
          ...refused,
          eventId: `discarded#${refused.eventId}`,
          action: 'segment.discarded',
          details: { discarded: refused.eventId, revision: 2 },
        },
      ],
      rules,
    );

    // Assess
    expect(history.history.map((h) => [h.action, h.segment])).toEqual([['segment.assigned', 'low']]);
  });
});
