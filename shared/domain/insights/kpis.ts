/**
 * KPI arithmetic of the insights API: pure functions over plain data, so every number the
 * dashboard shows can be checked by hand on a small fixture (test/unit/insights-kpis.test.ts).
 * Definitions and formulas are in docs/insights.md; the short version is beside each function.
 */
import type { CaseStatus, ComplianceCase } from '../cases/case.js';
import { npsOf, participationRate } from '../feedback/nps.js';
import { emptyCounts, type ResponseCounts } from '../feedback/store.js';
import type { AuditOutcome } from '../ports.js';
import type {
  CaptureCurve,
  CapturePoint,
  CaseStats,
  FeedbackStats,
  Incidents,
  SegmentCapture,
} from './schemas.js';

/** What the KPIs need of a current assignment (no inputs, no personal data). */
export interface PopulationMember {
  pseudonym: string;
  segment: string;
  score: number;
  reasonCodes: string[];
  assignedAt: string;
}

/** A segment of the model in force; the list is ordered least → most severe, like the model. */
export interface SegmentInfo {
  name: string;
  /** The segment's policy requires enhanced due diligence: "flagged" / high risk. */
  highRisk: boolean;
}

/** What the KPIs need of an audit outcome. */
export type OutcomeLabel = Pick<AuditOutcome, 'pseudonym' | 'outcome' | 'date'>;

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

/** Issues and outcomes per customer, for the customers the population knows (others have no segment). */
function labelsOf(population: readonly PopulationMember[], outcomes: readonly OutcomeLabel[]) {
  const known = new Set(population.map((m) => m.pseudonym));
  const perCustomer = new Map<string, { issues: number; outcomes: number }>();
  let issues = 0;
  let counted = 0;
  for (const o of outcomes) {
    if (!known.has(o.pseudonym)) continue;
    const entry = perCustomer.get(o.pseudonym) ?? { issues: 0, outcomes: 0 };
    entry.outcomes++;
    counted++;
    if (o.outcome === 'issue') {
      entry.issues++;
      issues++;
    }
    perCustomer.set(o.pseudonym, entry);
  }
  return { perCustomer, issues, outcomes: counted };
}

/** Keeps at most `max` points, evenly spread, always the first and the last. */
function thin(points: CapturePoint[], max: number): CapturePoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)] as CapturePoint);
}

/**
 * The capture curve ("5 % flagged holds 90 % of issues"): customers ranked by score, riskiest
 * first; at each distinct score, flaggedShare = customers at or above it / all customers and
 * capturedShare = issue outcomes of those customers / all issue outcomes. Customers with equal
 * scores enter together (one point per distinct score), so the curve never depends on the order
 * of ties. An audit outcome counts for the customer's current segment and score; outcomes of
 * customers without a current assignment cannot be placed and are left out. No issue: no curve.
 *
 * `bySegment` is the same curve cut at segment boundaries, most severe segment first and
 * cumulative: precision = issues / outcomes among the customers counted so far (the audited ones),
 * recall = capturedShare = issues among them / all issues.
 */
export function captureCurve(
  population: readonly PopulationMember[],
  outcomes: readonly OutcomeLabel[],
  segments: readonly SegmentInfo[],
  options: { maxPoints?: number } = {},
): CaptureCurve {
  const labels = labelsOf(population, outcomes);
  const n = population.length;
  const points: CapturePoint[] = [];
  if (labels.issues > 0) {
    const ranked = [...population].sort((a, b) => b.score - a.score);
    points.push({ flaggedShare: 0, capturedShare: 0 });
    let flagged = 0;
    let captured = 0;
    for (let i = 0; i < ranked.length; ) {
      const score = (ranked[i] as PopulationMember).score;
      for (; i < ranked.length && (ranked[i] as PopulationMember).score === score; i++) {
        flagged++;
        captured += labels.perCustomer.get((ranked[i] as PopulationMember).pseudonym)?.issues ?? 0;
      }
      points.push({ flaggedShare: flagged / n, capturedShare: captured / labels.issues });
    }
  }
  const bySegment: SegmentCapture[] = [];
  let customers = 0;
  let issues = 0;
  let audited = 0;
  for (const segment of [...segments].reverse()) {
    for (const m of population) {
      if (m.segment !== segment.name) continue;
      customers++;
      const l = labels.perCustomer.get(m.pseudonym);
      issues += l?.issues ?? 0;
      audited += l?.outcomes ?? 0;
    }
    const recall = ratio(issues, labels.issues);
    bySegment.push({
      segment: segment.name,
      customers,
      flaggedShare: ratio(customers, n) ?? 0,
      issues,
      capturedShare: recall ?? 0,
      precision: ratio(issues, audited),
      recall,
      outcomes: audited,
    });
  }
  return {
    outcomes: labels.outcomes,
    issues: labels.issues,
    points: thin(points, Math.max(2, options.maxPoints ?? 201)),
    bySegment,
    customers: n,
  };
}

