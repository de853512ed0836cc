/**
 * SQS consumer: segments each queued customer with the published risk model. Failed records are
 * reported individually (ReportBatchItemFailures): they return to the queue and, after the
 * queue's maxReceiveCount, land in its dead-letter queue, while the rest of the batch commits.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { functions, settingsOf } from '../../infra/manifest.js';
import { adapters } from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { segmentationJob } from '../../shared/domain/segmentation/job.js';
import { defaultPublishedModel } from '../../shared/domain/segmentation/published-model.js';
import { segmentCustomer } from '../../shared/domain/segmentation/segment-customer.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(functions.segmentWorker));
const logger = createLogger('segmentWorker');
const processor = new BatchProcessor(EventType.SQS);
const deps = {
  profiles: adapters.profiles(settings),
  transactions: adapters.transactions(settings),
  assignments: adapters.assignments(settings),
  model: defaultPublishedModel().published,
  now: () => new Date(),
};

async function recordHandler(record: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const job = segmentationJob.safeParse(body);
  if (!job.success) {
    // Poison message: log its id only (the body is untrusted and could hold anything).
    logger.error('invalid segmentation message', { messageId: record.messageId });
    throw new Error('Invalid segmentation message');
  }
  try {
    const outcome = await segmentCustomer(job.data, deps);
    logger.debug('segmented', { pseudonym: job.data.pseudonym, outcome });
  } catch (error) {
    logger.warn('segmentation failed', { pseudonym: job.data.pseudonym, errorName: (error as Error).name });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  // A fully failed batch is still a partial-failure response: every record retries on its own.
  return processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
};
