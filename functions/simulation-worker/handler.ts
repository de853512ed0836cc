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
import type { FeatureSource } from '../../shared/domain/scoring/features.js';
import { type ScoreSource, scoreSourceOf } from '../../shared/domain/scoring/score.js';
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
const scoringModels = adapters.scoringModelReader(settings);

/** What POST /v1/risk-models/simulate recorded: the candidate, checked and with its list shifts applied. */
interface SimulationInput {
  candidate: { modelId: string; version: number };
  document: RiskModel;
  scenario: ScenarioShift[];
  sampleSize: number;
  /** The scoring model rules read the score of; null for none (absent on jobs queued before it). */
  scoring?: { modelId: string; version: number } | null;
}

type Scorer = (inputs: FeatureSource) => ScoreSource;

/** Compiled once per job per container: the shards of one job share a container's warm cache. */
let prepared: { jobId: string; model: CompiledModel; score: Scorer | undefined } | undefined;
async function candidateOf(job: Job) {
  if (prepared?.jobId !== job.runId) {
    const input = job.input as unknown as SimulationInput;
    const scoring = input.scoring
      ? await scoringModels.get(input.scoring.modelId, input.scoring.version)
      : undefined;
    if (input.scoring && !scoring) throw new Error("The simulation's scoring model is not stored");
    prepared = {
      jobId: job.runId,
      model: compileModel(input.document),
      score: scoring && ((inputs) => scoreSourceOf(scoring, inputs)),
    };
  }
  return prepared;
}

export const handler = jobShardQueueHandler<SimulationReport>({
  logger: createLogger('simulationWorker'),
  jobs: adapters.jobs(settings),
  maxReceiveCount: queues.simulationShards.maxReceiveCount,
  work: async (job, shard) => {
    const input = job.input as unknown as SimulationInput;
    const { model, score } = await candidateOf(job);
    return simulate(model, assignments.scanAll(shard), input.scenario, {
      sampleSize: input.sampleSize,
      partial: true,
      ...(score ? { score } : {}),
    });
  },
  merge: (job, parts) => {
    const input = job.input as unknown as SimulationInput;
    return { candidate: input.candidate, ...mergeReports(parts, input.sampleSize) };
  },
});
