/**
 * Net Promoter Score arithmetic. "How likely are you to recommend …?" on 0-10: promoters 9-10,
 * passives 7-8, detractors 0-6. Shares, NPS and participation are percentages (NPS in points,
 * −100…+100), rounded to one decimal for reporting; comparisons use unrounded values.
 */
export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
  /** Responses whose NPS question was skipped or dismissed: counted, never in the NPS denominator. */
  skipped: number;
}

export interface NpsSummary {
  /** % promoters − % detractors over answered responses; null when nobody answered. */
  nps: number | null;
  /** promoters + passives + detractors (skipped excluded). */
  answered: number;
  /** % of answered responses; null when nobody answered. */
  promoterShare: number | null;
  detractorShare: number | null;
}

export interface BlindSpot {
  segment: string;
  reason: 'NPS_BELOW_THRESHOLD' | 'DETRACTOR_SHARE_RISING';
  nps: number | null;
  previousNps: number | null;
  detractorShare: number | null;
  previousDetractorShare: number | null;
}

/** One-sided 95 % critical value of the standard normal distribution (a rise is the only alarm). */
export const zCritical95OneSided = 1.6449;

const round1 = (x: number) => Math.round(x * 10) / 10 + 0; // + 0 turns −0 into 0

export function classify(score: number): NpsCategory {
  if (!Number.isInteger(score) || score < 0 || score > 10) {
    throw new RangeError('NPS score must be an integer from 0 to 10');
  }
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

function checkCounts(counts: NpsCounts): void {
  for (const n of [counts.promoters, counts.passives, counts.detractors, counts.skipped]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('Counts must be non-negative integers');
  }
}

function raw(counts: NpsCounts) {
  checkCounts(counts);
  const answered = counts.promoters + counts.passives + counts.detractors;
  if (answered === 0) return { answered, p: null, d: null, nps: null };
  const p = (100 * counts.promoters) / answered;
  const d = (100 * counts.detractors) / answered;
  return { answered, p, d, nps: p - d };
}

/**
 * NPS = % promoters − % detractors, over answered responses only: a skipped or dismissed NPS
 * question counts in response totals and participation but not in the NPS denominator (tools
 * that count dismissals there report lower scores). No answered response → `nps: null`, not 0.
 */
export function npsOf(counts: NpsCounts): NpsSummary {
  const r = raw(counts);
  return {
    nps: r.nps === null ? null : round1(r.nps),
    answered: r.answered,
    promoterShare: r.p === null ? null : round1(r.p),
    detractorShare: r.d === null ? null : round1(r.d),
  };
}

/**
 * Participation rate in % = responses (answered or skipped) / customers surveyed in the period;
 * null when nobody was surveyed. Not capped: above 100 means "survey sent" events are missing.
 */
export function participationRate(responses: number, surveyed: number): number | null {
  if (!Number.isSafeInteger(responses) || responses < 0 || !Number.isSafeInteger(surveyed) || surveyed < 0) {
    throw new RangeError('Counts must be non-negative integers');
  }
  return surveyed === 0 ? null : round1((100 * responses) / surveyed);
}

/** `YYYY-MM` (UTC month) or `YYYY-Www` (ISO 8601 week: weeks start Monday; week 1 holds the first Thursday). */
export function periodKey(date: Date, granularity: 'month' | 'week'): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('Invalid date');
  if (granularity === 'month') return date.toISOString().slice(0, 7);
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const year = day.getUTCFullYear();
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * z statistic of a two-proportion test (pooled variance) that detractor share rose from
 * `previous` to `current`; 0 when there is no variance (both shares 0 % or 100 %).
 */
export function detractorRiseZ(current: NpsCounts, previous: NpsCounts): number {
  const n1 = raw(current).answered;
  const n2 = raw(previous).answered;
  if (n1 === 0 || n2 === 0) return 0;
  const pooled = (current.detractors + previous.detractors) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (current.detractors / n1 - previous.detractors / n2) / se;
}

/**
 * Segments whose customers are unhappy, period against previous period. A segment is reported
 * only with at least `minResponses` answered responses this period, and:
 * - `NPS_BELOW_THRESHOLD` when its NPS is below `npsThreshold`;
 * - `DETRACTOR_SHARE_RISING` when the previous period also had `minResponses` answered, the
 *   detractor share rose by at least `detractorRiseThreshold` percentage points, AND the rise is
 *   significant: one-sided two-proportion z-test (pooled), z ≥ 1.6449 (95 %). The test keeps
 *   small segments from alarming on noise; the threshold keeps huge ones from alarming on trivia.
 * A segment may appear under both reasons. Sorted by segment, then reason.
 */
export function blindSpots(
  current: Readonly<Record<string, NpsCounts>>,
  previous: Readonly<Record<string, NpsCounts>>,
  options: { npsThreshold: number; detractorRiseThreshold: number; minResponses: number },
): BlindSpot[] {
  const out: BlindSpot[] = [];
  for (const segment of Object.keys(current).sort()) {
    const counts = current[segment] as NpsCounts;
    const now = raw(counts);
    if (now.answered === 0 || now.answered < options.minResponses) continue;
    const before = previous[segment];
    const then = before ? raw(before) : undefined;
    const entry = (reason: BlindSpot['reason']): BlindSpot => {
      const summary = npsOf(counts);
      const prior = before ? npsOf(before) : undefined;
      return {
        segment,
        reason,
        nps: summary.nps,
        previousNps: prior?.nps ?? null,
        detractorShare: summary.detractorShare,
        previousDetractorShare: prior?.detractorShare ?? null,
      };
    };
    if (now.nps !== null && now.nps < options.npsThreshold) out.push(entry('NPS_BELOW_THRESHOLD'));
    if (
      before &&
      then &&
      then.d !== null &&
      now.d !== null &&
      then.answered >= options.minResponses &&
      now.d - then.d >= options.detractorRiseThreshold - 1e-9 &&
      detractorRiseZ(counts, before) >= zCritical95OneSided
    ) {
      out.push(entry('DETRACTOR_SHARE_RISING'));
    }
  }
  return out;
}
