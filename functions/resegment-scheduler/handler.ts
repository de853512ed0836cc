/**
 * Scheduled (EventBridge): queues every customer for re-segmentation, so sliding 30/90-day
 * aggregates and updated high-risk lists reach customers who sent nothing new. Unchanged inputs
 * cost one read in the worker and write nothing.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { functions, settingsOf } from '../../infra/manifest.js';
import { adapters } from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(functions.resegmentScheduler));
const logger = createLogger('resegmentScheduler');
const profiles = adapters.profiles(settings);
const queue = adapters.segmentationQueue(settings);

export const handler = async (_event: ScheduledEvent, context: Context): Promise<{ queued: number }> => {
  let queued = 0;
  for await (const page of profiles.scanPseudonyms()) {
    await queue.enqueue(
      page.map((pseudonym) => ({ pseudonym, cause: 'schedule' as const, requestId: context.awsRequestId })),
    );
    queued += page.length;
  }
  logger.info('re-segmentation queued', { queued });
  return { queued };
};
