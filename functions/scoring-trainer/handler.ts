/**
 * SQS consumer of `trainingJobs`, one job per invocation: trains a scoring model with the options the
 * job recorded, reporting progress, and ends the job with the model's figures. A retried job resumes
 * (a model it stored already is its answer); the last attempt ends it failed rather than leave it
 * running (shared/domain/jobs/job.ts).
 */
import { queues, scoringTrainer, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { parseTrainingRequest, trainScoringModel } from '../../shared/domain/scoring/service.js';
import {
  protectedVariables,
  publishedDocumentProvider,
} from '../../shared/domain/segmentation/published-document.js';
import { jobQueueHandler } from '../../shared/job-handler.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(scoringTrainer));
const training = {
  outcomes: adapters.outcomes(settings),
  assignments: adapters.assignments(settings),
  models: adapters.scoringModels(settings),
};
// The model document only: naming its protected variables needs no rule compiled.
const activeRiskModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});

export const handler = jobQueueHandler({
  logger: createLogger('scoringTrainer'),
  jobs: adapters.jobs(settings),
  maxReceiveCount: queues.trainingJobs.maxReceiveCount,
  work: async ({ job, report }) =>
    trainScoringModel(
      parseTrainingRequest(job.input),
      { ...training, protectedVariables: protectedVariables(await activeRiskModel()) },
      {
        principalId: job.startedBy.principalId,
        role: job.startedBy.role ?? 'admin',
        requestId: job.requestId,
        now: new Date(),
      },
      { jobId: job.runId, report },
    ),
});
