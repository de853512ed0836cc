/**
 * Maintained aggregates: the counts behind /v1/insights/* and /v1/segments, kept up to date by the
 * writes that change them (a decision, an outcome, a case move, an erasure, a retention delete)
 * instead of being counted from the tables at request time. Reading them costs the same at ten
 * thousand customers as at ten million.
 *
 * A write turns into a `CounterDelta`: per aggregate item, counters to add (negative to take away).
 * The adapter adds it in the same transaction as the write, to one of `COUNTER_SHARDS` copies of
 * each item; a read adds the copies up. `recount` computes the same counters from the source rows,
 * for the rebuild command and for the property test that proves maintenance and recount agree.
 *
 * Counter names are `kind:value` (segment names, reason codes, buckets): data, kept in Maps.
 */
import type { CaseStatus } from '../cases/case.js';

/**
 * Copies of each aggregate item. Each writer (Lambda container) adds to one copy, so concurrent
 * containers rarely touch the same item (DynamoDB cancels concurrent transactions on one item), and
 * one copy takes at most 1,000 write units a second: re-segmenting 10 million customers in 15
 * minutes writes about 11,000 decisions a second, about 340 transactions (of ~33 decisions) a
 * second, each adding to one copy of 2-3 small items; 32 copies keep each well under its limit
 * with room for 3× bursts. A read is a BatchGet of 32 items per aggregate, whatever the population.
 */
export const COUNTER_SHARDS = 32;

export type Counters = Map<string, number>;
/** Per aggregate item (`population`, `cases`, `incidents#YYYY-MM`), counters to add. */
export type CounterDelta = Map<string, Counters>;

export const POPULATION = 'population';
export const CASES = 'cases';
export const incidentsItem = (month: string) => `incidents#${month}`;
/** Cases opened without a segment (and before the customer had one) count here. */
export const UNSEGMENTED = 'unsegmented';

/** What the aggregates count of a current assignment. */
export interface PlacedAssignment {
  segment: string;
  score: number;
  reasonCodes: readonly string[];
}

/**
 * What they count of an audit outcome: its month and, when the customer had a decision when the
 * outcome was recorded, the segment and score of that decision (`placedIn`). Outcomes are counted
 * where the customer stood when audited, so a later decision moves nothing.
 */
export interface PlacedOutcome {
  outcome: 'issue' | 'no_issue';
  date: string;
  placedIn?: { segment: string; score: number };
}

export interface CountedCase {
  segment: string | null;
  status: CaseStatus;
  openedAt: string;
  closedAt?: string;
}

/** Capture-curve resolution: one point per whole score (risk points are whole in most models). */
export const scoreBucket = (score: number): number => Math.floor(score);

const hour = 1 / 24;
/**
 * Days to close, bucketed so a median comes from counters: to the hour up to a week, to six hours
 * up to 30 days, to the day up to a year, to the week beyond. Whole-hour durations are exact.
 */
export function closeDaysBucket(days: number): number {
  const d = Math.max(0, days);
  const width = d < 7 ? hour : d < 30 ? 6 * hour : d < 365 ? 1 : 7;
  // Rounded to the millisecond before flooring, so 2 days never lands in the 47th hour bucket.
  return Math.round(Math.floor(Math.round(d * 86_400_000) / (width * 86_400_000)) * width * 1e9) / 1e9;
}

function add(delta: CounterDelta, item: string, counter: string, n: number): void {
  if (n === 0) return;
  let counters = delta.get(item);
  if (!counters) {
    counters = new Map();
    delta.set(item, counters);
  }
  const next = (counters.get(counter) ?? 0) + n;
  if (next === 0) counters.delete(counter);
  else counters.set(counter, next);
  if (counters.size === 0) delta.delete(item);
}

/** Adds `more` into `into` (and returns it); counters that cancel out disappear. */
export function mergeDeltas(into: CounterDelta, more: CounterDelta): CounterDelta {
  for (const [item, counters] of more) for (const [c, n] of counters) add(into, item, c, n);
  return into;
}

