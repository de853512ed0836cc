import { describe, expect, it } from 'vitest';
import { generateDemo } from '../../infra/local/demo/generate.js';
import { customerRecord, transactionRecord } from '../../shared/domain/schemas.js';

const asOf = new Date('2026-11-25T10:00:00Z');

describe('demo population', () => {
  it('is identical for the same seed and day', () => {
    const a = generateDemo({ seed: 7, customers: 200, asOf });
    const b = generateDemo({ seed: 7, customers: 200, asOf });

    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('differs for another seed', () => {
    const a = generateDemo({ seed: 7, customers: 200, asOf });
    const b = generateDemo({ seed: 8, customers: 200, asOf });

    expect(JSON.stringify(b.customers)).not.toBe(JSON.stringify(a.customers));
    expect(JSON.stringify(b.transactions)).not.toBe(JSON.stringify(a.transactions));
  });

  it('passes the API schemas and looks like a real book of customers', () => {
    const data = generateDemo({ seed: 42, customers: 500, asOf });

    for (const c of data.customers) expect(customerRecord.safeParse(c).success).toBe(true);
    for (const t of data.transactions) expect(transactionRecord.safeParse(t).success).toBe(true);
    const share = (n: number) => n / data.customers.length;
    expect(share(data.customers.filter((c) => c.type === 'corporate').length)).toBeGreaterThan(0.1);
    expect(data.customers.filter((c) => c.flags.pep).length).toBeGreaterThan(0);
    expect(data.customers.filter((c) => c.flags.sanctionsHit).length).toBeGreaterThan(0);
    expect(share(data.customers.filter((c) => c.flags.sanctionsHit).length)).toBeLessThan(0.05);
    expect(data.customers.filter((c) => c.jurisdictions.length > 1).length).toBeGreaterThan(0);
    const nearThreshold = data.transactions.filter(
      (t) => t.paymentMethod === 'cash' && t.currency === 'EUR' && t.amount >= 9000 && t.amount < 10_000,
    );
    expect(nearThreshold.length).toBeGreaterThanOrEqual(3);
    // Every transaction sits in the 90 days the risk model looks at.
    for (const t of data.transactions) {
      const age = (asOf.getTime() - Date.parse(t.timestamp)) / 86_400_000;
      expect(age).toBeGreaterThan(-1);
      expect(age).toBeLessThan(90);
    }
  });

  it('makes audit issues likelier among customers with risk signals, so a capture curve means something', () => {
    const data = generateDemo({ seed: 42, customers: 1000, asOf });
    const flagged = new Set(
      data.customers
        .filter(
          (c) => c.flags.pep || c.flags.sanctionsHit || c.flags.adverseMedia || c.jurisdictions.length > 1,
        )
        .map((c) => c.externalId),
    );
    const rate = (inFlagged: boolean) => {
      const group = data.outcomes.filter((o) => flagged.has(o.externalId) === inFlagged);
      return group.filter((o) => o.outcome === 'issue').length / Math.max(1, group.length);
    };

    expect(data.outcomes.length).toBeGreaterThan(100);
    expect(rate(true)).toBeGreaterThan(2 * rate(false));
    expect(data.surveys.some((s) => s.type === 'survey.response')).toBe(true);
    expect(data.cases.length).toBeGreaterThan(0);
  });
});
