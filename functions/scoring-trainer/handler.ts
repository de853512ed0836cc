/**
 * SQS consumer of `trainingJobs`, one job per invocation: trains a scoring model with the options the
 * job recorded, reporting progress, and ends the job with the model's figures. A retried job resumes
 * (a model it stored already is its answer); the last attempt ends it failed rather than leave it
 * running (shared/domain/jobs/job.ts).
 */

import { queues, scoringTrainer, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { actorRef } from '../../shared/domain/actors.js';
import { populationSize } from '../../shared/domain/insights/aggregates.js';
import { startRescoring } from '../../shared/domain/scoring/rescoring.js';
import { parseTrainingRequest, trainScoringModel } from '../../shared/domain/scoring/service.js';
import {
  currentVersions,
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
// The model document only: its variable declarations need no rule compiled.
const activeRiskModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});

const logger = createLogger('scoringTrainer');
const audit = adapters.audit(settings);
const aggregates = adapters.aggregates(settings);
const runDeps = {
  runs: adapters.runs(settings),
  shards: adapters.resegmentationShards(settings),
  audit,
  currentVersions: (now: Date) =>
    currentVersions({ riskModels: adapters.riskModels(settings), scoringModels: training.models }, now),
  population: () => populationSize(aggregates),
};

export const handler = jobQueueHandler({
  logger,
  jobs: adapters.jobs(settings),
  maxReceiveCount: queues.trainingJobs.maxReceiveCount,
  work: async ({ job, report }) => {
    const request = parseTrainingRequest(job.input);
    const actor = {
      ...job.startedBy,
      role: job.startedBy.role ?? 'admin',
      requestId: job.requestId,
      now: new Date(),
    };
    const riskModel = await activeRiskModel({ fresh: true });
    const result = await trainScoringModel(
      request,
      {
        ...training,
        variables: riskModel.model.variables,
        riskModel: `${riskModel.modelId}@${riskModel.version}`,
      },
      actor,
      { jobId: job.runId, report },
    );
    if (!request.publish) return result;
    // Put in use as it was stored: everyone scored by another version is re-scored. The job's id
    // names the run, so a retried job finds the run it started rather than a second one.
    const rescoring = await startRescoring(
      runDeps,
      {
        version: result.version,
        shards: adapters.resegmentationShardCount(),
        now: actor.now,
        startedBy: actorRef(actor),
        requestId: actor.requestId,
        publicationId: job.runId,
      },
      (error) =>
        logger.error('re-scoring run not started', {
          version: result.version,
          errorName: (error as Error).name,
        }),
    );
    return { ...result, rescoring };
  },
});