export interface HighRiskKpis {
  customers: number;
  /** Customers in segments whose policy requires enhanced due diligence / all customers (0 when none). */
  highRiskShare: number;
  /** Issue outcomes of high-risk customers / all issue outcomes; null without any issue. */
  captureRate: number | null;
  /** Issue outcomes / all outcomes of high-risk customers; null when none of them was audited. */
  precision: number | null;
  /** Same quotient as captureRate (TP / (TP + FN)), named for the precision/recall pair. */
  recall: number | null;
}

/** Precision, recall and capture rate of the high-risk (EDD) segments against audit outcomes. */
export function highRiskKpis(
  population: readonly PopulationMember[],
  outcomes: readonly OutcomeLabel[],
  segments: readonly SegmentInfo[],
): HighRiskKpis {
  const highRisk = new Set(segments.filter((s) => s.highRisk).map((s) => s.name));
  const labels = labelsOf(population, outcomes);
  let flagged = 0;
  let issues = 0;
  let audited = 0;
  for (const m of population) {
    if (!highRisk.has(m.segment)) continue;
    flagged++;
    const l = labels.perCustomer.get(m.pseudonym);
    issues += l?.issues ?? 0;
    audited += l?.outcomes ?? 0;
  }
  const captureRate = ratio(issues, labels.issues);
  return {
    customers: population.length,
    highRiskShare: ratio(flagged, population.length) ?? 0,
    captureRate,
    precision: ratio(issues, audited),
    recall: captureRate,
  };
}

/** Model segments first (severity order), then any other segment the data names, alphabetically. */
function orderedSegments(model: readonly SegmentInfo[], seen: Iterable<string>): string[] {
  const names = model.map((s) => s.name);
  const known = new Set(names);
  return [...names, ...[...new Set(seen)].filter((s) => !known.has(s)).sort()];
}

/**
 * Audit outcomes per outcome month (`date`'s YYYY-MM) and the customer's current segment, for the
 * given months; every model segment appears in every month (zeros included) so charts line up.
 */
export function incidentSeries(
  population: readonly PopulationMember[],
  outcomes: readonly OutcomeLabel[],
  segments: readonly SegmentInfo[],
  periods: readonly string[],
): Incidents {
  const segmentOf = new Map(population.map((m) => [m.pseudonym, m.segment]));
  const inRange = new Set(periods);
  const counts = new Map<string, { issues: number; noIssue: number }>();
  const seen: string[] = [];
  for (const o of outcomes) {
    const segment = segmentOf.get(o.pseudonym);
    const period = o.date.slice(0, 7);
    if (segment === undefined || !inRange.has(period)) continue;
    seen.push(segment);
    const key = `${period}\u001f${segment}`;
    const c = counts.get(key) ?? { issues: 0, noIssue: 0 };
    if (o.outcome === 'issue') c.issues++;
    else c.noIssue++;
    counts.set(key, c);
  }
  const names = orderedSegments(segments, seen);
  return {
    series: periods.flatMap((period) =>
      names.map((segment) => ({
        period,
        segment,
        ...(counts.get(`${period}\u001f${segment}`) ?? { issues: 0, noIssue: 0 }),
      })),
    ),
  };
}

/** Median (mean of the two middle values for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const dayMs = 86_400_000;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Days from opening to closing a closed case (fractional), or undefined for a case not closed. */
export function daysToClose(c: Pick<ComplianceCase, 'openedAt' | 'closedAt'>): number | undefined {
  if (!c.closedAt) return undefined;
  return Math.max(0, (Date.parse(c.closedAt) - Date.parse(c.openedAt)) / dayMs);
}

/**
 * Cases per segment: counts by status and the median time to close (days, two decimals). A case
 * belongs to the segment it was opened for; a case opened without one goes to the customer's
 * current segment, else to `unsegmented`.
 */
