import type { ComplianceCase } from '../cases/case.js';
import type { SegmentPageKey } from './cursor.js';
import type { OutcomeLabel, PopulationMember } from './kpis.js';

/**
 * Port: the reads behind the insights API. `population`, `outcomes` and `cases` read whole tables
 * (population-wide KPIs need every row); the service caches them per container for a short TTL.
 * The other two are key-bounded: one page of one segment, one customer's audit stream.
 */
export interface InsightsReader {
  population(): Promise<PopulationMember[]>;
  outcomes(): Promise<OutcomeLabel[]>;
  cases(): Promise<ComplianceCase[]>;
  /** Customers of a segment, most recently assigned first, `limit` per page. */
  segmentPage(
    segment: string,
    limit: number,
    after: SegmentPageKey | undefined,
  ): Promise<{ items: PopulationMember[]; next: SegmentPageKey | undefined }>;
  /** The audit records of one subject's stream (stream = pseudonym). */
  subjectRecords(pseudonym: string): Promise<Record<string, unknown>[]>;
}
