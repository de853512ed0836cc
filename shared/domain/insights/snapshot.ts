/**
 * Segment distribution over time. The maintained aggregates hold only the current state, so a
 * daily job copies them into one small item per month (counts per segment and per reason code, no
 * pseudonyms): each day overwrites the current month, so a closed month keeps its last day's
 * state. The summary's trend reads these and takes the current month from the live aggregates.
 */
import type { PopulationCounts } from './aggregates.js';
import type { SegmentInfo } from './kpis.js';
import { monthOf } from './periods.js';

export interface SegmentSnapshot {
  /** `YYYY-MM`: the table's partition key. */
  period: string;
  /** When the counts were taken (the last daily run of the month, for a closed month). */
  asOf: string;
  modelId: string;
  modelVersion: number;
  customers: number;
  segments: Record<string, number>;
  reasonCodes: Record<string, number>;
}

/** Port: where the monthly aggregates live. */
export interface SegmentSnapshotStore {
  put(snapshot: SegmentSnapshot): Promise<void>;
  getMany(periods: readonly string[]): Promise<SegmentSnapshot[]>;
}

/** The snapshot of the population counts at `at`: customers per segment and per reason code. */
export function snapshotOf(
  counts: Pick<PopulationCounts, 'customers' | 'reasons'>,
  at: Date,
  model: { modelId: string; version: number },
): SegmentSnapshot {
  let customers = 0;
  for (const n of counts.customers.values()) customers += n;
  return {
    period: monthOf(at),
    asOf: at.toISOString(),
    modelId: model.modelId,
    modelVersion: model.version,
    customers,
    segments: Object.fromEntries(counts.customers),
    reasonCodes: Object.fromEntries(counts.reasons),
  };
}

/**
 * Trend rows (period, segment, count) for `periods`, oldest first: stored snapshots, with `live`
 * replacing its own period. Months without a snapshot are left out (no guessed zeros). Each month
 * lists the model's segments in severity order, then any other segment it counted.
 */
export function distributionTrend(
  stored: readonly SegmentSnapshot[],
  live: SegmentSnapshot,
  periods: readonly string[],
  segments: readonly SegmentInfo[],
): { period: string; segment: string; count: number }[] {
  const byPeriod = new Map(stored.map((s) => [s.period, s]));
  byPeriod.set(live.period, live);
  const names = segments.map((s) => s.name);
  return periods.flatMap((period) => {
    const snap = byPeriod.get(period);
    if (!snap) return [];
    const extra = Object.keys(snap.segments)
      .filter((s) => !names.includes(s))
      .sort();
    return [...names, ...extra].map((segment) => ({ period, segment, count: snap.segments[segment] ?? 0 }));
  });
}

/** Stores the month's snapshot from the maintained aggregates (the daily job; no scan). */
export async function takeSnapshot(
  deps: {
    population: () => Promise<Pick<PopulationCounts, 'customers' | 'reasons'>>;
    snapshots: Pick<SegmentSnapshotStore, 'put'>;
  },
  model: { modelId: string; version: number },
  at: Date,
): Promise<SegmentSnapshot> {
  const snapshot = snapshotOf(await deps.population(), at, model);
  await deps.snapshots.put(snapshot);
  return snapshot;
}
