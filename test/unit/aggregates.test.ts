import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/domain/scoring/random.js';
import {
  type AggregationOptions,
  aggregateTransactions,
  transactionFolder,
} from '../../shared/domain/segmentation/aggregates.js';

const now = new Date('2026-06-01T12:00:00Z');
const day = 86_400_000;
const minute = 60_000;

type Txn = Parameters<typeof aggregateTransactions>[0][number];

const daysAgo = (days: number, extraMs = 0) => new Date(now.getTime() - days * day - extraMs).toISOString();

function txn(overrides: Partial<Txn> = {}): Txn {
  return {
    amountEur: 100,
    timestamp: daysAgo(1),
    paymentMethod: 'card',
    counterpartyCountry: 'GB',
    ...overrides,
  };
}

const options: AggregationOptions = {
  now,
  homeCountries: ['GB', 'IE'],
  highRiskCountries: new Set(['IR', 'KP']),
};

describe('aggregateTransactions', () => {
  it('gives zeros for no transactions', () => {
    expect(aggregateTransactions([], options)).toEqual({
      volume30d: 0,
      count30d: 0,
      volume90d: 0,
      count90d: 0,
      cashShare90d: 0,
      cryptoShare90d: 0,
      crossBorderShare90d: 0,
      highRiskCountryCount90d: 0,
      nearThresholdCashCount30d: 0,
      maxAmount90d: 0,
    });
  });

  it('splits volume and count into the 30- and 90-day windows', () => {
    // Prepare
    const txns = [
      txn({ amountEur: 100, timestamp: daysAgo(1) }),
      txn({ amountEur: 200, timestamp: daysAgo(29) }),
      txn({ amountEur: 400, timestamp: daysAgo(45) }),
      txn({ amountEur: 800, timestamp: daysAgo(89) }),
      txn({ amountEur: 1600, timestamp: daysAgo(120) }),
    ];

    // Act
    const a = aggregateTransactions(txns, options);

    // Assess
    expect(a).toMatchObject({ volume30d: 300, count30d: 2, volume90d: 1500, count90d: 4, maxAmount90d: 800 });
  });

  it('includes a transaction exactly 30 days old in the 30-day window, and one a millisecond older not', () => {
    const txns = [
      txn({ amountEur: 10, timestamp: daysAgo(30) }),
      txn({ amountEur: 20, timestamp: daysAgo(30, 1) }),
    ];

    const a = aggregateTransactions(txns, options);

    expect(a).toMatchObject({ volume30d: 10, count30d: 1, volume90d: 30, count90d: 2 });
  });

  it('includes a transaction exactly 90 days old, and drops one a millisecond older', () => {
    const txns = [
      txn({ amountEur: 10, timestamp: daysAgo(90) }),
      txn({ amountEur: 20, timestamp: daysAgo(90, 1) }),
    ];

    const a = aggregateTransactions(txns, options);

    expect(a).toMatchObject({ volume90d: 10, count90d: 1, maxAmount90d: 10 });
  });

  it('counts a transaction within five minutes in the future (clock skew) but not beyond', () => {
    const txns = [
      txn({ amountEur: 10, timestamp: new Date(now.getTime() + 5 * minute).toISOString() }),
      txn({ amountEur: 20, timestamp: new Date(now.getTime() + 5 * minute + 1).toISOString() }),
    ];

    const a = aggregateTransactions(txns, options);

    expect(a).toMatchObject({ volume30d: 10, count30d: 1, volume90d: 10, count90d: 1 });
  });

  it('computes cash and crypto shares by volume over 90 days', () => {
    const txns = [
      txn({ amountEur: 250, paymentMethod: 'cash' }),
      txn({ amountEur: 125, paymentMethod: 'crypto', timestamp: daysAgo(60) }),
      txn({ amountEur: 625, paymentMethod: 'wire' }),
      txn({ amountEur: 5000, paymentMethod: 'cash', timestamp: daysAgo(100) }),
    ];

    const a = aggregateTransactions(txns, options);

    expect(a.cashShare90d).toBe(0.25);
    expect(a.cryptoShare90d).toBe(0.125);
  });

  it('rounds shares to four decimals and volumes to cents', () => {
    const txns = [txn({ amountEur: 1.111, paymentMethod: 'cash' }), txn({ amountEur: 2.222 })];

    const a = aggregateTransactions(txns, options);

    expect(a.cashShare90d).toBe(0.3333);
    expect(a.volume90d).toBe(3.33);
  });

  it('computes the cross-border share by count, relative to the home countries', () => {
    // Prepare: GB and IE are home; US and IR are abroad; no counterparty is not cross-border
    const txns = [
      txn({ counterpartyCountry: 'GB' }),
      txn({ counterpartyCountry: 'IE' }),
      txn({ counterpartyCountry: 'US' }),
      txn({ counterpartyCountry: 'IR' }),
      txn({ counterpartyCountry: undefined }),
    ];

    // Act
    const a = aggregateTransactions(txns, options);

    // Assess
    expect(a.crossBorderShare90d).toBe(0.4);
  });

  it('takes home from the options: the same transactions are domestic for a US customer', () => {
    const txns = [txn({ counterpartyCountry: 'US' }), txn({ counterpartyCountry: 'GB' })];

    expect(aggregateTransactions(txns, { ...options, homeCountries: ['US'] }).crossBorderShare90d).toBe(0.5);
    expect(aggregateTransactions(txns, { ...options, homeCountries: ['US', 'GB'] }).crossBorderShare90d).toBe(
      0,
    );
  });

  it('counts transactions with high-risk counterparties within 90 days', () => {
    const txns = [
      txn({ counterpartyCountry: 'IR' }),
      txn({ counterpartyCountry: 'KP', timestamp: daysAgo(80) }),
      txn({ counterpartyCountry: 'IR', timestamp: daysAgo(91) }),
      txn({ counterpartyCountry: 'US' }),
      txn({ counterpartyCountry: undefined }),
    ];

    expect(aggregateTransactions(txns, options).highRiskCountryCount90d).toBe(2);
  });

  it('counts a high-risk home country as high-risk too', () => {
    const txns = [txn({ counterpartyCountry: 'IR' })];

    const a = aggregateTransactions(txns, { ...options, homeCountries: ['IR'] });

    expect(a).toMatchObject({ highRiskCountryCount90d: 1, crossBorderShare90d: 0 });
  });

  it('counts cash just under the reporting threshold (9,000 <= x < 10,000) within 30 days', () => {
    const txns = [
      txn({ paymentMethod: 'cash', amountEur: 8999.99 }),
      txn({ paymentMethod: 'cash', amountEur: 9000 }),
      txn({ paymentMethod: 'cash', amountEur: 9999.99 }),
      txn({ paymentMethod: 'cash', amountEur: 10_000 }),
      txn({ paymentMethod: 'wire', amountEur: 9500 }),
      txn({ paymentMethod: 'cash', amountEur: 9500, timestamp: daysAgo(31) }),
    ];

    expect(aggregateTransactions(txns, options).nearThresholdCashCount30d).toBe(2);
  });

  it('honours a configured threshold and ratio', () => {
    const txns = [
      txn({ paymentMethod: 'cash', amountEur: 4000 }),
      txn({ paymentMethod: 'cash', amountEur: 4999 }),
      txn({ paymentMethod: 'cash', amountEur: 9500 }),
    ];

    const a = aggregateTransactions(txns, {
      ...options,
      reportingThresholdEur: 5000,
      nearThresholdRatio: 0.8,
    });

    expect(a.nearThresholdCashCount30d).toBe(2);
  });

  it('ignores transactions older than 90 days entirely', () => {
    const txns = [
      txn({ amountEur: 9500, paymentMethod: 'cash', counterpartyCountry: 'IR', timestamp: daysAgo(91) }),
    ];

    expect(aggregateTransactions(txns, options)).toMatchObject({
      count90d: 0,
      volume90d: 0,
      cashShare90d: 0,
      crossBorderShare90d: 0,
      highRiskCountryCount90d: 0,
      maxAmount90d: 0,
    });
  });
});

