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

type AggregatedTransaction = Pick<
  StoredTransaction,
  'amountEur' | 'timestamp' | 'paymentMethod' | 'counterpartyCountry'
>;

/** Folds a customer's transactions into the aggregates of the 30- and 90-day windows. */
export function aggregateTransactions(
  txns: readonly AggregatedTransaction[],
  options: AggregationOptions,
): TransactionAggregates {
  return transactionFolder(txns, options).aggregates(options.now);
}

/** What `transactionFolder` gives for any moment. */
export interface TransactionFolder {
  aggregates(moment: Date): TransactionAggregates;
  /**
   * Counterparty countries of the 90-day window with their transaction counts: the same window as
   * the aggregates, so a re-count under another list matches a fresh fold (withHighRiskRecount).
   */
  counterparties(moment: Date): Record<string, number>;
}

/**
 * The aggregates of the same transactions as of any moment. Transactions are sorted by time once,
 * with running totals in whole cents: a window is two binary searches and a few subtractions, so a
 * decision can fold its inputs at hundreds of later boundaries (see firstOutcomeChange) for little
 * more than one fold. Sums in cents are exact, so every moment gives what a fresh fold gives.
 */
export function transactionFolder(
  txns: readonly AggregatedTransaction[],
  options: Omit<AggregationOptions, 'now'>,
): TransactionFolder {
  const threshold = options.reportingThresholdEur ?? 10_000;
  const nearFrom = threshold * (options.nearThresholdRatio ?? 0.9);
  const home = new Set(options.homeCountries);
  const rows = txns
    .map((t) => {
      const country = t.counterpartyCountry;
      const cash = t.paymentMethod === 'cash';
      return {
        at: Date.parse(t.timestamp),
        country,
        cents: Math.round(t.amountEur * 100),
        cash,
        crypto: t.paymentMethod === 'crypto',
        crossBorder: Boolean(country) && !home.has(country as string),
        highRisk: Boolean(country) && options.highRiskCountries.has(country as string),
        nearThreshold: cash && t.amountEur >= nearFrom && t.amountEur < threshold,
      };
    })
    // Stored timestamps are validated ISO strings; one that does not parse has no window to be in.
    .filter((r) => !Number.isNaN(r.at))
    .sort((a, b) => a.at - b.at);
  const n = rows.length;
  // Running totals in one pass: sums[i] is the total over rows[0..i).
  const volume = new Float64Array(n + 1);
  const cash = new Float64Array(n + 1);
  const crypto = new Float64Array(n + 1);
  const crossBorder = new Float64Array(n + 1);
  const highRisk = new Float64Array(n + 1);
  const nearThreshold = new Float64Array(n + 1);
  const times = new Float64Array(n);
  rows.forEach((r, i) => {
    times[i] = r.at;
    volume[i + 1] = (volume[i] as number) + r.cents;
    cash[i + 1] = (cash[i] as number) + (r.cash ? r.cents : 0);
    crypto[i + 1] = (crypto[i] as number) + (r.crypto ? r.cents : 0);
    crossBorder[i + 1] = (crossBorder[i] as number) + (r.crossBorder ? 1 : 0);
    highRisk[i + 1] = (highRisk[i] as number) + (r.highRisk ? 1 : 0);
    nearThreshold[i + 1] = (nearThreshold[i] as number) + (r.nearThreshold ? 1 : 0);
  });
  const largest = rangeMax(rows.map((r) => r.cents));
  const between = (sums: Float64Array, from: number, to: number) =>
    (sums[to] as number) - (sums[from] as number);
  // A transaction counts from futureTolerance before its time until 30 or 90 days after it.
  const windows = (moment: Date) => {
    const now = moment.getTime();
    return {
      end: firstIndex(times, (t) => t > now + futureTolerance),
      from90: firstIndex(times, (t) => t >= now - 90 * day),
      from30: firstIndex(times, (t) => t >= now - 30 * day),
    };
  };
  const aggregates = (moment: Date): TransactionAggregates => {
    const { end, from90, from30 } = windows(moment);
    const volume90 = between(volume, from90, end);
    return {
      volume30d: round2(between(volume, from30, end) / 100),
      count30d: Math.max(0, end - from30),
      volume90d: round2(volume90 / 100),
      count90d: Math.max(0, end - from90),
      cashShare90d: ratio(between(cash, from90, end), volume90),
      cryptoShare90d: ratio(between(crypto, from90, end), volume90),
      crossBorderShare90d: ratio(between(crossBorder, from90, end), Math.max(0, end - from90)),
      highRiskCountryCount90d: between(highRisk, from90, end),
      nearThresholdCashCount30d: between(nearThreshold, from30, end),
      maxAmount90d: round2(largest(from90, end) / 100),
    };
  };
  const counterparties = (moment: Date) => {
    const { end, from90 } = windows(moment);
    const counts: Record<string, number> = {};
    for (const { country } of rows.slice(from90, end))
      if (country) counts[country] = (counts[country] ?? 0) + 1;
    return counts;
  };
  return { aggregates, counterparties };
}

/** The first index of `sorted` whose value meets `reached` (false, then true, along the array). */
function firstIndex(sorted: Float64Array, reached: (value: number) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (reached(sorted[mid] as number)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The largest of values[from..to), at least 0, in constant time after a sparse table is built. */
function rangeMax(values: readonly number[]): (from: number, to: number) => number {
  const levels: Float64Array[] = [Float64Array.from(values)];
  for (let width = 2; width <= values.length; width *= 2) {
    const previous = levels[levels.length - 1] as Float64Array;
    const next = new Float64Array(values.length - width + 1);
    for (let i = 0; i < next.length; i++)
      next[i] = Math.max(previous[i] as number, previous[i + width / 2] as number);
    levels.push(next);
  }
  return (from, to) => {
    if (to <= from) return 0;
    const level = Math.floor(Math.log2(to - from));
    const maxima = levels[level] as Float64Array;
    return Math.max(0, maxima[from] as number, maxima[to - 2 ** level] as number);
  };
}
