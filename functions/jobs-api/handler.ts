/**
 * GET /v1/jobs/{jobId}: where a job is (status, phase, done of total, attempts) and, once ended, its
 * result or error. POST /v1/jobs/{jobId}/cancel asks it to stop (audited): a queued job never starts,
 * a running one stops at its next progress report. A job whose worker died on its last attempt reads as
 * failed (JOB_ABANDONED), recorded on the way: never "running" for ever.
 */

import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  auditVerifier,
  clusterReporter,
  queues,
  scoringTrainer,
  settingsOf,
  jobsApi as spec,
} from '../../infra/manifest.js';
import type { QueueName } from '../../infra/manifest-types.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { populationSize } from '../../shared/domain/insights/aggregates.js';
import {
  exportCursor,
  exportExpired,
  exportPage,
  exportPageQuery,
  exportRequest,
  exportRowsDays,
} from '../../shared/domain/jobs/export.js';
import {
  cancelJob,
  finished,
  type Job,
  type JobKind,
  jobBody,
  readJob,
  submitJob,
} from '../../shared/domain/jobs/job.js';
import { cancelRun, readRunJob } from '../../shared/domain/jobs/resegmentation.js';
import { activePageKey, jobIdSchema, jobListQuery } from '../../shared/domain/jobs/responses.js';
import { decodeCursor, encodeCursor } from '../../shared/domain/paging.js';
import { scanShards } from '../../shared/domain/segmentation/runs.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { requireEmptyBody } from '../../shared/http/empty-body.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { jobAccepted } from '../../shared/http/job-response.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('jobsApi');
const deps = {
  jobs: adapters.jobs(settings),
  runs: adapters.runs(settings),
  audit: adapters.audit(settings),
};
const exportDeps = { ...deps, queue: adapters.exportShards(settings) };
const aggregates = adapters.aggregates(settings);
const minimumShards = adapters.resegmentationShardCount();

/** Every receive of a message of `queue`, each after its visibility timeout: the longest it may take. */
const silentFor = (queue: QueueName) =>
  queues[queue].visibilityTimeoutSeconds * queues[queue].maxReceiveCount;

/** How long an attempt of each kind may run, and how many it gets: from the one description. */
const limits: Record<JobKind, { maxAttempts: number; attemptSeconds: number }> = {
  training: {
    maxAttempts: queues.trainingJobs.maxReceiveCount,
    attemptSeconds: scoringTrainer.timeoutSeconds,
  },
  verification: {
    maxAttempts: queues.verificationJobs.maxReceiveCount,
    attemptSeconds: auditVerifier.timeoutSeconds,
  },
  clusters: {
    maxAttempts: queues.clusterJobs.maxReceiveCount,
    attemptSeconds: clusterReporter.timeoutSeconds,
  },
  // Fanned out: every shard reports as it starts and ends, and a failed shard comes back only after
  // its queue's visibility timeout; silent for longer than all of a shard's receives may take, a
  // job has no worker left.
  simulation: { maxAttempts: 0, attemptSeconds: silentFor('simulationShards') },
  export: { maxAttempts: 0, attemptSeconds: silentFor('exportShards') },
  // A run's shards and customers report as they go: silent for longer than a shard's receives, or a
  // customer's, may take, it has lost work to a dead-letter queue.
  resegmentation: {
    maxAttempts: 0,
    attemptSeconds: Math.max(silentFor('resegmentationShards'), silentFor('segmentation')),
  },
};

/** Re-segmentation runs are jobs too; their ids start with `run-`. */
const isRun = (jobId: string) => jobId.startsWith('run-');

