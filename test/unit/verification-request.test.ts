import { describe, expect, it } from 'vitest';
import { daysBetween, verificationRequest } from '../../shared/domain/audit-trail/responses.js';

describe('audit verification job requests', () => {
  it('takes a day or a range of up to 31 days, and names what is wrong otherwise', () => {
    expect(verificationRequest.safeParse({}).success).toBe(true);
    expect(verificationRequest.safeParse({ from: '2026-12-01', to: '2026-12-31' }).success).toBe(true);
    const tooLong = verificationRequest.safeParse({ from: '2026-12-01', to: '2027-01-01' });
    const backwards = verificationRequest.safeParse({ from: '2026-12-02', to: '2026-12-01' });
    const notADate = verificationRequest.safeParse({ from: '2026-13-45' });
    const extra = verificationRequest.safeParse({ day: '2026-12-01' });
    for (const bad of [tooLong, backwards, notADate, extra]) expect(bad.success).toBe(false);
    expect(tooLong.error?.issues[0]?.path).toEqual(['to']);
  });

  it('lists every day of a range, both ends included, across a month end', () => {
    expect(daysBetween('2026-11-29', '2026-12-02')).toEqual([
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
    ]);
    expect(daysBetween('2026-12-07', '2026-12-07')).toEqual(['2026-12-07']);
  });
});
