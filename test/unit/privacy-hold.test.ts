import { describe, expect, it } from 'vitest';
import { addYears, legalHold, policyOfSegment } from '../../shared/domain/privacy/legal-hold.js';
import { defaultSegmentPolicy, type ModelSegment } from '../../shared/domain/risk-model/model.js';

const policy = (years: number) => ({ ...defaultSegmentPolicy, retentionYearsAfterRelationship: years });
const now = new Date('2026-11-25T12:00:00Z');

describe('legalHold', () => {
  it('holds an active relationship with no known end date', () => {
    expect(legalHold({}, policy(5), now)).toEqual({
      reason: 'relationship active',
      until: null,
      retentionYears: 5,
    });
  });

  it('holds until the relationship end plus the retention years', () => {
    const hold = legalHold({ relationshipEndedAt: '2024-03-01T00:00:00.000Z' }, policy(5), now);

    expect(hold).toEqual({
      reason: 'AML record keeping',
      until: '2029-03-01T00:00:00.000Z',
      retentionYears: 5,
    });
  });

  it('releases the hold at the exact end of the retention period, not a moment before', () => {
    const profile = { relationshipEndedAt: '2020-06-30T10:00:00.000Z' };

    expect(legalHold(profile, policy(5), new Date('2025-06-30T09:59:59.999Z'))?.reason).toBe(
      'AML record keeping',
    );
    expect(legalHold(profile, policy(5), new Date('2025-06-30T10:00:00.000Z'))).toBeUndefined();
  });

  it('uses the retention of the policy it is given (a stricter segment keeps records longer)', () => {
    const profile = { relationshipEndedAt: '2019-01-01T00:00:00.000Z' };

    expect(legalHold(profile, policy(5), now)).toBeUndefined();
    expect(legalHold(profile, policy(10), now)).toMatchObject({ until: '2029-01-01T00:00:00.000Z' });
  });

  it('puts no hold on a subject without a profile (nothing kept under record keeping)', () => {
    expect(legalHold(undefined, policy(5), now)).toBeUndefined();
  });

  it('holds a relationship whose end lies in the future', () => {
    expect(legalHold({ relationshipEndedAt: '2027-01-01T00:00:00Z' }, policy(0), now)).toMatchObject({
      reason: 'AML record keeping',
      until: '2027-01-01T00:00:00.000Z',
    });
  });
});

describe('addYears', () => {
  it('never ends a hold early: 29 February plus a year is 1 March', () => {
    expect(addYears(new Date('2024-02-29T00:00:00Z'), 1).toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(addYears(new Date('2024-02-29T00:00:00Z'), 4).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });
});

describe('policyOfSegment', () => {
  const segments: ModelSegment[] = [
    { name: 'low', minScore: 0, maxScore: 10, policyRef: 'SDD', reviewIntervalMonths: 36 },
    {
      name: 'critical',
      minScore: 10,
      maxScore: null,
      policyRef: 'EXIT',
      reviewIntervalMonths: 6,
      policy: { ...defaultSegmentPolicy, retentionYearsAfterRelationship: 10 },
    },
  ];

  it("takes the segment's own policy when it has one", () => {
    expect(policyOfSegment(segments, 'critical').retentionYearsAfterRelationship).toBe(10);
  });

  it('falls back to the default policy for a segment without one, an unknown segment, or none', () => {
    expect(policyOfSegment(segments, 'low')).toEqual(defaultSegmentPolicy);
    expect(policyOfSegment(segments, 'gone')).toEqual(defaultSegmentPolicy);
    expect(policyOfSegment(segments, undefined)).toEqual(defaultSegmentPolicy);
  });
});
