import type { StoredTransaction } from '../ports.js';

/** Per-customer transaction features that rules can use; amounts in EUR. */
export interface TransactionAggregates {
  volume30d: number;
  count30d: number;
  volume90d: number;
  count90d: number;
  cashShare90d: number;
  cryptoShare90d: number;
  crossBorderShare90d: number;
  highRiskCountryCount90d: number;
  /** Cash transactions just under a reporting threshold: the classic structuring pattern. */
  nearThresholdCashCount30d: number;
  maxAmount90d: number;
}

export interface AggregationOptions {
  now: Date;
  /** Jurisdictions of the customer: a counterparty elsewhere makes a transaction cross-border. */
  homeCountries: readonly string[];
  highRiskCountries: ReadonlySet<string>;
  /** EUR 10,000 by default (EU AMLR cash cap; US CTR threshold is USD 10,000). */
  reportingThresholdEur?: number;
  /** Share of the threshold from which an amount counts as "just under" it. */
  nearThresholdRatio?: number;
}

const day = 86_400_000;
/** Transactions dated up to this far ahead already count (clock skew between systems). */
export const futureTolerance = 5 * 60_000;
const round2 = (n: number) => Math.round(n * 100) / 100;
const ratio = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;

/**
 * The aggregates with `highRiskCountryCount90d` re-counted from the counterparty countries of the
 * 90-day window under another high-risk list (a new model version, a scenario).
 */
export function withHighRiskRecount<T extends Record<string, number> | TransactionAggregates>(
  transactions: T,
  counterparties90d: Record<string, number>,
  highRiskCountries: ReadonlySet<string>,
): T {
  const highRiskCountryCount90d = Object.entries(counterparties90d).reduce(
    (n, [country, c]) => n + (highRiskCountries.has(country) ? c : 0),
    0,
  );
  return { ...transactions, highRiskCountryCount90d };
}

/** Counterparty countries of the 90-day window with their transaction counts. */
export function counterpartyCounts(
  txns: readonly Pick<StoredTransaction, 'timestamp' | 'counterpartyCountry'>[],
  now: Date,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of txns) {
    const age = now.getTime() - Date.parse(t.timestamp);
    // The window of aggregateTransactions, so a re-count under another list matches a fresh one.
    if (!t.counterpartyCountry || age < -futureTolerance || age > 90 * day) continue;
    counts[t.counterpartyCountry] = (counts[t.counterpartyCountry] ?? 0) + 1;
  }
  return counts;
}

type AggregatedTransaction = Pick<
  StoredTransaction,
  'amountEur' | 'timestamp' | 'paymentMethod' | 'counterpartyCountry'
>;

/** Folds a customer's transactions into the aggregates of the 30- and 90-day windows. */
export function aggregateTransactions(
  txns: readonly AggregatedTransaction[],
  options: AggregationOptions,
): TransactionAggregates {
  return transactionFolder(txns, options)(options.now);
}

/**
 * The aggregates of the same transactions as of any moment: timestamps are parsed once, so a
 * decision can fold its inputs at many later window boundaries cheaply (see firstOutcomeChange).
 */
export function transactionFolder(
  txns: readonly AggregatedTransaction[],
  options: Omit<AggregationOptions, 'now'>,
): (moment: Date) => TransactionAggregates {
  const threshold = options.reportingThresholdEur ?? 10_000;
  const nearFrom = threshold * (options.nearThresholdRatio ?? 0.9);
  const home = new Set(options.homeCountries);
  const parsed = txns.map((t) => ({
    at: Date.parse(t.timestamp),
    amountEur: t.amountEur,
    cash: t.paymentMethod === 'cash',
    crypto: t.paymentMethod === 'crypto',
    crossBorder: Boolean(t.counterpartyCountry) && !home.has(t.counterpartyCountry as string),
    highRisk:
      Boolean(t.counterpartyCountry) && options.highRiskCountries.has(t.counterpartyCountry as string),
  }));
  return (moment) => fold(parsed, moment.getTime(), nearFrom, threshold);
}

function fold(
  txns: readonly {
    at: number;
    amountEur: number;
    cash: boolean;
    crypto: boolean;
    crossBorder: boolean;
    highRisk: boolean;
  }[],
  now: number,
  nearFrom: number,
  threshold: number,
): TransactionAggregates {
  const a = {
    volume30d: 0,
    count30d: 0,
    volume90d: 0,
    count90d: 0,
    cash: 0,
    crypto: 0,
    crossBorder: 0,
    highRisk: 0,
    nearThreshold: 0,
    max: 0,
  };
  for (const t of txns) {
    const age = now - t.at;
    if (age < -futureTolerance || age > 90 * day) continue;
    a.volume90d += t.amountEur;
    a.count90d += 1;
    a.max = Math.max(a.max, t.amountEur);
    if (t.cash) a.cash += t.amountEur;
    if (t.crypto) a.crypto += t.amountEur;
    if (t.crossBorder) a.crossBorder += 1;
    if (t.highRisk) a.highRisk += 1;
    if (age <= 30 * day) {
      a.volume30d += t.amountEur;
      a.count30d += 1;
      if (t.cash && t.amountEur >= nearFrom && t.amountEur < threshold) a.nearThreshold += 1;
    }
  }
  return {
    volume30d: round2(a.volume30d),
    count30d: a.count30d,
    volume90d: round2(a.volume90d),
    count90d: a.count90d,
    cashShare90d: ratio(a.cash, a.volume90d),
    cryptoShare90d: ratio(a.crypto, a.volume90d),
    crossBorderShare90d: ratio(a.crossBorder, a.count90d),
    highRiskCountryCount90d: a.highRisk,
    nearThresholdCashCount30d: a.nearThreshold,
    maxAmount90d: round2(a.max),
  };
}