/** The fold as first written: one pass over every transaction, sums in euros. The oracle below. */
function referenceFold(txns: readonly Txn[], at: Date) {
  const round2 = (n: number) => Math.round(n * 100) / 100;
  const ratio = (part: number, whole: number) =>
    whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
  const a = { v30: 0, c30: 0, v90: 0, c90: 0, cash: 0, crypto: 0, cross: 0, risky: 0, near: 0, max: 0 };
  for (const t of txns) {
    const age = at.getTime() - Date.parse(t.timestamp);
    if (age < -5 * minute || age > 90 * day) continue;
    a.v90 += t.amountEur;
    a.c90 += 1;
    a.max = Math.max(a.max, t.amountEur);
    if (t.paymentMethod === 'cash') a.cash += t.amountEur;
    if (t.paymentMethod === 'crypto') a.crypto += t.amountEur;
    if (t.counterpartyCountry && !options.homeCountries.includes(t.counterpartyCountry)) a.cross += 1;
    if (t.counterpartyCountry && options.highRiskCountries.has(t.counterpartyCountry)) a.risky += 1;
    if (age <= 30 * day) {
      a.v30 += t.amountEur;
      a.c30 += 1;
      if (t.paymentMethod === 'cash' && t.amountEur >= 9000 && t.amountEur < 10_000) a.near += 1;
    }
  }
  return {
    volume30d: round2(a.v30),
    count30d: a.c30,
    volume90d: round2(a.v90),
    count90d: a.c90,
    cashShare90d: ratio(a.cash, a.v90),
    cryptoShare90d: ratio(a.crypto, a.v90),
    crossBorderShare90d: ratio(a.cross, a.c90),
    highRiskCountryCount90d: a.risky,
    nearThresholdCashCount30d: a.near,
    maxAmount90d: round2(a.max),
  };
}

