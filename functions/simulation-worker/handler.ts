/**
 * SQS consumer of `simulationShards`, one shard per invocation: evaluates the job's candidate model
 * on one parallel-scan segment of the stored decisions and keeps its part of the report; the shard
 * that completes the count merges the parts into the job's result (shared/domain/jobs/job.ts). Writes
 * nothing but the job.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { functions, queues, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { type Job, runJobShard } from '../../shared/domain/jobs/job.js';
import { type CompiledModel, compileModel, type RiskModel } from '../../shared/domain/risk-model/index.js';
import {
  mergeReports,
  type ScenarioShift,
  type SimulationReport,
  simulate,
} from '../../shared/domain/segmentation/simulate.js';
import { createLogger } from '../../shared/observability/logger.js';
import { messageOf } from '../../shared/sqs-message.js';

const settings = requireSettings(settingsOf(functions.simulationWorker));
const logger = createLogger('simulationWorker');
const processor = new BatchProcessor(EventType.SQS);
const jobs = adapters.jobs(settings);
const assignments = adapters.assignments(settings);
const message = z
  .object({
    jobId: z.string().min(1).max(100),
    segment: z.number().int().min(0),
    of: z.number().int().min(1).max(1_000_000),
  })
  .strict()
  .refine((m) => m.segment < m.of);

/** What POST /v1/risk-models/simulate recorded: the candidate, checked and with its list shifts applied. */
interface SimulationInput {
  candidate: { modelId: string; version: number };
  document: RiskModel;
  scenario: ScenarioShift[];
  sampleSize: number;
}

/** Compiled once per job per container: the shards of one job share a container's warm cache. */
let compiled: { jobId: string; model: CompiledModel } | undefined;
function candidateOf(job: Job): CompiledModel {
  if (compiled?.jobId !== job.runId) {
    compiled = { jobId: job.runId, model: compileModel((job.input as unknown as SimulationInput).document) };
  }
  return compiled.model;
}

const recordHandler = async (record: SQSRecord): Promise<void> => {
  const shard = messageOf(record, message);
  if (!shard) {
    // Poison message: log its id only; it goes to the DLQ after its retries.
    logger.error('invalid simulation shard message', { messageId: record.messageId });
    throw new Error('Invalid simulation shard message');
  }
  const last = Number(record.attributes.ApproximateReceiveCount) >= queues.simulationShards.maxReceiveCount;
  const status = await runJobShard<SimulationReport>(
    { jobs, now: () => new Date() },
    shard,
    (job) => {
      const input = job.input as unknown as SimulationInput;
      return simulate(
        candidateOf(job),
        assignments.scanAll({ segment: shard.segment, of: shard.of }),
        input.scenario,
        { sampleSize: input.sampleSize, partial: true },
      );
    },
    (job, parts) => {
      const input = job.input as unknown as SimulationInput;
      return { candidate: input.candidate, ...mergeReports(parts, input.sampleSize) };
    },
    { last },
  );
  logger.info('simulation shard ended', {
    jobId: shard.jobId,
    segment: shard.segment,
    status: status ?? 'job ended',
  });
};

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
};