function countAssignment(delta: CounterDelta, a: PlacedAssignment, sign: 1 | -1): void {
  add(delta, POPULATION, `customers:${a.segment}`, sign);
  add(delta, POPULATION, `score:${scoreBucket(a.score)}`, sign);
  for (const code of new Set(a.reasonCodes)) add(delta, POPULATION, `reason:${code}`, sign);
}

/** A decision replaced `before` (absent: a new customer) by `after` (absent: deleted). */
export function assignmentDelta(before: PlacedAssignment | undefined, after: PlacedAssignment | undefined) {
  const delta: CounterDelta = new Map();
  if (before) countAssignment(delta, before, -1);
  if (after) countAssignment(delta, after, 1);
  return delta;
}

/** An outcome stored (`sign` 1) or deleted (-1). */
export function outcomeDelta(o: PlacedOutcome, sign: 1 | -1 = 1): CounterDelta {
  const delta: CounterDelta = new Map();
  if (!o.placedIn) return delta;
  const { segment, score } = o.placedIn;
  const issue = o.outcome === 'issue' ? 1 : 0;
  add(delta, POPULATION, `outcomes:${segment}`, sign);
  add(delta, POPULATION, `issues:${segment}`, sign * issue);
  add(delta, POPULATION, `issueScore:${scoreBucket(score)}`, sign * issue);
  add(delta, incidentsItem(o.date.slice(0, 7)), `${issue ? 'issue' : 'noIssue'}:${segment}`, sign);
  return delta;
}

function countCase(delta: CounterDelta, c: CountedCase, sign: 1 | -1): void {
  const segment = c.segment ?? UNSEGMENTED;
  add(delta, CASES, `${c.status}:${segment}`, sign);
  if (c.status === 'closed' && c.closedAt) {
    const days = (Date.parse(c.closedAt) - Date.parse(c.openedAt)) / 86_400_000;
    add(delta, CASES, `closeDays:${segment}:${closeDaysBucket(days)}`, sign);
  }
}

/** A case created (`before` absent), moved, or deleted (`after` absent). */
export function caseDelta(before: CountedCase | undefined, after: CountedCase | undefined): CounterDelta {
  const delta: CounterDelta = new Map();
  if (before) countCase(delta, before, -1);
  if (after) countCase(delta, after, 1);
  return delta;
}

/** The aggregates of whole tables: what maintenance must have arrived at. */
export function recount(source: {
  assignments: Iterable<PlacedAssignment>;
  outcomes: Iterable<PlacedOutcome>;
  cases: Iterable<CountedCase>;
}): CounterDelta {
  const totals: CounterDelta = new Map();
  for (const a of source.assignments) countAssignment(totals, a, 1);
  for (const o of source.outcomes) mergeDeltas(totals, outcomeDelta(o));
  for (const c of source.cases) countCase(totals, c, 1);
  return totals;
}

/** The counters of one kind (`customers`, `score`, …) of an item, by value. */
export function countersOf(counters: Counters | undefined, kind: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!counters) return out;
  const prefix = `${kind}:`;
  for (const [name, n] of counters) {
    if (n !== 0 && name.startsWith(prefix)) out.set(name.slice(prefix.length), n);
  }
  return out;
}

/** Population and outcome counters, as the KPIs read them. */
export interface PopulationCounts {
  customers: Map<string, number>;
  reasons: Map<string, number>;
  /** Customers per score bucket. */
  scores: Map<number, number>;
  /** Outcomes and issues per segment the customer was in when audited. */
  outcomes: Map<string, number>;
  issues: Map<string, number>;
  /** Issues per score bucket of the customer when audited. */
  issueScores: Map<number, number>;
}

const numericKeys = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [Number(k), v]));

export function populationCounts(counters: Counters | undefined): PopulationCounts {
  return {
    customers: countersOf(counters, 'customers'),
    reasons: countersOf(counters, 'reason'),
    scores: numericKeys(countersOf(counters, 'score')),
    outcomes: countersOf(counters, 'outcomes'),
    issues: countersOf(counters, 'issues'),
    issueScores: numericKeys(countersOf(counters, 'issueScore')),
  };
}

