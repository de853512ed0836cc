/**
 * Predictive scoring and discovery. Compliance records audit outcomes; an admin trains an
 * explainable logistic regression on them (validation AUC and capture rates reported; protected
 * variables never used) and may put it in use, after which its score is a variable rules can read
 * (`score` source, path `predicted.score` or `predicted.probability`). The cluster report is a
 * discovery tool: k-means beside the current segments; it never changes a segment.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { functions, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { clusterReport } from '../../shared/domain/clustering/index.js';
import { summarise } from '../../shared/domain/ingestion/results.js';
import { jobBody, submitJob } from '../../shared/domain/jobs/job.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { buildFeatureSpecs, featureNames, vectorise } from '../../shared/domain/scoring/features.js';
import {
  outcomeBatch,
  parseTrainingRequest,
  publishScoringModel,
  recordOutcomes,
} from '../../shared/domain/scoring/service.js';
import {
  protectedVariables,
  publishedModelProvider,
} from '../../shared/domain/segmentation/published-model.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { ValidationError } from '../../shared/errors.js';
import { requireEmptyBody } from '../../shared/http/empty-body.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const spec = functions.scoringApi;
const settings = requireSettings(settingsOf(spec));
const logger = createLogger('scoringApi');
const keys = adapters.keys(settings);
const erasures = adapters.erasureLedger(settings);
const outcomes = adapters.outcomes(settings);
const subjects = adapters.subjects(settings);
const models = adapters.scoringModels(settings);
const assignments = adapters.assignments(settings);
const jobDeps = {
  jobs: adapters.jobs(settings),
  queue: adapters.trainingJobs(settings),
  audit: adapters.audit(settings),
};
const activeRiskModel = publishedModelProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});
/** Above this many customers the cluster report works on a deterministic sample. */
const clusterSampleSize = 20_000;

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/audit-outcomes': async (event, caller) => {
    const batch = outcomeBatch.safeParse(event.jsonBody);
    if (!batch.success)
      throw new ValidationError(
        'Body must be { "outcomes": [1..1000 items] }',
        toErrorDetails(batch.error.issues),
      );
    const results = await recordOutcomes(
      batch.data.outcomes,
      { outcomes, pseudonymiser: await keys.pseudonymiser(), subjects, erasures, keys },
      actorOf(event, caller),
    );
    const outcome = summarise(results);
    logger.info('audit outcomes recorded', outcome.summary);
    return jsonResponse(207, outcome);
  },

  'POST /v1/scoring-models': async (event, caller) => {
    // Checked here, so a bad request is a 400 now rather than a failed job later.
    const request = parseTrainingRequest(event.jsonBody);
    const job = await submitJob(
      jobDeps,
      { jobId: `job-${randomUUID()}`, kind: 'training', input: request },
      actorOf(event, caller),
    );
    logger.info('training job started', { jobId: job.runId });
    const accepted = jsonResponse(202, jobBody(job));
    return { ...accepted, headers: { ...accepted.headers, location: `/v1/jobs/${job.runId}` } };
  },

  'POST /v1/scoring-models/{version}/publish': async (event, caller) => {
    const version = z.coerce.number().int().min(1).safeParse(event.pathParameters?.version);
    if (!version.success) throw new ValidationError('Invalid version', toErrorDetails(version.error.issues));
    requireEmptyBody(event);
    const result = await publishScoringModel(version.data, models, actorOf(event, caller));
    logger.info('scoring model published', { version: result.version });
    return jsonResponse(200, result);
  },

  'GET /v1/scoring-models': async () => {
    const [published, versions] = await Promise.all([models.published(), models.list()]);
    return jsonResponse(200, {
      published: published ?? null,
      versions: versions.map((v) => ({
        modelId: v.modelId,
        version: v.version,
        trainedBy: v.trainedBy,
        trainedAt: v.trainedAt,
        excluded: v.excluded,
        features: v.model.featureNames.length,
        metrics: v.model.metrics ?? null,
      })),
    });
  },

  'GET /v1/reports/clusters': async (event) => {
    const k = z.coerce.number().int().min(2).max(12).optional().safeParse(event.queryStringParameters?.k);
    if (!k.success) throw new ValidationError('k must be 2-12', toErrorDetails(k.error.issues));
    const population: Assignment[] = [];
    for await (const page of assignments.scanAll()) {
      for (const a of page) if (a.inputs && population.length < clusterSampleSize) population.push(a);
    }
    if (population.length < 10) throw new ValidationError('Too few segmented customers for a cluster report');
    const excluded = protectedVariables(await activeRiskModel());
    // Numeric and yes/no variables only: cluster centres then read in the variables' own units.
    const specs = buildFeatureSpecs(
      population.map((a) => a.inputs),
      { exclude: excluded },
    ).filter((s) => s.kind === 'numeric' || s.kind === 'boolean');
    const report = clusterReport(
      population.map((a) => vectorise(specs, a.inputs)),
      featureNames(specs),
      population.map((a) => a.segment),
      { ...(k.data ? { k: k.data } : {}), seed: 1 },
    );
    return jsonResponse(200, { customers: population.length, excluded, ...report });
  },
});
