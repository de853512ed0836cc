import { describe, expect, it } from 'vitest';
import { parseDetail, type WorkflowEvent } from '../../shared/domain/events/index.js';
import { publishBlindSpotReviews } from '../../shared/domain/feedback/blind-spot-review.js';
import { emptyCounts, type ResponseCounts } from '../../shared/domain/feedback/store.js';

const counts = (c: Partial<ResponseCounts>): ResponseCounts => ({ ...emptyCounts(), ...c });

/** Counters per period: `low` unhappy in November, every segment content before. */
const byPeriod: Record<string, Record<string, ResponseCounts>> = {
  '2026-09': { low: counts({ promoters: 8, passives: 2 }) },
  '2026-10': { low: counts({ promoters: 8, passives: 2 }), high: counts({ promoters: 5, detractors: 1 }) },
  '2026-11': { low: counts({ promoters: 2, detractors: 8 }), high: counts({ promoters: 6 }) },
};

async function run(now: string) {
  const published: WorkflowEvent[] = [];
  const events = await publishBlindSpotReviews({
    counters: {
      read: async (period, segments) =>
        Object.fromEntries(segments.map((s) => [s, byPeriod[period]?.[s] ?? emptyCounts()])),
    },
    publisher: { publish: async (e) => void published.push(...e) },
    segments: ['low', 'medium', 'high', 'critical'],
    now: new Date(now),
  });
  return { events, published };
}

describe('publishBlindSpotReviews', () => {
  it('publishes one segment-wide review suggestion per blind spot, with no subject', async () => {
    // Act
    const { events, published } = await run('2026-11-20T06:00:00Z');

    // Assess
    expect(published).toEqual(events);
    expect(
      events.map((e) => [e.detail.subject, parseDetail('ComplianceReviewSuggested', e.detail).reasonCode]),
    ).toEqual([
      [null, 'NPS_BELOW_THRESHOLD'],
      [null, 'DETRACTOR_SHARE_RISING'],
    ]);
    expect(events[0]?.detail).toMatchObject({ scope: 'segment', segment: 'low', period: '2026-11' });
  });

  it('judges the previous month too, with the same event ids on every run', async () => {
    // Act: early December still reports November's findings, under November's ids
    const november = await run('2026-11-30T23:00:00Z');
    const december = await run('2026-12-01T06:00:00Z');

    // Assess
    expect(december.events.map((e) => e.detail.eventId)).toEqual(
      november.events.map((e) => e.detail.eventId),
    );
    expect(december.events.every((e) => 'period' in e.detail && e.detail.period === '2026-11')).toBe(true);
  });
});
