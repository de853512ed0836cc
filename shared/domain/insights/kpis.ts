/**
 * KPI arithmetic of the insights API: pure functions over plain data, so every number the
 * dashboard shows can be checked by hand on a small fixture (test/unit/insights-kpis.test.ts).
 * Definitions and formulas are in docs/insights.md; the short version is beside each function.
 */
import { npsOf, participationRate } from '../feedback/nps.js';
import { emptyCounts, type ResponseCounts } from '../feedback/store.js';
import {
  type CaseCounts,
  histogramMedian,
  type IncidentCounts,
  type PopulationCounts,
} from './aggregates.js';
import type {
  CaptureCurve,
  CapturePoint,
  CaseStats,
  FeedbackStats,
  Incidents,
  SegmentCapture,
} from './schemas.js';

/** A current assignment as the segment listing shows it (no inputs, no personal data). */
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

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

const sum = (values: Iterable<number>) => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/** Keeps at most `max` points, evenly spread, always the first and the last. */
function thin(points: CapturePoint[], max: number): CapturePoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)] as CapturePoint);
}

/**
 * The capture curve ("5 % flagged holds 90 % of issues"): score buckets (whole scores), riskiest
 * first; at each, flaggedShare = customers at or above it / all customers and capturedShare =
 * issue outcomes recorded while the customer scored at or above it / all issue outcomes. Customers
 * with equal scores enter together, so the curve never depends on the order of ties. An outcome
 * counts where the customer stood when it was recorded; outcomes of customers without a decision
 * then cannot be placed and are left out. No issue: no curve.
 *
 * `bySegment` is the same curve cut at segment boundaries, most severe segment first and
 * cumulative: precision = issues / outcomes recorded in the segments counted so far (the audited
 * customers), recall = capturedShare = issues among them / all issues.
 */
export function captureCurve(
  counts: PopulationCounts,
  segments: readonly SegmentInfo[],
  options: { maxPoints?: number } = {},
): CaptureCurve {
  const n = sum(counts.customers.values());
  const totalIssues = sum(counts.issues.values());
  const points: CapturePoint[] = [];
  if (totalIssues > 0) {
    const buckets = [...new Set([...counts.scores.keys(), ...counts.issueScores.keys()])].sort(
      (a, b) => b - a,
    );
    points.push({ flaggedShare: 0, capturedShare: 0 });
    let flagged = 0;
    let captured = 0;
    for (const bucket of buckets) {
      flagged += counts.scores.get(bucket) ?? 0;
      captured += counts.issueScores.get(bucket) ?? 0;
      points.push({ flaggedShare: ratio(flagged, n) ?? 0, capturedShare: captured / totalIssues });
    }
  }
  const bySegment: SegmentCapture[] = [];
  let customers = 0;
  let issues = 0;
  let audited = 0;
  for (const segment of [...segments].reverse()) {
    customers += counts.customers.get(segment.name) ?? 0;
    issues += counts.issues.get(segment.name) ?? 0;
    audited += counts.outcomes.get(segment.name) ?? 0;
    const recall = ratio(issues, totalIssues);
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
    outcomes: sum(counts.outcomes.values()),
    issues: totalIssues,
    points: thin(points, Math.max(2, options.maxPoints ?? 201)),
    bySegment,
    customers: n,
  };
}

export interface HighRiskKpis {
  customers: number;
  /** Customers in segments whose policy requires enhanced due diligence / all customers (0 when none). */
  highRiskShare: number;
  /** Issue outcomes recorded in high-risk segments / all issue outcomes; null without any issue. */
  captureRate: number | null;
  /** Issue outcomes / all outcomes recorded in high-risk segments; null when none was audited there. */
  precision: number | null;
  /** Same quotient as captureRate (TP / (TP + FN)), named for the precision/recall pair. */
  recall: number | null;
}

