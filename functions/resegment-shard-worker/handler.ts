/**
 * SQS consumer of `resegmentationShards`, one message per invocation: scans one parallel-scan
 * segment of a re-segmentation run, queues its customers on `segmentation` and adds its count to
 * the run once (a redelivered shard adds nothing twice). A failed scan is reported as a batch item
 * failure: SQS redelivers it, and after maxReceiveCount it lands in the shard DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { resegmentShardWorker, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { shardJobSchema } from '../../shared/domain/segmentation/run-schemas.js';
import { runShard } from '../../shared/domain/segmentation/runs.js';
import { createLogger } from '../../shared/observability/logger.js';
import { messageOf } from '../../shared/sqs-message.js';

const settings = requireSettings(settingsOf(resegmentShardWorker));
const logger = createLogger('resegmentShardWorker');
const processor = new BatchProcessor(EventType.SQS);
const profiles = adapters.profiles(settings);
const assignments = adapters.assignments(settings);
const deps = {
  runs: adapters.runs(settings),
  queue: adapters.segmentationQueue(settings),
  customers: (segment: number, of: number) => profiles.scanPseudonyms({ segment, of }),
  assignments: (segment: number, of: number) => assignments.scanAll({ segment, of }),
  decisions: (pseudonyms: readonly string[]) => assignments.freshness(pseudonyms),
};

const recordHandler = async (record: SQSRecord): Promise<void> => {
  const job = messageOf(record, shardJobSchema);
  if (!job) {
    // Poison message: log its id only; it goes to the DLQ after its retries.
    logger.error('invalid shard message', { messageId: record.messageId });
    throw new Error('Invalid shard message');
  }
  const { enqueued, upToDate, counted } = await runShard(deps, job);
  logger.info('shard enqueued', {
    runId: job.runId,
    segment: job.segment,
    of: job.of,
    enqueued,
    upToDate,
    counted,
  });
};

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
};
