/**
 * GET /v1/jobs/{jobId}: where a job is (status, phase, done of total, attempts) and, once ended, its
 * result or error. POST /v1/jobs/{jobId}/cancel asks it to stop (audited): a queued job never starts,
 * a running one stops at its next progress report. A job whose worker died on its last attempt reads as
 * failed (JOB_ABANDONED), recorded on the way: never "running" for ever.
 */

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { functions, queues, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { cancelJob, type JobKind, jobBody, readJob } from '../../shared/domain/jobs/job.js';
import { activePageKey, jobIdSchema, jobListQuery } from '../../shared/domain/jobs/responses.js';
import { decodeCursor, encodeCursor } from '../../shared/domain/paging.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { ValidationError } from '../../shared/errors.js';
import { requireEmptyBody } from '../../shared/http/empty-body.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const spec = functions.jobsApi;
const settings = requireSettings(settingsOf(spec));
const logger = createLogger('jobsApi');
const deps = { jobs: adapters.jobs(settings), audit: adapters.audit(settings) };

/** How long an attempt of each kind may run, and how many it gets: from the one description. */
const limits: Record<JobKind, { maxAttempts: number; attemptSeconds: number }> = {
  training: {
    maxAttempts: queues.trainingJobs.maxReceiveCount,
    attemptSeconds: functions.scoringTrainer.timeoutSeconds,
  },
  clusters: {
    maxAttempts: queues.clusterJobs.maxReceiveCount,
    attemptSeconds: functions.clusterReporter.timeoutSeconds,
  },
  // Fanned out: every shard reports as it starts and ends, so a job silent for longer than one shard's
  // attempts may take (each attempt of every shard counted) has no worker left.
  simulation: {
    maxAttempts: 0,
    attemptSeconds: functions.simulationWorker.timeoutSeconds * queues.simulationShards.maxReceiveCount,
  },
};

function jobIdOf(event: APIGatewayProxyEvent): string {
  const jobId = event.pathParameters?.jobId ?? '';
  if (!jobIdSchema.safeParse(jobId).success)
    throw new ValidationError('Not a job id', [
      { path: 'jobId', code: 'INVALID_JOB_ID', message: 'Expected job-<letters, digits or ->' },
    ]);
  return jobId;
}

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/jobs': async (event) => {
    const query = jobListQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success)
      throw new ValidationError('Query must be limit (1-100) and cursor', toErrorDetails(query.error.issues));
    const { limit, cursor } = query.data;
    const page = await deps.jobs.active({
      limit,
      ...(cursor === undefined ? {} : { after: decodeCursor(cursor, activePageKey) }),
    });
    return jsonResponse(200, {
      jobs: page.jobs.map(jobBody),
      ...(page.next ? { nextCursor: encodeCursor({ ...page.next }) } : {}),
    });
  },

  'GET /v1/jobs/{jobId}': async (event) => {
    const job = await readJob(
      deps,
      jobIdOf(event),
      (kind) => limits[kind],
      new Date(),
      event.requestContext.requestId,
    );
    return jsonResponse(200, jobBody(job));
  },

  'POST /v1/jobs/{jobId}/cancel': async (event, caller) => {
    const jobId = jobIdOf(event);
    requireEmptyBody(event);
    const job = await cancelJob(deps, jobId, actorOf(event, caller));
    logger.info('job cancel requested', { jobId, kind: job.kind });
    return jsonResponse(202, jobBody(job));
  },
});
