/**
 * SQS consumer of `simulationShards`, one shard per invocation: evaluates the job's candidate model
 * on one parallel-scan segment of the stored decisions and keeps its part of the report; the shard
 * that completes the count merges the parts into the job's result (shared/domain/jobs/job.ts). Writes
 * nothing but the job.
 */
import { queues, settingsOf, simulationWorker } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import type { Job } from '../../shared/domain/jobs/job.js';
import { type CompiledModel, compileModel, type RiskModel } from '../../shared/domain/risk-model/index.js';
import {
  mergeReports,
  type ScenarioShift,
  type SimulationReport,
  simulate,
} from '../../shared/domain/segmentation/simulate.js';
import { jobShardQueueHandler } from '../../shared/job-handler.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(simulationWorker));
const assignments = adapters.assignmentScanner(settings);

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

export const handler = jobShardQueueHandler<SimulationReport>({
  logger: createLogger('simulationWorker'),
  jobs: adapters.jobs(settings),
  maxReceiveCount: queues.simulationShards.maxReceiveCount,
  work: (job, shard) => {
    const input = job.input as unknown as SimulationInput;
    return simulate(candidateOf(job), assignments.scanAll(shard), input.scenario, {
      sampleSize: input.sampleSize,
      partial: true,
    });
  },
  merge: (job, parts) => {
    const input = job.input as unknown as SimulationInput;
    return { candidate: input.candidate, ...mergeReports(parts, input.sampleSize) };
  },
});
