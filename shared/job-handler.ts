import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { type Job, type JobContext, type JobStore, runJob, runJobShard } from './domain/jobs/job.js';
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

const shardMessage = z
  .object({
    jobId: z.string().min(1).max(100),
    segment: z.number().int().min(0),
    of: z.number().int().min(1).max(1_000_000),
  })
  .strict()
  .refine((m) => m.segment < m.of);

/**
 * The Lambda handler of a fanned-out job kind, one scan shard per message (batch size 1): `work`
 * does the shard's part, kept and counted once; the shard that completes the count `merge`s the
 * parts into the job's result (runJobShard).
 */
export function jobShardQueueHandler<Part>(options: {
  logger: Logger;
  jobs: JobStore;
  maxReceiveCount: number;
  work: (job: Job, shard: { segment: number; of: number }) => Promise<Part>;
  merge: (job: Job, parts: Part[]) => Record<string, unknown>;
}) {
  const { logger } = options;
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const shard = messageOf(record, shardMessage);
    if (!shard) {
      // Poison message: log its id only; it goes to the DLQ after its retries.
      logger.error('invalid job shard message', { messageId: record.messageId });
      throw new Error('Invalid job shard message');
    }
    const last = Number(record.attributes.ApproximateReceiveCount) >= options.maxReceiveCount;
    const status = await runJobShard<Part>(
      { jobs: options.jobs, now: () => new Date() },
      shard,
      (job) => options.work(job, shard),
      options.merge,
      { last },
    );
    logger.info('job shard ended', {
      jobId: shard.jobId,
      segment: shard.segment,
      status: status ?? 'job ended',
    });
  };
  return async (event: SQSEvent, context: Context) => {
    logger.addContext(context);
    return processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}