export interface IncidentCounts {
  issues: Map<string, number>;
  noIssue: Map<string, number>;
}

export const incidentCounts = (counters: Counters | undefined): IncidentCounts => ({
  issues: countersOf(counters, 'issue'),
  noIssue: countersOf(counters, 'noIssue'),
});

export interface CaseCounts {
  byStatus: Map<CaseStatus, Map<string, number>>;
  /** Per segment: closed cases per days-to-close bucket. */
  closeDays: Map<string, Map<number, number>>;
}

export function caseCounts(counters: Counters | undefined): CaseCounts {
  const closeDays = new Map<string, Map<number, number>>();
  for (const [key, n] of countersOf(counters, 'closeDays')) {
    const at = key.lastIndexOf(':');
    const segment = key.slice(0, at);
    const buckets = closeDays.get(segment) ?? new Map<number, number>();
    buckets.set(Number(key.slice(at + 1)), n);
    closeDays.set(segment, buckets);
  }
  return {
    byStatus: new Map(
      (['open', 'in_review', 'closed'] as const).map((s) => [s, countersOf(counters, s)] as const),
    ),
    closeDays,
  };
}

/** Median of a histogram (value → count): the middle value, or the mean of the two middle ones. */
export function histogramMedian(histogram: Iterable<[number, number]>): number | null {
  const sorted = [...histogram].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const at = (rank: number) => {
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (rank < seen) return value;
    }
    return (sorted[sorted.length - 1] as [number, number])[0];
  };
  return total % 2 === 1 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}

/** Port: the maintained aggregates, each added up over its shards. */
export interface AggregateReader {
  read(items: readonly string[]): Promise<Map<string, Counters>>;
}

export async function readPopulation(reader: AggregateReader): Promise<PopulationCounts> {
  return populationCounts((await reader.read([POPULATION])).get(POPULATION));
}

/** Customers with a decision, all segments: what a job's fan-out is sized by. */
export async function populationSize(reader: AggregateReader): Promise<number> {
  let total = 0;
  for (const n of (await readPopulation(reader)).customers.values()) total += n;
  return total;
}

/** Port: the source tables, scanned page by page (the rebuild only). */
export interface AggregateSources {
  assignments(): AsyncIterable<PlacedAssignment[]>;
  outcomes(): AsyncIterable<PlacedOutcome[]>;
  cases(): AsyncIterable<CountedCase[]>;
}

/** Recounts every aggregate from the source tables and replaces the maintained ones with it. */
export async function rebuildAggregates(deps: {
  sources: AggregateSources;
  target: AggregateRebuilder;
  progress?: (table: string, rows: number) => void;
}): Promise<{ assignments: number; outcomes: number; cases: number; items: number; removed: number }> {
  const totals: CounterDelta = new Map();
  const rows = { assignments: 0, outcomes: 0, cases: 0 };
  for await (const page of deps.sources.assignments()) {
    mergeDeltas(totals, recount({ assignments: page, outcomes: [], cases: [] }));
    rows.assignments += page.length;
    deps.progress?.('assignments', rows.assignments);
  }
  for await (const page of deps.sources.outcomes()) {
    mergeDeltas(totals, recount({ assignments: [], outcomes: page, cases: [] }));
    rows.outcomes += page.length;
    deps.progress?.('outcomes', rows.outcomes);
  }
  for await (const page of deps.sources.cases()) {
    mergeDeltas(totals, recount({ assignments: [], outcomes: [], cases: page }));
    rows.cases += page.length;
    deps.progress?.('cases', rows.cases);
  }
  return { ...rows, ...(await deps.target.replaceAll(totals)) };
}

/** Port: replaces every aggregate by the given totals (the rebuild). */
export interface AggregateRebuilder {
  replaceAll(totals: CounterDelta): Promise<{ items: number; removed: number }>;
}
