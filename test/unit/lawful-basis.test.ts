import { describe, expect, it } from 'vitest';
import { checkLawfulBasis } from '../../shared/domain/lawful-basis.js';
import type { CustomerRecord } from '../../shared/domain/schemas.js';

const now = new Date('2026-06-01T12:00:00Z');
type Entry = NonNullable<CustomerRecord['lawfulBasis']['risk_assessment']>;

function entry(overrides: Partial<Entry> = {}): Entry {
  return {
    basis: 'legal_obligation',
    recordedAt: '2026-01-01T00:00:00Z',
    source: 'onboarding',
    version: 'v1',
    ...overrides,
  };
}

const riskAssessment = (overrides: Partial<Entry> = {}): CustomerRecord['lawfulBasis'] => ({
  risk_assessment: entry(overrides),
});

describe('checkLawfulBasis', () => {
  it('accepts a legal obligation for risk assessment', () => {
    expect(checkLawfulBasis(riskAssessment(), 'risk_assessment', now)).toEqual({ ok: true });
  });

  it.each(['legitimate_interests', 'contract', 'public_task'] as const)(
    'accepts %s for risk assessment',
    (basis) => {
      expect(checkLawfulBasis(riskAssessment({ basis }), 'risk_assessment', now)).toEqual({ ok: true });
    },
  );

  it('reports a missing basis for the purpose', () => {
    // Prepare: a basis exists, but for another purpose
    const lawfulBasis: CustomerRecord['lawfulBasis'] = { feedback: entry({ basis: 'consent' }) };

    // Act
    const check = checkLawfulBasis(lawfulBasis, 'risk_assessment', now);

    // Assess
    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_MISSING' });
  });

  it('reports a missing basis when none is recorded at all', () => {
    expect(checkLawfulBasis({}, 'risk_assessment', now)).toMatchObject({
      ok: false,
      code: 'LAWFUL_BASIS_MISSING',
    });
  });

  it('does not accept consent for risk assessment', () => {
    const check = checkLawfulBasis(riskAssessment({ basis: 'consent' }), 'risk_assessment', now);

    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_NOT_PERMITTED' });
    expect(check.ok === false && check.message).toContain('consent');
  });

  it('does not accept vital interests for risk assessment', () => {
    expect(
      checkLawfulBasis(riskAssessment({ basis: 'vital_interests' }), 'risk_assessment', now),
    ).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_NOT_PERMITTED' });
  });

  it('accepts consent for feedback', () => {
    const lawfulBasis: CustomerRecord['lawfulBasis'] = { feedback: entry({ basis: 'consent' }) };

    expect(checkLawfulBasis(lawfulBasis, 'feedback', now)).toEqual({ ok: true });
  });

  it('permits nothing for a purpose without a policy', () => {
    const lawfulBasis: CustomerRecord['lawfulBasis'] = { marketing: entry({ basis: 'consent' }) };

    expect(checkLawfulBasis(lawfulBasis, 'marketing', now)).toMatchObject({
      ok: false,
      code: 'LAWFUL_BASIS_NOT_PERMITTED',
    });
  });

  it('reports a withdrawn basis', () => {
    const check = checkLawfulBasis(
      riskAssessment({ withdrawnAt: '2026-05-01T00:00:00Z' }),
      'risk_assessment',
      now,
    );

    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_WITHDRAWN' });
  });

  it('treats a withdrawal at exactly now as withdrawn', () => {
    const check = checkLawfulBasis(
      riskAssessment({ withdrawnAt: now.toISOString() }),
      'risk_assessment',
      now,
    );

    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_WITHDRAWN' });
  });

  it('still accepts a basis whose withdrawal lies in the future', () => {
    const check = checkLawfulBasis(
      riskAssessment({ withdrawnAt: '2026-07-01T00:00:00Z' }),
      'risk_assessment',
      now,
    );

    expect(check).toEqual({ ok: true });
  });

  it('reports an expired basis', () => {
    const check = checkLawfulBasis(
      riskAssessment({ expiresAt: '2026-05-31T23:59:59Z' }),
      'risk_assessment',
      now,
    );

    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_EXPIRED' });
  });

  it('still accepts a basis that expires in the future', () => {
    expect(
      checkLawfulBasis(riskAssessment({ expiresAt: '2027-01-01T00:00:00Z' }), 'risk_assessment', now),
    ).toEqual({ ok: true });
  });

  it('reports a basis recorded in the future, beyond five minutes of clock skew', () => {
    const check = checkLawfulBasis(
      riskAssessment({ recordedAt: '2026-06-01T12:05:01Z' }),
      'risk_assessment',
      now,
    );

    expect(check).toMatchObject({ ok: false, code: 'LAWFUL_BASIS_FUTURE_DATED' });
  });

  it('tolerates up to five minutes of clock skew on recordedAt', () => {
    expect(
      checkLawfulBasis(riskAssessment({ recordedAt: '2026-06-01T12:05:00Z' }), 'risk_assessment', now),
    ).toEqual({ ok: true });
  });

  it('compares instants, not strings, when offsets differ', () => {
    // 13:30+02:00 is 11:30Z, which is before now
    expect(
      checkLawfulBasis(riskAssessment({ recordedAt: '2026-06-01T13:30:00+02:00' }), 'risk_assessment', now),
    ).toEqual({ ok: true });
  });

  it('never puts the basis provenance (source) in the message', () => {
    const check = checkLawfulBasis(
      riskAssessment({ basis: 'consent', source: 'crm-export-zq77' }),
      'risk_assessment',
      now,
    );

    expect(check.ok).toBe(false);
    expect(JSON.stringify(check)).not.toContain('crm-export-zq77');
  });
});
