/** Predictive scoring's HTTP functions: the labels (audit outcomes) and the models. Listed in `functions` in infra/manifest.ts, in place. */
import type { FunctionSpec } from './manifest-types.js';

export const scoringApi = {
  entry: 'functions/scoring-api/handler.ts',
  description: 'Audit outcomes in (the labels of predictive scoring); cluster reports started (202).',
  memoryMb: 1024,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      {
        method: 'POST',
        path: '/v1/audit-outcomes',
        roles: ['compliance', 'admin'],
        maxBodyBytes: 1_048_576,
        batchItems: 'outcomes',
      },
      {
        method: 'POST',
        path: '/v1/reports/clusters',
        roles: ['analyst', 'compliance', 'admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  tables: {
    aggregates: 'readwrite',
    // An outcome is counted where the customer stands when it is recorded.
    assignments: 'read',
    outcomes: 'readwrite',
    audit: 'readwrite',
    keyring: 'read',
    subjectIndex: 'read',
    // An outcome's note is sealed under the subject's key.
    subjectKeys: 'read',
    // Cluster report jobs are recorded here and run by their worker.
    runs: 'readwrite',
  },
  queues: { clusterJobs: 'send' },
  keys: { pseudonymisation: 'decrypt', dataKeys: 'decrypt' },
} as const satisfies FunctionSpec;

/**
 * Predictive models apart from the outcomes they learn from: this one reads no personal data and
 * holds no key, and the XGBoost importer and the auditor's document fit its bundle.
 */
export const scoringModelsApi = {
  entry: 'functions/scoring-models-api/handler.ts',
  description:
    'Scoring models: training jobs started (202), models trained elsewhere imported, listed, documented and put in use (re-scoring everyone).',
  // An imported model of a few MB is parsed and checked whole.
  memoryMb: 2048,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'POST', path: '/v1/scoring-models', roles: ['admin'], maxBodyBytes: 16_384 },
      { method: 'GET', path: '/v1/scoring-models', roles: ['analyst', 'compliance', 'admin'] },
      // A model trained elsewhere (XGBoost JSON, at most a few MB): validated, stored as the next version.
      { method: 'POST', path: '/v1/scoring-models/import', roles: ['admin'], maxBodyBytes: 5_242_880 },
      // The columns a model trained elsewhere must have, from the published risk model's declarations.
      {
        method: 'GET',
        path: '/v1/scoring-models/feature-layout',
        roles: ['analyst', 'compliance', 'admin'],
      },
      // The auditor's document of a version (Markdown).
      {
        method: 'GET',
        path: '/v1/scoring-models/{version}/document',
        roles: ['analyst', 'compliance', 'admin'],
      },
      {
        method: 'POST',
        path: '/v1/scoring-models/{version}/publish',
        roles: ['admin'],
        maxBodyBytes: 1024,
      },
      // A second administrator decides on a publication (four-eyes, docs/auth.md).
      {
        method: 'POST',
        path: '/v1/approvals/scoring-models/{approvalId}',
        roles: ['admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  tables: {
    scoringModels: 'readwrite',
    approvals: 'readwrite',
    audit: 'readwrite',
    // Training jobs and the re-scoring run of a publication are recorded here.
    runs: 'readwrite',
    // The published risk model's variable declarations lay out and encode features; with the
    // scoring version in use, the versions a publication's run over due decisions compares with.
    riskModels: 'read',
    // The population sizes the publication run's fan-out.
    aggregates: 'read',
  },
  queues: { trainingJobs: 'send', resegmentationShards: 'send' },
} as const satisfies FunctionSpec;
