/**
 * Re-segmentation runs. EventBridge calls this daily, so sliding 30/90-day aggregates and updated
 * high-risk lists reach customers who sent nothing new; operators call it by hand (`npm run
 * resegment`, or an event `{ "filter": { "olderThanDays": 30 } }`) to restrict a run to decisions
 * older than N days. It only records the run and queues one message per scan shard
 * (RESEGMENT_SHARDS, default 32): resegmentShardWorker scans, so no single invocation has to read
 * the whole population before its timeout. The scheduled run covers only due decisions (no
 * decision yet, another model version, inputs changed with time), except one day in
 * RESEGMENT_FULL_EVERY_DAYS (default 7) when it re-evaluates everyone; `{ "filter": { "scope":
 * "all" } }` covers everyone on any day. Unchanged inputs write nothing, so a run is safe to repeat.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { resegmentScheduler, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { populationSize } from '../../shared/domain/insights/aggregates.js';
import { currentVersions } from '../../shared/domain/segmentation/published-document.js';
import { runFilter } from '../../shared/domain/segmentation/run-schemas.js';
import { scheduledScope, startResegmentation } from '../../shared/domain/segmentation/runs.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(resegmentScheduler));
const logger = createLogger('resegmentScheduler');
const aggregates = adapters.aggregates(settings);
const stores = { riskModels: adapters.riskModels(settings), scoringModels: adapters.scoringModels(settings) };
const deps = {
  runs: adapters.runs(settings),
  shards: adapters.resegmentationShards(settings),
  audit: adapters.audit(settings),
  population: () => populationSize(aggregates),
  currentVersions: (now: Date) => currentVersions(stores, now),
};
const shards = adapters.resegmentationShardCount();
const fullEveryDays = adapters.fullResegmentationEveryDays();

const invocation = z
  .object({
    /** EventBridge's event id: a retried delivery of the same event names the same run. */
    id: z.string().optional(),
    source: z.string().optional(),
    filter: runFilter.optional(),
  })
  .passthrough();

export const handler = async (event: unknown, context: Context) => {
  const parsed = invocation.parse(event ?? {});
  const scheduled = parsed.source === 'aws.events';
  const now = new Date();
  const filter = {
    ...(scheduled ? { scope: scheduledScope(now, fullEveryDays) } : {}),
    ...parsed.filter,
  };
  const run = await startResegmentation(deps, {
    runId: `run-${(scheduled && parsed.id) || context.awsRequestId}`,
    cause: scheduled ? 'schedule' : 'manual',
    filter,
    shards,
    now,
    requestId: parsed.id ?? context.awsRequestId,
  });
  logger.info('re-segmentation started', { runId: run.runId, shards: run.shards, filter: run.filter });
  return { runId: run.runId, shards: run.shards };
};
