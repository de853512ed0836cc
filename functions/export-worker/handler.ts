/**
 * SQS consumer of `exportShards`, one shard per invocation: writes the decisions of one
 * parallel-scan segment of the assignments table as chunks of rows kept with the job; the shard that
 * completes the count records, as the job's result, how many chunks each shard wrote, which
 * `GET /v1/jobs/{jobId}/rows` reads the pages by (shared/domain/jobs/export.ts).
 */
import { exportWorker, queues, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import {
  chunkExpiresAt,
  type ExportPart,
  exportRequest,
  exportShard,
  mergeExport,
} from '../../shared/domain/jobs/export.js';
import { jobShardQueueHandler } from '../../shared/job-handler.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(exportWorker));
const jobs = adapters.jobs(settings);
const assignments = adapters.assignments(settings);

export const handler = jobShardQueueHandler<ExportPart>({
  logger: createLogger('exportWorker'),
  jobs,
  maxReceiveCount: queues.exportShards.maxReceiveCount,
  work: (job, shard) =>
    exportShard(assignments.scanAll(shard), exportRequest.parse(job.input), (chunk, rows) =>
      jobs.putChunk(job.runId, shard.segment, chunk, rows, chunkExpiresAt(new Date())),
    ),
  merge: (job, parts) => mergeExport(exportRequest.parse(job.input), parts),
});
