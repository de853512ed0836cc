import { complianceReviewForBlindSpot } from '../events/builders.js';
import type { WorkflowEventPublisher } from '../events/ports.js';
import type { WorkflowEvent } from '../events/schemas.js';
import { blindSpots, periodKey } from './nps.js';
import type { FeedbackCounters } from './store.js';

/** The thresholds GET /v1/feedback/blind-spots applies by default: the events report the same findings. */
export const blindSpotDefaults = { npsThreshold: 0, detractorRiseThreshold: 10, minResponses: 5 } as const;

export function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * Turns the feedback blind spots of the risk segments into ComplianceReviewSuggested events and
 * publishes them. It looks at this month and the previous one, so answers that arrive in the last
 * hours of a month are judged too. Safe to run as often as wanted: a finding has one event id per
 * segment, month and reason, so consumers see each finding once however often it is re-published.
 */
export async function publishBlindSpotReviews(deps: {
  counters: Pick<FeedbackCounters, 'read'>;
  publisher: WorkflowEventPublisher;
  /** The model's segments: `unlinked` and `unsegmented` are not segments anyone can review. */
  segments: readonly string[];
  now: Date;
}): Promise<WorkflowEvent[]> {
  const current = periodKey(deps.now, 'month');
  const periods = [previousMonth(current), current];
  const counts = await Promise.all(
    [previousMonth(periods[0] as string), ...periods].map((p) => deps.counters.read(p, deps.segments)),
  );
  const events = periods.flatMap((period, i) =>
    blindSpots(counts[i + 1] ?? {}, counts[i] ?? {}, blindSpotDefaults).map((spot) =>
      complianceReviewForBlindSpot(spot, period, deps.now),
    ),
  );
  await deps.publisher.publish(events);
  return events;
}
