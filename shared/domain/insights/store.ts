import type { SegmentPageKey } from './cursor.js';
import type { PopulationMember } from './kpis.js';

/**
 * Port: the key-bounded reads behind the insights API: one page of one segment, one customer's
 * audit stream. Population-wide figures come from the maintained aggregates, never from here.
 */
export interface InsightsReader {
  /** Customers of a segment, most recently assigned first, `limit` per page. */
  segmentPage(
    segment: string,
    limit: number,
    after: SegmentPageKey | undefined,
  ): Promise<{ items: PopulationMember[]; next: SegmentPageKey | undefined }>;
  /** The audit records of one subject's stream (stream = pseudonym). */
  subjectRecords(pseudonym: string): Promise<Record<string, unknown>[]>;
}
