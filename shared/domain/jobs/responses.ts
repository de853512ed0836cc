import { z } from 'zod';
import { actorRefSchema } from '../actors.js';
import { verificationReportSchema } from '../audit-trail/responses.js';
import { pageQuery } from '../paging.js';
import { clusterReportSchema, scoringModelTrainedSchema } from '../scoring/responses.js';
import { simulationResponseSchema } from '../segmentation/responses.js';

/**
 * A job id as it appears in a path: `job-` then a UUID, or a re-segmentation run's id (`run-` then
 * letters, digits, - or _), since a run is a job too.
 */
export const jobIdSchema = z.string().regex(/^(job-[A-Za-z0-9-]{1,80}|run-[A-Za-z0-9_-]{1,100})$/);

/** An export's result: its rows are read with GET /v1/jobs/{jobId}/rows. */
const exportResultSchema = z
  .object({
    segment: z.string().optional(),
    rows: z.number().int().min(0).describe('Rows exported.'),
    chunks: z
      .array(z.number().int().min(0))
      .describe('Chunks each scan shard wrote (how the pages are read).'),
  })
  .strict();

/** A re-segmentation run's counts once it has ended. */
const resegmentationResultSchema = z
  .object({
    enqueued: z.number().int().min(0).describe('Customers the shards queued.'),
    done: z
      .number()
      .int()
      .min(0)
      .describe('Customers re-segmented (a decision written, or found unchanged).'),
    failed: z.number().int().min(0).describe('Customers left in the segmentation dead-letter queue.'),
    upToDate: z.number().int().min(0).describe('Customers found up to date and not queued.'),
  })
  .strict();

/** A job as `GET /v1/jobs/{jobId}` and the `POST` that started it (202) answer it. */
export const jobSchema = z
  .object({
    jobId: z.string(),
    kind: z
      .enum(['training', 'simulation', 'clusters', 'resegmentation', 'export', 'verification'])
      .describe(
        'resegmentation: a bulk re-score (a re-segmentation run), listed and cancelled like any job.',
      ),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    input: z.record(z.string(), z.unknown()).describe('The validated options it was started with.'),
    startedBy: actorRefSchema,
    requestId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    progress: z
      .object({ phase: z.string(), done: z.number().int().min(0), total: z.number().int().min(0).optional() })
      .strict()
      .describe('What it is doing, and how far (total absent while unknown).'),
    attempts: z.number().int().min(0),
    shards: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('A fanned-out job: the scan shards it is split into.'),
    shardsReported: z.number().int().min(0).optional(),
    cancelRequested: z.boolean().optional(),
    result: z
      .union([
        scoringModelTrainedSchema,
        simulationResponseSchema,
        clusterReportSchema,
        resegmentationResultSchema,
        exportResultSchema,
        verificationReportSchema,
      ])
      .optional()
      .describe(
        'Once succeeded: for training, the model version, its status and validation metrics; for a simulation, the report (candidate, population, moved, transitions, segments before and after, drivers, sample); for clusters, the cluster report; for a re-segmentation, its counts (also when it ended failed because customers failed); for an export, its row count (rows: GET /v1/jobs/{jobId}/rows); for a verification, the report (the first 1,000 findings).',
      ),
    error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
    finishedAt: z.string().optional(),
    links: z.object({ self: z.string() }).strict(),
  })
  .strict();

/** `GET /v1/jobs`: the jobs not ended yet, newest first, a page at a time. */
export const jobListQuery = pageQuery;

/** A page cursor's key (the activeJobs index), checked before it reaches DynamoDB. */
export const activePageKey = z
  .object({
    runId: jobIdSchema,
    active: z.literal('job'),
    createdAt: z.string().datetime({ offset: true }),
  })
  .strict();

export const jobListSchema = z
  .object({ jobs: z.array(jobSchema), nextCursor: z.string().optional() })
  .strict();
