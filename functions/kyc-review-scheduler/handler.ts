/**
 * Daily KYC review check. For every assigned customer, the review interval of the segment in
 * force says whether a periodic review is overdue; each overdue customer gets one kyc_review case
 * per due date and one KycReviewDue event on the compliance bus. Safe to repeat: a second run the
 * same day opens nothing and publishes nothing new.
 */
import { kycReviewScheduler, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { runKycReviews } from '../../shared/domain/cases/kyc-reviews.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(kycReviewScheduler));
const logger = createLogger('kycReviewScheduler');
const assignments = adapters.assignments(settings);
const activeModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});
const deps = {
  assignments: () => assignments.scanAll(),
  reviews: adapters.kycReviews(settings),
  cases: adapters.cases(settings),
  events: adapters.workflowEvents(settings),
  segmentFacts: async () => {
    const published = await activeModel();
    return (segment: string) => published.segmentFacts(segment);
  },
};

/** `{ "now": "<ISO date>" }` runs the check as of another day (operators catching up, tests). */
export const handler = async (event: { now?: string } | undefined) => {
  const now = event?.now ? new Date(event.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new Error('now must be an ISO date');
  const report = await runKycReviews(deps, now);
  logger.info('KYC review check done', { ...report, asOf: now.toISOString() });
  return report;
};
