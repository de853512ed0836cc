/**
 * SQS consumer of `trainingJobs`, one job per invocation: trains a scoring model with the options the
 * job recorded, reporting progress, and ends the job with the model's figures. A retried job resumes
 * (a model it stored already is its answer); the last attempt ends it failed rather than leave it
 * running (shared/domain/jobs/job.ts).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { functions, queues, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { runJob } from '../../shared/domain/jobs/job.js';
import { parseTrainingRequest, trainScoringModel } from '../../shared/domain/scoring/service.js';
import {
  protectedVariables,
  publishedModelProvider,
} from '../../shared/domain/segmentation/published-model.js';
import { createLogger } from '../../shared/observability/logger.js';
import { messageOf } from '../../shared/sqs-message.js';

const settings = requireSettings(settingsOf(functions.scoringTrainer));
const logger = createLogger('scoringTrainer');
const processor = new BatchProcessor(EventType.SQS);
const jobs = adapters.jobs(settings);
const training = {
  outcomes: adapters.outcomes(settings),
  assignments: adapters.assignments(settings),
  models: adapters.scoringModels(settings),
};
const activeRiskModel = publishedModelProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});
const message = z.object({ jobId: z.string().min(1).max(100) }).strict();

const recordHandler = async (record: SQSRecord): Promise<void> => {
  const parsed = messageOf(record, message);
  if (!parsed) {
    // Poison message: log its id only; it goes to the DLQ after its retries.
    logger.error('invalid job message', { messageId: record.messageId });
    throw new Error('Invalid job message');
  }
  const { jobId } = parsed;
  const last = Number(record.attributes.ApproximateReceiveCount) >= queues.trainingJobs.maxReceiveCount;
  const status = await runJob(
    { jobs, now: () => new Date() },
    jobId,
    async ({ job, report }) =>
      trainScoringModel(
        parseTrainingRequest(job.input),
        { ...training, protectedVariables: protectedVariables(await activeRiskModel()) },
        {
          principalId: job.startedBy.principalId,
          role: job.startedBy.role ?? 'admin',
          requestId: job.requestId,
          now: new Date(),
        },
        { jobId, report },
      ),
    { last },
  );
  logger.info('training job attempt ended', { jobId, status: status ?? 'already finished' });
};

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
};
