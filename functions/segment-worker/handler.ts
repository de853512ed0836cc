/**
 * SQS consumer: segments each queued customer with the published risk model. Failed records are
 * reported individually (ReportBatchItemFailures): they return to the queue and, after the
 * queue's maxReceiveCount, land in its dead-letter queue, while the rest of the batch commits.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { queues, segmentWorker, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import type { SegmentationJob } from '../../shared/domain/ports.js';
import { publishedScorerProvider } from '../../shared/domain/scoring/published.js';
import { expectsOtherVersions, segmentBatch } from '../../shared/domain/segmentation/batch.js';
import { modelsInUse } from '../../shared/domain/segmentation/freshness.js';
import { segmentationJob } from '../../shared/domain/segmentation/job.js';
import { publishedModelProvider } from '../../shared/domain/segmentation/published-model.js';
import {
  type SegmentationOutcome,
  StaleModelError,
} from '../../shared/domain/segmentation/segment-customer.js';
import { createLogger } from '../../shared/observability/logger.js';
import { messageOf } from '../../shared/sqs-message.js';

const settings = requireSettings(settingsOf(segmentWorker));
const logger = createLogger('segmentWorker');
const processor = new BatchProcessor(EventType.SQS);
const runs = adapters.runs(settings);
const maxReceiveCount = queues.segmentation.maxReceiveCount;
const auditTrail = adapters.auditTrail(settings);
const deps = {
  profiles: adapters.profiles(settings),
  transactions: adapters.transactions(settings),
  assignments: adapters.assignments(settings),
  overrides: adapters.overrides(settings),
  feedback: adapters.feedback(settings),
  // Published after the assignment commits; a failed publication fails the record (see segmentBatch).
  events: { publisher: adapters.workflowEvents(settings), outbox: adapters.eventOutbox(settings) },
  wasErased: (pseudonym: string) => auditTrail.wasErased(pseudonym),
  now: () => new Date(),
};
const activeModel = publishedModelProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});
const activeScorer = publishedScorerProvider(adapters.scoringModelReader(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});

const parseJob = (record: SQSRecord): SegmentationJob | undefined => messageOf(record, segmentationJob);

/** Advances the counters of re-segmentation runs; a record counts as failed only on its last attempt. */
async function countRunProgress(
  event: SQSEvent,
  jobs: Map<string, SegmentationJob | undefined>,
  failed: Set<string>,
  cancelled: ReadonlySet<string>,
) {
  const deltas = new Map<string, { done: number; failed: number }>();
  for (const record of event.Records) {
    const runId = jobs.get(record.messageId)?.runId;
    // A cancelled run's customers were skipped, not done: its counts stay where the cancel left them.
    if (!runId || cancelled.has(runId)) continue;
    const d = deltas.get(runId) ?? { done: 0, failed: 0 };
    if (!failed.has(record.messageId)) d.done++;
    else if (Number(record.attributes.ApproximateReceiveCount) >= maxReceiveCount) d.failed++;
    deltas.set(runId, d);
  }
  if (deltas.size === 0) return;
  // Counters inform operators; losing an update must not send the batch back to the queue.
  await runs
    .progress(deltas)
    .catch((error: unknown) => logger.warn('run counters not updated', { errorName: (error as Error).name }));
}

/** The models in use, re-read at once when `fresh` (a publication this container may not have seen). */
async function models(fresh = false) {
  const [{ published: model }, scorer] = await Promise.all([activeModel({ fresh }), activeScorer({ fresh })]);
  return { model, ...(scorer ? { scorer } : {}) };
}

/**
 * Decides the batch with the cached models, read afresh first when a run expects other versions.
 * Customers whose stored decision was made by other models than the cached ones (perhaps a
 * publication this container has not seen) are decided again after one fresh read.
 */
async function decide(jobs: SegmentationJob[]) {
  let current = await models();
  const cached = modelsInUse(current.model, current.scorer);
  const fresh = expectsOtherVersions(jobs, cached);
  if (fresh) current = await models(true);
  const outcomes = await segmentBatch(jobs, { ...deps, ...current, modelsCached: !fresh });
  const stale = jobs.filter((j) => outcomes.get(j.pseudonym) instanceof StaleModelError);
  if (stale.length === 0) return outcomes;
  try {
    const again = await segmentBatch(stale, { ...deps, ...(await models(true)) });
    for (const [pseudonym, outcome] of again) outcomes.set(pseudonym, outcome);
  } catch (error) {
    // Only these customers fail (and come back from the queue); the rest of the batch is done.
    for (const job of stale)
      outcomes.set(job.pseudonym, error instanceof Error ? error : new Error('Failed'));
  }
  return outcomes;
}

/**
 * The runs of this batch that were cancelled: their customers are skipped (they keep their current
 * decision). One small read per batch that carries run messages; if it fails, the batch goes on.
 */
async function cancelledRuns(jobs: SegmentationJob[]): Promise<ReadonlySet<string>> {
  const runIds = jobs.flatMap((j) => (j.runId ? [j.runId] : []));
  if (runIds.length === 0) return new Set();
  return runs.cancelled(runIds).catch((error: unknown) => {
    logger.warn('cancelled runs not read', { errorName: (error as Error).name });
    return new Set<string>();
  });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  const jobs = new Map(event.Records.map((r) => [r.messageId, parseJob(r)]));
  const parsed = [...jobs.values()].filter((j): j is SegmentationJob => j !== undefined);
  const cancelled = await cancelledRuns(parsed);
  const valid = parsed.filter((j) => !j.runId || !cancelled.has(j.runId));
  const outcomes = await decide(valid);
  const counts: Record<string, number> = {};

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const job = jobs.get(record.messageId);
    if (!job) {
      // Poison message: log its id only (the body is untrusted and could hold anything).
      logger.error('invalid segmentation message', { messageId: record.messageId });
      throw new Error('Invalid segmentation message');
    }
    if (job.runId && cancelled.has(job.runId)) {
      counts.skipped = (counts.skipped ?? 0) + 1;
      return;
    }
    const outcome: SegmentationOutcome | Error | undefined = outcomes.get(job.pseudonym);
    if (outcome instanceof Error || outcome === undefined) {
      logger.warn('segmentation failed', {
        pseudonym: job.pseudonym,
        errorName: outcome?.name ?? 'NoOutcome',
      });
      throw outcome ?? new Error('No outcome');
    }
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  };

  // A fully failed batch is still a partial-failure response: every record retries on its own.
  const response = await processPartialResponse(event, recordHandler, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
  await countRunProgress(
    event,
    jobs,
    new Set(response.batchItemFailures.map((f) => f.itemIdentifier)),
    cancelled,
  );
  logger.info('batch segmented', {
    records: event.Records.length,
    failed: response.batchItemFailures.length,
    ...counts,
  });
  return response;
};
