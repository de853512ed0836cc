import { z } from 'zod';
import type { Assignment } from '../ports.js';
import type { CompiledModel, RiskModel } from '../risk-model/index.js';
import type { ScoreSource } from '../scoring/score.js';
import { withHighRiskRecount } from './aggregates.js';

/**
 * Scenario shifts change the population (or the model's lists) instead of the rules, so compliance
 * can see what a behaviour change or a new FATF list would do before it happens.
 */
export const scenarioShift = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('scale'),
      /** A transaction aggregate, e.g. `volume90d` or `cashShare90d` (shares are capped at 1). */
      aggregate: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/),
      factor: z.number().positive().max(1000),
      where: z
        .object({ customerType: z.enum(['individual', 'corporate']).optional() })
        .strict()
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.enum(['addToList', 'removeFromList']),
      list: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/),
      values: z.array(z.string().min(1).max(64)).min(1).max(300),
    })
    .strict(),
]);
export type ScenarioShift = z.infer<typeof scenarioShift>;

/** Applies list shifts to a model document (the rules are untouched). */
export function withListShifts(model: RiskModel, shifts: readonly ScenarioShift[]): RiskModel {
  const lists = structuredClone(model.lists);
  for (const shift of shifts) {
    if (shift.kind === 'scale') continue;
    const list = lists[shift.list];
    if (!list) throw new Error(`Unknown list ${shift.list}`);
    const values = new Set(list.values);
    for (const v of shift.values) shift.kind === 'addToList' ? values.add(v) : values.delete(v);
    list.values = [...values].sort();
  }
  return { ...model, lists };
}

export interface SimulationReport {
  population: number;
  evaluated: number;
  /** Assignments written before inputs were stored cannot be simulated until re-segmented. */
  skippedWithoutInputs: number;
  /**
   * Evaluated on inputs that may have aged since they were recorded: `recheckAt` has passed (a
   * payment left a window without changing the decision; a pin expiry or cooldown end counts too),
   * or the decision predates `recheckAt`. The next re-evaluation of the customer, at the latest the
   * weekly full run, records them afresh.
   */
  evaluatedOnAgedInputs: number;
  failed: number;
  moved: number;
  upgraded: number;
  downgraded: number;
  /** from → to → customers, for customers whose segment would change. */
  transitions: Record<string, Record<string, number>>;
  segmentsBefore: Record<string, number>;
  segmentsAfter: Record<string, number>;
  /** Reason codes that appear (upgrades) or disappear (downgrades) for moved customers, most frequent first. */
  drivers: { reasonCode: string; customers: number; direction: 'up' | 'down' }[];
  sample: { pseudonym: string; from: string; to: string; scoreBefore: number; scoreAfter: number }[];
}

/**
 * Evaluates `candidate` on the stored inputs of every assignment, after the scenario's population
 * shifts, and reports who would move where and why. Writes nothing.
 */
export async function simulate(
  candidate: CompiledModel,
  assignments: AsyncIterable<Assignment[]>,
  shifts: readonly ScenarioShift[],
  /**
   * `partial`: one part of the population, whose drivers are all kept for mergeReports. `score`:
   * the predictive score rules read (`score` source), from the scoring model the simulation runs
   * with; absent when none is in use.
   */
  options: {
    sampleSize?: number;
    now?: Date;
    partial?: boolean;
    score?: (inputs: NonNullable<Assignment['inputs']>) => ScoreSource;
  } = {},
): Promise<SimulationReport> {
  const asOf = (options.now ?? new Date()).toISOString();
  const severity = new Map(candidate.model.segments.map((s, i) => [s.name, i]));
  const highRisk = new Set(candidate.model.lists.highRiskCountries?.values ?? []);
  const report = emptyReport();
  // Every driver, counted before the report keeps its most frequent: shards' reports add up exactly.
  const drivers = new Map<string, { customers: number; direction: 'up' | 'down' }>();
  const sampleSize = options.sampleSize ?? 20;
  for await (const page of assignments) {
    for (const a of page) {
      report.population++;
      if (!a.inputs) {
        report.skippedWithoutInputs++;
        continue;
      }
      let after: ReturnType<CompiledModel['evaluate']>;
      try {
        const transactions = shifted(a, shifts, highRisk);
        after = candidate.evaluate({
          profile: a.inputs.profile,
          transactions,
          ...(a.inputs.feedback ? { feedback: a.inputs.feedback } : {}),
          // Scored on the shifted inputs: a scenario moves the score as it would in production.
          ...(options.score ? { score: options.score({ ...a.inputs, transactions }) } : {}),
        });
      } catch {
        report.failed++;
        continue;
      }
      report.evaluated++;
      if (a.recheckAt === undefined || (a.recheckAt !== null && a.recheckAt <= asOf))
        report.evaluatedOnAgedInputs++;
      count(report.segmentsBefore, a.segment);
      count(report.segmentsAfter, after.segment);
      if (after.segment === a.segment) continue;
      report.moved++;
      const up = (severity.get(after.segment) ?? 0) > (severity.get(a.segment) ?? 0);
      if (up) report.upgraded++;
      else report.downgraded++;
      const row = report.transitions[a.segment] ?? {};
      report.transitions[a.segment] = row;
      count(row, after.segment);
      const before = new Set(a.reasonCodes);
      const now = new Set(after.firedRules.map((r) => r.reasonCode));
      const changed = up ? [...now].filter((c) => !before.has(c)) : [...before].filter((c) => !now.has(c));
      for (const code of changed) {
        const key = `${up ? 'up' : 'down'}:${code}`;
        const d = drivers.get(key) ?? { customers: 0, direction: up ? 'up' : 'down' };
        d.customers++;
        drivers.set(key, d);
      }
      if (report.sample.length < sampleSize) {
        report.sample.push({
          pseudonym: a.pseudonym,
          from: a.segment,
          to: after.segment,
          scoreBefore: a.score,
          scoreAfter: after.score,
        });
      }
    }
  }
  report.drivers = [...drivers.entries()].map(([key, d]) => ({
    reasonCode: key.slice(key.indexOf(':') + 1),
    ...d,
  }));
  return options.partial ? report : mergeReports([report], sampleSize);
}

