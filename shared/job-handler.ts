import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { type JobContext, type JobStore, runJob } from './domain/jobs/job.js';
import { messageOf } from './sqs-message.js';

const jobMessage = z.object({ jobId: z.string().min(1).max(100) }).strict();

/**
 * The Lambda handler of a job kind fed by its own queue, one job per message (batch size 1): runs an
 * attempt of the job with `work`; the last receive (`maxReceiveCount`) is the job's last attempt.
 */
export function jobQueueHandler(options: {
  logger: Logger;
  jobs: JobStore;
  maxReceiveCount: number;
  work: (context: JobContext) => Promise<Record<string, unknown>>;
}) {
  const { logger } = options;
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = messageOf(record, jobMessage);
    if (!parsed) {
      // Poison message: log its id only; it goes to the DLQ after its retries.
      logger.error('invalid job message', { messageId: record.messageId });
      throw new Error('Invalid job message');
    }
    const last = Number(record.attributes.ApproximateReceiveCount) >= options.maxReceiveCount;
    const status = await runJob({ jobs: options.jobs, now: () => new Date() }, parsed.jobId, options.work, {
      last,
    });
    logger.info('job attempt ended', { jobId: parsed.jobId, status: status ?? 'already finished' });
  };
  return async (event: SQSEvent, context: Context) => {
    logger.addContext(context);
    return processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}
