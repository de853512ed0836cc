/**
 * SQS consumer of `clusterJobs`, one job per invocation: the cluster report of a sample of the stored
 * decisions, beside the current segments (a discovery tool: it never changes a segment). Progress while
 * sampling; the report is the job's result (shared/domain/jobs/job.ts).
 */
import { clusterReporter, queues, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { clusterRequest, populationClusterReport } from '../../shared/domain/clustering/index.js';
import { populationSize } from '../../shared/domain/insights/aggregates.js';
import type { Assignment } from '../../shared/domain/ports.js';
import {
  protectedVariables,
  publishedDocumentProvider,
} from '../../shared/domain/segmentation/published-document.js';
import { scanShards } from '../../shared/domain/segmentation/runs.js';
import { jobQueueHandler } from '../../shared/job-handler.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(clusterReporter));
const assignments = adapters.assignments(settings);
// The model document only: naming its protected variables needs no rule compiled.
const activeRiskModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});

const aggregates = adapters.aggregates(settings);

/**
 * The stored decisions, one scan shard after the other: customers fall into shards by a hash of
 * their key, so the first shards are already a random sample, and the report stops reading once its
 * sample is full, without ever starting on the whole population.
 */
async function* sample(shards: number): AsyncIterable<Assignment[]> {
  for (let segment = 0; segment < shards; segment++) yield* assignments.scanAll({ segment, of: shards });
}

export const handler = jobQueueHandler({
  logger: createLogger('clusterReporter'),
  jobs: adapters.jobs(settings),
  maxReceiveCount: queues.clusterJobs.maxReceiveCount,
  work: async ({ job, report }) => {
    const { k } = clusterRequest.parse(job.input);
    return populationClusterReport(sample(scanShards(await populationSize(aggregates), 1)), {
      excluded: protectedVariables(await activeRiskModel()),
      ...(k === undefined ? {} : { k }),
      report,
    });
  },
});