/** Counterparty countries of the 90-day window, counted one transaction at a time. */
function referenceCounterparties(txns: readonly Txn[], at: Date) {
  const counts: Record<string, number> = {};
  for (const t of txns) {
    const age = at.getTime() - Date.parse(t.timestamp);
    if (!t.counterpartyCountry || age < -5 * minute || age > 90 * day) continue;
    counts[t.counterpartyCountry] = (counts[t.counterpartyCountry] ?? 0) + 1;
  }
  return counts;
}

describe('transactionFolder', () => {
  it('folds to what one pass over every transaction gives, at any moment, window edges included (aggregates and counterparty countries)', () => {
    // Prepare: 300 random histories, each folded at its window boundaries and at random moments.
    const random = seededRandom(7);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    let compared = 0;
    for (let customer = 0; customer < 300; customer++) {
      const txns = Array.from({ length: Math.floor(random() * 60) }, () =>
        txn({
          timestamp: daysAgo(random() * 130 - 5),
          amountEur:
            random() < 0.1
              ? 9000 + Math.round(random() * 99_900) / 100
              : Math.round(random() * 500_000) / 100,
          paymentMethod: pick(['card', 'cash', 'crypto', 'transfer']),
          counterpartyCountry: pick(['GB', 'IE', 'FR', 'IR', undefined]),
        }),
      );
      const folder = transactionFolder(txns, options);
      const edges = txns.flatMap((t) =>
        [-5 * minute, 30 * day, 90 * day].flatMap((offset) =>
          [0, 1].map((ms) => Date.parse(t.timestamp) + offset + ms),
        ),
      );
      const moments = [
        ...edges,
        ...Array.from({ length: 20 }, () => now.getTime() + (random() - 0.5) * 200 * day),
      ];

      // Act / Assess
      for (const ms of moments) {
        expect(folder.aggregates(new Date(ms))).toEqual(referenceFold(txns, new Date(ms)));
        expect(folder.counterparties(new Date(ms))).toEqual(referenceCounterparties(txns, new Date(ms)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20_000);
  });
});