export function caseStats(
  cases: readonly ComplianceCase[],
  segments: readonly SegmentInfo[],
  currentSegmentOf: (pseudonym: string) => string | undefined,
): CaseStats {
  const groups = new Map<string, { byStatus: Record<CaseStatus, number>; durations: number[] }>();
  for (const c of cases) {
    const segment = c.segment ?? currentSegmentOf(c.subject) ?? 'unsegmented';
    const g = groups.get(segment) ?? { byStatus: { open: 0, in_review: 0, closed: 0 }, durations: [] };
    g.byStatus[c.status]++;
    const days = c.status === 'closed' ? daysToClose(c) : undefined;
    if (days !== undefined) g.durations.push(days);
    groups.set(segment, g);
  }
  return {
    bySegment: orderedSegments(segments, groups.keys()).map((segment) => {
      const g = groups.get(segment);
      const m = g ? median(g.durations) : null;
      return {
        segment,
        open: g?.byStatus.open ?? 0,
        inReview: g?.byStatus.in_review ?? 0,
        closed: g?.byStatus.closed ?? 0,
        medianDaysToClose: m === null ? null : round2(m),
      };
    }),
  };
}

/** Open cases (status open or in review: not yet closed) and the median days to close over all closed cases. */
export function caseTotals(cases: readonly ComplianceCase[]): {
  openCases: number;
  medianDaysToClose: number | null;
} {
  const durations = cases.flatMap((c) => {
    const d = c.status === 'closed' ? daysToClose(c) : undefined;
    return d === undefined ? [] : [d];
  });
  const m = median(durations);
  return {
    openCases: cases.filter((c) => c.status !== 'closed').length,
    medianDaysToClose: m === null ? null : round2(m),
  };
}

/**
 * NPS and participation of one counter set, with the arithmetic GET /v1/feedback/nps uses
 * (`npsOf`, `participationRate`). Participation is returned as a fraction (0.3 = 30 %).
 */
export function feedbackPoint(c: ResponseCounts): {
  nps: number | null;
  responses: number;
  surveyed: number;
  participation: number | null;
} {
  const responses = c.promoters + c.passives + c.detractors + c.skipped;
  const rate = participationRate(responses, c.surveyed);
  return {
    nps: npsOf(c).nps,
    responses,
    surveyed: c.surveyed,
    participation: rate === null ? null : Math.round(rate * 10) / 1000,
  };
}

/**
 * NPS and participation per period and segment. Model segments appear in every period; other
 * buckets (`unsegmented`, `unlinked`, segments of older models) only where they hold data.
 */
export function feedbackSeries(
  counts: Readonly<Record<string, Readonly<Record<string, ResponseCounts>>>>,
  segments: readonly SegmentInfo[],
  periods: readonly string[],
): FeedbackStats {
  const modelNames = new Set(segments.map((s) => s.name));
  return {
    series: periods.flatMap((period) => {
      const bySegment = counts[period] ?? {};
      const extra = Object.keys(bySegment).filter((s) => {
        const c = bySegment[s] as ResponseCounts;
        return !modelNames.has(s) && c.promoters + c.passives + c.detractors + c.skipped + c.surveyed > 0;
      });
      return orderedSegments(segments, extra).map((segment) => ({
        period,
        segment,
        ...feedbackPoint(bySegment[segment] ?? emptyCounts()),
      }));
    }),
  };
}

/** Counters of all segments of a period added up (for the summary's single NPS figure). */
export function totalCounts(bySegment: Readonly<Record<string, ResponseCounts>>): ResponseCounts {
  const total = emptyCounts();
  for (const c of Object.values(bySegment)) {
    for (const key of Object.keys(total) as (keyof ResponseCounts)[]) total[key] += c[key];
  }
  return total;
}

/** Reason codes over the current assignments (customers carrying each), most frequent first, ties by code. */
export function reasonCodeFrequencies(
  population: readonly Pick<PopulationMember, 'reasonCodes'>[],
): { reasonCode: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const m of population) {
    for (const code of new Set(m.reasonCodes)) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts]
    .map(([reasonCode, count]) => ({ reasonCode, count }))
    .sort((a, b) => b.count - a.count || a.reasonCode.localeCompare(b.reasonCode));
}

/** Current customers per model segment with their share (0 when there are no customers). */
export function segmentCounts(
  population: readonly Pick<PopulationMember, 'segment'>[],
  segments: readonly SegmentInfo[],
): { segment: string; count: number; share: number }[] {
  const counts = new Map<string, number>();
  for (const m of population) counts.set(m.segment, (counts.get(m.segment) ?? 0) + 1);
  return segments.map((s) => {
    const count = counts.get(s.name) ?? 0;
    return { segment: s.name, count, share: ratio(count, population.length) ?? 0 };
  });
}
