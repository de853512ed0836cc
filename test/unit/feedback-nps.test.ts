import { describe, expect, it } from 'vitest';
import {
  blindSpots,
  classify,
  detractorRiseZ,
  type NpsCounts,
  npsOf,
  participationRate,
  periodKey,
} from '../../shared/domain/feedback/index.js';

const counts = (promoters: number, passives: number, detractors: number, skipped = 0): NpsCounts => ({
  promoters,
  passives,
  detractors,
  skipped,
});

describe('classify', () => {
  it.each([
    [0, 'detractor'],
    [6, 'detractor'],
    [7, 'passive'],
    [8, 'passive'],
    [9, 'promoter'],
    [10, 'promoter'],
  ] as const)('%i is a %s', (score, category) => {
    expect(classify(score)).toBe(category);
  });

  it.each([-1, 11, 7.5, Number.NaN])('refuses %s', (score) => {
    expect(() => classify(score)).toThrow(RangeError);
  });
});

describe('npsOf', () => {
  it('is null, not 0, without answered responses (skipped ones do not count)', () => {
    expect(npsOf(counts(0, 0, 0))).toEqual({
      nps: null,
      answered: 0,
      promoterShare: null,
      detractorShare: null,
    });
    expect(npsOf(counts(0, 0, 0, 7)).nps).toBeNull();
  });

  it('is 0 when everyone is passive, 100 for all promoters, -100 for all detractors', () => {
    expect(npsOf(counts(0, 12, 0))).toEqual({ nps: 0, answered: 12, promoterShare: 0, detractorShare: 0 });
    expect(npsOf(counts(5, 0, 0)).nps).toBe(100);
    expect(npsOf(counts(0, 0, 3)).nps).toBe(-100);
  });

  it('leaves skipped answers out of the denominator', () => {
    // 5 promoters, 3 passives, 2 detractors: 50 % − 20 % = 30, whatever the number skipped.
    expect(npsOf(counts(5, 3, 2, 0)).nps).toBe(30);
    expect(npsOf(counts(5, 3, 2, 90))).toEqual({
      nps: 30,
      answered: 10,
      promoterShare: 50,
      detractorShare: 20,
    });
  });

  it('rounds to one decimal and never returns −0', () => {
    expect(npsOf(counts(1, 1, 1)).nps).toBe(0);
    expect(Object.is(npsOf(counts(1, 1, 1)).nps, 0)).toBe(true);
    expect(npsOf(counts(2, 0, 1))).toMatchObject({ nps: 33.3, promoterShare: 66.7, detractorShare: 33.3 });
  });

  it('refuses negative or fractional counts', () => {
    expect(() => npsOf(counts(-1, 0, 0))).toThrow(RangeError);
    expect(() => npsOf(counts(0, 0.5, 0))).toThrow(RangeError);
  });
});

describe('participationRate', () => {
  it('is responses over customers surveyed, in percent', () => {
    expect(participationRate(25, 200)).toBe(12.5);
    expect(participationRate(1, 3)).toBe(33.3);
  });

  it('is null when nobody was surveyed, and is not capped', () => {
    expect(participationRate(0, 0)).toBeNull();
    expect(participationRate(3, 0)).toBeNull();
    expect(participationRate(3, 2)).toBe(150);
  });
});

describe('periodKey', () => {
  it('gives the UTC month', () => {
    expect(periodKey(new Date('2026-11-30T23:59:59Z'), 'month')).toBe('2026-11');
    expect(periodKey(new Date('2026-12-01T00:00:00Z'), 'month')).toBe('2026-12');
  });

  it.each([
    ['2021-01-03T12:00:00Z', '2020-W53'], // Sunday: still the last week of 2020
    ['2021-01-04T00:00:00Z', '2021-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'], // Monday of the week holding 2 January 2025
    ['2026-06-15T08:00:00Z', '2026-W25'],
    ['2026-12-31T00:00:00Z', '2026-W53'],
  ])('gives the ISO week of %s', (iso, key) => {
    expect(periodKey(new Date(iso), 'week')).toBe(key);
  });

  it('refuses an invalid date', () => {
    expect(() => periodKey(new Date('nope'), 'month')).toThrow(RangeError);
  });
});

describe('blindSpots', () => {
  const options = { npsThreshold: 0, detractorRiseThreshold: 10, minResponses: 5 };

  it('flags a segment whose NPS is below the threshold, not one at it', () => {
    const spots = blindSpots({ low: counts(2, 2, 6), fine: counts(3, 4, 3) }, {}, options);
    expect(spots).toEqual([
      {
        segment: 'low',
        reason: 'NPS_BELOW_THRESHOLD',
        nps: -40,
        previousNps: null,
        detractorShare: 60,
        previousDetractorShare: null,
      },
    ]);
  });

  it('ignores segments with fewer answered responses than minResponses (skipped do not help)', () => {
    expect(blindSpots({ low: counts(0, 0, 4, 50) }, {}, options)).toEqual([]);
    expect(blindSpots({ low: counts(0, 0, 5) }, {}, options)).toHaveLength(1);
  });

  it('flags a significant rise of the detractor share', () => {
    // 10 % → 30 % detractors on 100 answers each: z ≈ 3.5.
    const spots = blindSpots(
      { low: counts(50, 20, 30) },
      { low: counts(60, 30, 10) },
      { ...options, npsThreshold: -100 },
    );
    expect(spots).toEqual([
      {
        segment: 'low',
        reason: 'DETRACTOR_SHARE_RISING',
        nps: 20,
        previousNps: 50,
        detractorShare: 30,
        previousDetractorShare: 10,
      },
    ]);
  });

  it('does not flag the same rise on a sample too small to be significant', () => {
    // 10 % → 30 % on 10 answers each: z ≈ 1.12 < 1.645, although the rise is 20 points.
    expect(detractorRiseZ(counts(5, 2, 3), counts(6, 3, 1))).toBeLessThan(1.6449);
    expect(blindSpots({ low: counts(5, 2, 3) }, { low: counts(6, 3, 1) }, options)).toEqual([]);
  });

  it('does not flag a significant rise below the percentage-point threshold', () => {
    // 10 % → 15 % on 2,000 answers each: significant (z ≈ 4.8) but only 5 points.
    const current = { big: counts(1200, 500, 300) };
    const previous = { big: counts(1300, 500, 200) };
    expect(detractorRiseZ(current.big, previous.big)).toBeGreaterThan(1.6449);
    expect(blindSpots(current, previous, options)).toEqual([]);
    expect(blindSpots(current, previous, { ...options, detractorRiseThreshold: 5 })).toHaveLength(1);
  });

  it('needs a previous period with enough answers to compare against', () => {
    expect(blindSpots({ s: counts(50, 20, 30) }, { s: counts(0, 0, 0, 40) }, options)).toEqual([]);
    expect(blindSpots({ s: counts(50, 20, 30) }, {}, options)).toEqual([]);
  });

  it('can report both reasons for one segment, sorted by segment', () => {
    const spots = blindSpots(
      { z: counts(10, 10, 80), a: counts(1, 1, 8) },
      { z: counts(40, 40, 20) },
      { ...options, npsThreshold: -50 },
    );
    expect(spots.map((s) => `${s.segment}:${s.reason}`)).toEqual([
      'a:NPS_BELOW_THRESHOLD',
      'z:NPS_BELOW_THRESHOLD',
      'z:DETRACTOR_SHARE_RISING',
    ]);
  });
});