/** The most frequent drivers a report lists. */
const driversListed = 15;

/**
 * The report of a whole population from the partial reports of its parts (scan shards): counts add
 * up, drivers are counted across parts before the most frequent are kept, the sample is the first
 * `sampleSize` of the parts' samples.
 */
export function mergeReports(parts: readonly SimulationReport[], sampleSize: number): SimulationReport {
  const merged = emptyReport();
  const drivers = new Map<string, SimulationReport['drivers'][number]>();
  for (const part of parts) {
    for (const key of counters) merged[key] += part[key];
    for (const [from, row] of Object.entries(part.transitions)) {
      const to = merged.transitions[from] ?? {};
      merged.transitions[from] = to;
      add(to, row);
    }
    add(merged.segmentsBefore, part.segmentsBefore);
    add(merged.segmentsAfter, part.segmentsAfter);
    for (const d of part.drivers) {
      const key = `${d.direction}:${d.reasonCode}`;
      const total = drivers.get(key) ?? { ...d, customers: 0 };
      total.customers += d.customers;
      drivers.set(key, total);
    }
    merged.sample.push(...part.sample.slice(0, sampleSize - merged.sample.length));
  }
  merged.drivers = [...drivers.values()]
    .sort((x, y) => y.customers - x.customers || (x.reasonCode < y.reasonCode ? -1 : 1))
    .slice(0, driversListed);
  return merged;
}

const emptyReport = (): SimulationReport => ({
  population: 0,
  evaluated: 0,
  skippedWithoutInputs: 0,
  evaluatedOnAgedInputs: 0,
  failed: 0,
  moved: 0,
  upgraded: 0,
  downgraded: 0,
  transitions: {},
  segmentsBefore: {},
  segmentsAfter: {},
  drivers: [],
  sample: [],
});

const counters = [
  'population',
  'evaluated',
  'skippedWithoutInputs',
  'evaluatedOnAgedInputs',
  'failed',
  'moved',
  'upgraded',
  'downgraded',
] as const;

function add(into: Record<string, number>, from: Record<string, number>) {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** The customer's aggregates after the scenario's scale shifts, with high-risk counts re-counted. */
function shifted(
  a: Assignment,
  shifts: readonly ScenarioShift[],
  highRisk: ReadonlySet<string>,
): Record<string, number> {
  const t = { ...a.inputs.transactions };
  for (const s of shifts) {
    if (s.kind !== 'scale') continue;
    if (s.where?.customerType && s.where.customerType !== a.inputs.profile.customerType) continue;
    const value = t[s.aggregate];
    if (value === undefined) continue;
    t[s.aggregate] = /Share/.test(s.aggregate) ? Math.min(1, value * s.factor) : value * s.factor;
  }
  return a.inputs.counterparties90d ? withHighRiskRecount(t, a.inputs.counterparties90d, highRisk) : t;
}

function count(map: Record<string, number>, key: string) {
  map[key] = (map[key] ?? 0) + 1;
}