/** Precision, recall and capture rate of the high-risk (EDD) segments against audit outcomes. */
export function highRiskKpis(counts: PopulationCounts, segments: readonly SegmentInfo[]): HighRiskKpis {
  const highRisk = segments.filter((s) => s.highRisk).map((s) => s.name);
  const of = (m: Map<string, number>) => sum(highRisk.map((s) => m.get(s) ?? 0));
  const customers = sum(counts.customers.values());
  const captureRate = ratio(of(counts.issues), sum(counts.issues.values()));
  return {
    customers,
    highRiskShare: ratio(of(counts.customers), customers) ?? 0,
    captureRate,
    precision: ratio(of(counts.issues), of(counts.outcomes)),
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
 * Audit outcomes per outcome month (`date`'s YYYY-MM) and the segment the customer was in when it
 * was recorded, for the given months; every model segment appears in every month (zeros included)
 * so charts line up.
 */
export function incidentSeries(
  byPeriod: ReadonlyMap<string, IncidentCounts>,
  segments: readonly SegmentInfo[],
  periods: readonly string[],
): Incidents {
  const seen = [...byPeriod.values()].flatMap((c) => [...c.issues.keys(), ...c.noIssue.keys()]);
  const names = orderedSegments(segments, seen);
  return {
    series: periods.flatMap((period) => {
      const c = byPeriod.get(period);
      return names.map((segment) => ({
        period,
        segment,
        issues: c?.issues.get(segment) ?? 0,
        noIssue: c?.noIssue.get(segment) ?? 0,
      }));
    }),
  };
}

/** Median (mean of the two middle values for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  return histogramMedian(values.map((v) => [v, 1]));
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Cases per segment: counts by status and the median time to close (days, two decimals, from the
 * buckets of `closeDaysBucket`). A case belongs to the segment it was opened for (given, or the
 * customer's segment when it was opened), else to `unsegmented`.
 */
export function caseStats(counts: CaseCounts, segments: readonly SegmentInfo[]): CaseStats {
  const seen = [...counts.byStatus.values()].flatMap((m) => [...m.keys()]);
  return {
    bySegment: orderedSegments(segments, seen).map((segment) => {
      const m = histogramMedian(counts.closeDays.get(segment) ?? []);
      return {
        segment,
        open: counts.byStatus.get('open')?.get(segment) ?? 0,
        inReview: counts.byStatus.get('in_review')?.get(segment) ?? 0,
        closed: counts.byStatus.get('closed')?.get(segment) ?? 0,
        medianDaysToClose: m === null ? null : round2(m),
      };
    }),
  };
}

/** Open cases (status open or in review: not yet closed) and the median days to close over all closed cases. */
export function caseTotals(counts: CaseCounts): { openCases: number; medianDaysToClose: number | null } {
  const all = new Map<number, number>();
  for (const buckets of counts.closeDays.values()) {
    for (const [days, n] of buckets) all.set(days, (all.get(days) ?? 0) + n);
  }
  const m = histogramMedian(all);
  return {
    openCases:
      sum(counts.byStatus.get('open')?.values() ?? []) +
      sum(counts.byStatus.get('in_review')?.values() ?? []),
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
  counts: Pick<PopulationCounts, 'reasons'>,
): { reasonCode: string; count: number }[] {
  return [...counts.reasons]
    .map(([reasonCode, count]) => ({ reasonCode, count }))
    .sort((a, b) => b.count - a.count || a.reasonCode.localeCompare(b.reasonCode));
}

/** Current customers per model segment with their share (0 when there are no customers). */
export function segmentCounts(
  counts: Pick<PopulationCounts, 'customers'>,
  segments: readonly SegmentInfo[],
): { segment: string; count: number; share: number }[] {
  const total = sum(counts.customers.values());
  return segments.map((s) => {
    const count = counts.customers.get(s.name) ?? 0;
    return { segment: s.name, count, share: ratio(count, total) ?? 0 };
  });
}
