/**
 * Daily feedback blind-spot check: risk segments whose NPS fell below the threshold, or whose
 * detractor share rose significantly against the previous month, become ComplianceReviewSuggested
 * events on the compliance bus (docs/events.md). The same findings as GET /v1/feedback/blind-spots,
 * pushed to the compliance workflow instead of waiting for someone to look.
 */
import { feedbackReviewScheduler, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { publishBlindSpotReviews } from '../../shared/domain/feedback/blind-spot-review.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(feedbackReviewScheduler));
const logger = createLogger('feedbackReviewScheduler');
const counters = adapters.feedbackCounters(settings);
const publisher = adapters.workflowEvents(settings);
const activeModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});

export const handler = async () => {
  const published = await activeModel();
  // A failed publication throws: EventBridge retries the invocation, then its DLQ keeps it.
  const events = await publishBlindSpotReviews({
    counters,
    publisher,
    segments: published.model.segments.map((s) => s.name),
    now: new Date(),
  });
  logger.info('feedback blind spots checked', { reviewsSuggested: events.length });
  return { reviewsSuggested: events.length };
};
