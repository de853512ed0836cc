/**
 * Segment distribution over time. The assignments table holds only the current state, so a
 * daily job writes one small aggregate per month (counts per segment and per reason code, no
 * pseudonyms): each day overwrites the current month, so a closed month keeps its last day's
 * state. The summary's trend reads these and computes the current month live.
 */
import type { PopulationMember, SegmentInfo } from './kpis.js';
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

/** The snapshot of a population at `at`: counts per segment and per reason code (customers carrying it). */
export function snapshotOf(
  population: Iterable<Pick<PopulationMember, 'segment' | 'reasonCodes'>>,
  at: Date,
  model: { modelId: string; version: number },
): SegmentSnapshot {
  const segments: Record<string, number> = {};
  const reasonCodes: Record<string, number> = {};
  let customers = 0;
  for (const m of population) {
    customers++;
    segments[m.segment] = (segments[m.segment] ?? 0) + 1;
    for (const code of new Set(m.reasonCodes)) reasonCodes[code] = (reasonCodes[code] ?? 0) + 1;
  }
  return {
    period: monthOf(at),
    asOf: at.toISOString(),
    modelId: model.modelId,
    modelVersion: model.version,
    customers,
    segments,
    reasonCodes,
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

/** Scans the current assignments and stores the month's snapshot (the daily job). */
export async function takeSnapshot(
  deps: {
    assignments: () => AsyncIterable<readonly Pick<PopulationMember, 'segment' | 'reasonCodes'>[]>;
    snapshots: Pick<SegmentSnapshotStore, 'put'>;
  },
  model: { modelId: string; version: number },
  at: Date,
): Promise<SegmentSnapshot> {
  const members: Pick<PopulationMember, 'segment' | 'reasonCodes'>[] = [];
  // Only segment and codes are kept from each page, so memory stays small while the scan runs.
  for await (const page of deps.assignments()) {
    for (const a of page) members.push({ segment: a.segment, reasonCodes: a.reasonCodes });
  }
  const snapshot = snapshotOf(members, at, model);
  await deps.snapshots.put(snapshot);
  return snapshot;
}
