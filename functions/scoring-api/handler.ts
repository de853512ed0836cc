/**
 * The labels of predictive scoring, and discovery. Compliance records audit outcomes (an issue
 * found, or none), which training jobs learn from (scoringModelsApi); the cluster report is a
 * discovery tool: k-means beside the current segments; it never changes a segment.
 */
import { randomUUID } from 'node:crypto';
import { settingsOf, scoringApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { clusterRequest } from '../../shared/domain/clustering/index.js';
import { summarise } from '../../shared/domain/ingestion/results.js';
import { submitJob } from '../../shared/domain/jobs/job.js';
import { outcomeBatch, recordOutcomes } from '../../shared/domain/scoring/outcomes.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { jobAccepted } from '../../shared/http/job-response.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('scoringApi');
const keys = adapters.keys(settings);
const erasures = adapters.erasureLedger(settings);
const outcomes = adapters.outcomes(settings);
const placements = adapters.assignments(settings);
const subjects = adapters.subjects(settings);
const clusterJobDeps = {
  jobs: adapters.jobs(settings),
  queue: adapters.clusterJobs(settings),
  audit: adapters.audit(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/audit-outcomes': async (event, caller) => {
    const batch = outcomeBatch.safeParse(event.jsonBody);
    if (!batch.success)
      throw new ValidationError(
        'Body must be { "outcomes": [1..1000 items] }',
        toErrorDetails(batch.error.issues),
      );
    const results = await recordOutcomes(
      batch.data.outcomes,
      { outcomes, pseudonymiser: await keys.pseudonymiser(), subjects, erasures, keys, placements },
      actorOf(event, caller),
    );
    const outcome = summarise(results);
    logger.info('audit outcomes recorded', outcome.summary);
    return jsonResponse(207, outcome);
  },

  'POST /v1/reports/clusters': async (event, caller) => {
    // Reading the population's sample is a job (clusterReporter); the request only checks k.
    const request = clusterRequest.safeParse(event.jsonBody);
    if (!request.success)
      throw new ValidationError('Body must be {} or { "k": 2-12 }', toErrorDetails(request.error.issues));
    const job = await submitJob(
      clusterJobDeps,
      { jobId: `job-${randomUUID()}`, kind: 'clusters', input: request.data },
      actorOf(event, caller),
    );
    logger.info('cluster report job started', { jobId: job.runId });
    return jobAccepted(job);
  },
});
