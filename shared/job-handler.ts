import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { type Job, type JobContext, type JobStore, runJob, runJobShard } from './domain/jobs/job.js';
import { messageOf } from './sqs-message.js';

const jobMessage = z.object({ jobId: z.string().min(1).max(100) }).strict();

const shardMessage = z
  .object({
    jobId: z.string().min(1).max(100),
    segment: z.number().int().min(0),
    of: z.number().int().min(1).max(1_000_000),
  })
  .strict()
  .refine((m) => m.segment < m.of);

/**
 * An SQS handler of job messages, one per invocation (batch size 1): each body is validated (a
 * poison message is logged by id only, and reaches the DLQ after its retries), then `run` with
 * whether this receive is the last (`maxReceiveCount`).
 */
function jobMessageHandler<M>(
  logger: Logger,
  schema: z.ZodType<M>,
  maxReceiveCount: number,
  run: (message: M, attempt: { last: boolean }) => Promise<void>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context: Context) => {
    logger.addContext(context);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        const message = messageOf(record, schema);
        if (!message) {
          logger.error('invalid job message', { messageId: record.messageId });
          throw new Error('Invalid job message');
        }
        await run(message, { last: Number(record.attributes.ApproximateReceiveCount) >= maxReceiveCount });
      },
      processor,
      { context, throwOnFullBatchFailure: false },
    );
  };
}

/**
 * The Lambda handler of a job kind fed by its own queue, one job per message: runs an attempt of
 * the job with `work`; the last receive is the job's last attempt.
 */
export function jobQueueHandler(options: {
  logger: Logger;
  jobs: JobStore;
  maxReceiveCount: number;
  work: (context: JobContext) => Promise<Record<string, unknown>>;
}) {
  const { logger, jobs } = options;
  return jobMessageHandler(logger, jobMessage, options.maxReceiveCount, async ({ jobId }, attempt) => {
    const status = await runJob({ jobs, now: () => new Date() }, jobId, options.work, attempt);
    logger.info('job attempt ended', { jobId, status: status ?? 'already finished' });
  });
}

/**
 * The Lambda handler of a fanned-out job kind, one scan shard per message: `work` does the shard's
 * part, kept and counted once; the shard that completes the count `merge`s the parts into the job's
 * result (runJobShard).
 */
export function jobShardQueueHandler<Part>(options: {
  logger: Logger;
  jobs: JobStore;
  maxReceiveCount: number;
  work: (job: Job, shard: { segment: number; of: number }) => Promise<Part>;
  merge: (job: Job, parts: Part[]) => Record<string, unknown>;
}) {
  const { logger, jobs } = options;
  return jobMessageHandler(logger, shardMessage, options.maxReceiveCount, async (shard, attempt) => {
    const status = await runJobShard<Part>(
      { jobs, now: () => new Date() },
      shard,
      (job) => options.work(job, shard),
      options.merge,
      attempt,
    );
    logger.info('job shard ended', {
      jobId: shard.jobId,
      segment: shard.segment,
      status: status ?? 'job ended',
    });
  });
}