function jobIdOf(event: APIGatewayProxyEvent): string {
  const jobId = event.pathParameters?.jobId ?? '';
  if (!jobIdSchema.safeParse(jobId).success)
    throw new ValidationError('Not a job id', [
      {
        path: 'jobId',
        code: 'INVALID_JOB_ID',
        message: 'Expected job-<letters, digits or -> or run-<letters, digits, - or _>',
      },
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
    // A run listed here whose work is done (its step out of the listing was lost) or that has gone
    // silent is read as GET /v1/jobs/{runId} reads it, which records it: no run stays listed for ever.
    const now = new Date();
    const silentSeconds = limits.resegmentation.attemptSeconds;
    const stale = (job: Job) =>
      job.kind === 'resegmentation' &&
      (finished.has(job.status) || (now.getTime() - Date.parse(job.updatedAt)) / 1000 > silentSeconds);
    const jobs = await Promise.all(
      page.jobs.map((job) =>
        stale(job) ? readRunJob(deps, job.runId, silentSeconds, now, event.requestContext.requestId) : job,
      ),
    );
    return jsonResponse(200, {
      jobs: jobs.map(jobBody),
      ...(page.next ? { nextCursor: encodeCursor({ ...page.next }) } : {}),
    });
  },

  'POST /v1/exports/segments': async (event, caller) => {
    const parsed = exportRequest.safeParse(event.jsonBody);
    if (!parsed.success)
      throw new ValidationError(
        'Body must be {} or {"segment": "<name>"}',
        toErrorDetails(parsed.error.issues),
      );
    // Reading every decision is a job, fanned out over as many scan shards as the population needs.
    const shards = scanShards(await populationSize(aggregates), minimumShards);
    const job = await submitJob(
      exportDeps,
      { jobId: `job-${randomUUID()}`, kind: 'export', input: parsed.data, shards },
      actorOf(event, caller),
    );
    logger.info('export job started', { jobId: job.runId, shards });
    return jobAccepted(job);
  },

  'GET /v1/jobs/{jobId}/rows': async (event) => {
    const jobId = jobIdOf(event);
    const query = exportPageQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success)
      throw new ValidationError(
        'Query must be limit (1-1000) and cursor',
        toErrorDetails(query.error.issues),
      );
    const job = isRun(jobId)
      ? undefined
      : await readJob(deps, jobId, (kind) => limits[kind], new Date(), event.requestContext.requestId);
    if (job?.kind !== 'export') throw new NotFoundError('No rows: not an export job');
    if (job.status !== 'succeeded')
      throw new ConflictError('JOB_NOT_SUCCEEDED', `The export has no rows to read (${job.status})`);
    if (exportExpired(job, new Date()))
      throw new AppError(
        410,
        'EXPORT_EXPIRED',
        `An export's rows are kept ${exportRowsDays} days; start it again`,
      );
    const { limit, cursor } = query.data;
    const page = await exportPage(
      deps.jobs,
      jobId,
      (job.result as { chunks: number[] }).chunks,
      cursor === undefined ? { shard: 0, chunk: 0, row: 0 } : decodeCursor(cursor, exportCursor),
      limit,
    );
    return jsonResponse(200, {
      rows: page.rows,
      ...(page.next ? { nextCursor: encodeCursor({ ...page.next }) } : {}),
    });
  },

  'GET /v1/jobs/{jobId}': async (event) => {
    const jobId = jobIdOf(event);
    const { requestId } = event.requestContext;
    const job = isRun(jobId)
      ? await readRunJob(deps, jobId, limits.resegmentation.attemptSeconds, new Date(), requestId)
      : await readJob(deps, jobId, (kind) => limits[kind], new Date(), requestId);
    return jsonResponse(200, jobBody(job));
  },

  'POST /v1/jobs/{jobId}/cancel': async (event, caller) => {
    const jobId = jobIdOf(event);
    requireEmptyBody(event);
    const actor = actorOf(event, caller);
    const job = isRun(jobId) ? await cancelRun(deps, jobId, actor) : await cancelJob(deps, jobId, actor);
    logger.info('job cancel requested', { jobId, kind: job.kind });
    return jsonResponse(202, jobBody(job));
  },
});
