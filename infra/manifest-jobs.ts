/**
 * Long work: re-segmentation runs (scheduler and shard worker) and jobs (docs/jobs.md): the workers of
 * each job kind, fed by their own queues, and the jobs API that reads, lists and cancels jobs. The routes that start jobs stay with their resources
 * (scoringApi, riskModelsApi). Listed in `functions` in infra/manifest.ts, in place.
 */
import type { FunctionSpec } from './manifest-types.js';

export const resegmentScheduler = {
  entry: 'functions/resegment-scheduler/handler.ts',
  description: 'Starts re-segmentation runs (one message per scan shard) so time-based aggregates apply.',
  memoryMb: 512,
  timeoutSeconds: 300,
  trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily re-segmentation' },
  // Records the run and queues one message per scan shard; resegmentShardWorker does the scanning.
  // Reads the versions in use once, which the shards of a run over due decisions compare with.
  // Audits each run it starts (a run is a job: who, or the schedule, started what).
  // The population (aggregates) sizes the fan-out: one shard per 5,000 customers, at least 32.
  tables: {
    runs: 'readwrite',
    riskModels: 'read',
    scoringModels: 'read',
    audit: 'readwrite',
    aggregates: 'read',
  },
  queues: { resegmentationShards: 'send' },
} as const satisfies FunctionSpec;

export const resegmentShardWorker = {
  entry: 'functions/resegment-shard-worker/handler.ts',
  description: 'Scans one parallel-scan shard of a re-segmentation run and queues its customers.',
  memoryMb: 512,
  // A shard of 10 million / 32 customers takes minutes; one message per invocation (batch size 1).
  timeoutSeconds: 900,
  trigger: { kind: 'sqs', queue: 'resegmentationShards', batchSize: 1, maxBatchingWindowSeconds: 0 },
  tables: { profiles: 'read', assignments: 'read', runs: 'readwrite' },
  queues: { resegmentationShards: 'consume', segmentation: 'send' },
} as const satisfies FunctionSpec;

export const scoringTrainer = {
  entry: 'functions/scoring-trainer/handler.ts',
  description:
    'Training jobs: fits logistic regression and/or gradient-boosted trees on audit outcomes, stores them as the next versions, reports progress; a published one starts its re-scoring run.',
  memoryMb: 3008,
  // Training reads every outcome and its customer's inputs: minutes at a bank's size, never a request.
  timeoutSeconds: 900,
  trigger: { kind: 'sqs', queue: 'trainingJobs', batchSize: 1, maxBatchingWindowSeconds: 0 },
  tables: {
    outcomes: 'read',
    assignments: 'read',
    scoringModels: 'readwrite',
    riskModels: 'read',
    audit: 'readwrite',
    runs: 'readwrite',
    // The population sizes the re-scoring run of a model trained with `publish: true`.
    aggregates: 'read',
  },
  queues: { trainingJobs: 'consume', resegmentationShards: 'send' },
} as const satisfies FunctionSpec;

export const clusterReporter = {
  entry: 'functions/cluster-reporter/handler.ts',
  description:
    'Cluster report jobs: k-means on a sample of the stored decisions beside the current segments (protected variables never dimensions).',
  memoryMb: 2048,
  timeoutSeconds: 900,
  trigger: { kind: 'sqs', queue: 'clusterJobs', batchSize: 1, maxBatchingWindowSeconds: 0 },
  // The population (aggregates) tells how many shards the sample is drawn through.
  tables: { assignments: 'read', riskModels: 'read', runs: 'readwrite', aggregates: 'read' },
  queues: { clusterJobs: 'consume' },
} as const satisfies FunctionSpec;

export const simulationWorker = {
  entry: 'functions/simulation-worker/handler.ts',
  description:
    'Simulation jobs, fanned out: evaluates a candidate model on one parallel-scan shard of the stored decisions; the last shard merges the parts.',
  memoryMb: 1024,
  timeoutSeconds: 900,
  trigger: { kind: 'sqs', queue: 'simulationShards', batchSize: 1, maxBatchingWindowSeconds: 0 },
  // The scoring model the simulation runs with (the one in use, or a candidate) gives rules their score.
  tables: { assignments: 'read', runs: 'readwrite', scoringModels: 'read' },
  queues: { simulationShards: 'consume' },
} as const satisfies FunctionSpec;

export const auditVerifier = {
  entry: 'functions/audit-verifier/handler.ts',
  description:
    'Audit trail verification jobs: days whose records are too many for a request, verified against chains, heads and signed checkpoints.',
  memoryMb: 2048,
  timeoutSeconds: 900,
  trigger: { kind: 'sqs', queue: 'verificationJobs', batchSize: 1, maxBatchingWindowSeconds: 0 },
  tables: { audit: 'read', runs: 'readwrite' },
  keys: { auditSigning: 'verify' },
  queues: { verificationJobs: 'consume' },
} as const satisfies FunctionSpec;

export const exportWorker = {
  entry: 'functions/export-worker/handler.ts',
  description:
    'Segment register exports, fanned out: writes the decisions of one parallel-scan shard in chunks kept with the job.',
  memoryMb: 512,
  timeoutSeconds: 900,
  trigger: { kind: 'sqs', queue: 'exportShards', batchSize: 1, maxBatchingWindowSeconds: 0 },
  tables: { assignments: 'read', runs: 'readwrite' },
  queues: { exportShards: 'consume' },
} as const satisfies FunctionSpec;

export const jobsApi = {
  entry: 'functions/jobs-api/handler.ts',
  description:
    'Jobs not ended yet (paged), where a job is (status, progress, attempts, result or error), cancelling one, and segment register exports (started, then read page by page).',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'GET', path: '/v1/jobs', roles: ['analyst', 'compliance', 'admin'] },
      { method: 'GET', path: '/v1/jobs/{jobId}', roles: ['analyst', 'compliance', 'admin'] },
      { method: 'POST', path: '/v1/jobs/{jobId}/cancel', roles: ['admin'], maxBodyBytes: 1024 },
      // An export's rows, a page at a time, once it has ended.
      { method: 'GET', path: '/v1/jobs/{jobId}/rows', roles: ['compliance', 'admin'] },
      // Every customer's decision in force: for an auditor (compliance) or an operator (admin).
      { method: 'POST', path: '/v1/exports/segments', roles: ['compliance', 'admin'], maxBodyBytes: 1024 },
    ],
  },
  // The population (aggregates) sizes an export's fan-out.
  tables: { runs: 'readwrite', audit: 'readwrite', aggregates: 'read' },
  queues: { exportShards: 'send' },
} as const satisfies FunctionSpec;
