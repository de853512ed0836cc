/**
 * Predictive models. An admin trains them on audit outcomes in a job (logistic regression,
 * gradient-boosted trees, or both to compare; validation figures reported; protected variables
 * never used), or imports one trained elsewhere (XGBoost JSON laid out as GET
 * /v1/scoring-models/feature-layout says), and puts a version in use, which re-scores everyone;
 * rules then read its score (`score` source, path `predicted.score` or `predicted.probability`).
 * Every version has an auditor's document.
 */

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { settingsOf, scoringModelsApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { actorRef } from '../../shared/domain/actors.js';
import { withFourEyes } from '../../shared/domain/approvals/approval.js';
import { readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import { populationSize } from '../../shared/domain/insights/aggregates.js';
import { submitJob } from '../../shared/domain/jobs/job.js';
import { renderScoringDocument } from '../../shared/domain/scoring/document.js';
import { declaredFeatureSpecs } from '../../shared/domain/scoring/features.js';
import {
  featureLayout,
  importScoringModel,
  importSpecs,
  laidOut,
  parseImportRequest,
} from '../../shared/domain/scoring/import.js';
import { startRescoring } from '../../shared/domain/scoring/rescoring.js';
import {
  parseTrainingRequest,
  publishableScoringModel,
  publishScoringModel,
} from '../../shared/domain/scoring/service.js';
import { predictiveModelId, statusOf } from '../../shared/domain/scoring/store.js';
import {
  currentVersions,
  publishedDocumentProvider,
} from '../../shared/domain/segmentation/published-document.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { decisionRoute, deferrableResponse } from '../../shared/http/approval-routes.js';
import { requireEmptyBody } from '../../shared/http/empty-body.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { jobAccepted } from '../../shared/http/job-response.js';
import { actorOf, type JsonEvent } from '../../shared/http/middleware.js';
import { jsonResponse, textResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('scoringModelsApi');
const models = adapters.scoringModels(settings);
const audit = adapters.audit(settings);
const jobDeps = { jobs: adapters.jobs(settings), queue: adapters.trainingJobs(settings), audit };
const versionStores = { riskModels: adapters.riskModels(settings), scoringModels: models };
const aggregates = adapters.aggregates(settings);
const runDeps = {
  runs: adapters.runs(settings),
  shards: adapters.resegmentationShards(settings),
  audit,
  currentVersions: (now: Date) => currentVersions(versionStores, now),
  population: () => populationSize(aggregates),
};
const resegmentShards = adapters.resegmentationShardCount();
const fourEyes = { approvals: adapters.approvals(settings), policy: readFourEyesPolicy() };

/** Under four-eyes a version is published only through a request a second person approves. */
function refusePublishWithoutApproval(request: { publish: boolean }) {
  if (request.publish && fourEyes.policy.required.has('scoring-model.publish')) {
    throw new ValidationError('Publication needs a second person here', [
      {
        path: 'publish',
        code: 'APPROVAL_REQUIRED',
        message: 'Leave out publish, then ask for publication with POST /v1/scoring-models/{version}/publish',
      },
    ]);
  }
}
// The model document only: variable declarations lay out and encode features, no rule compiled.
const activeRiskModel = publishedDocumentProvider(versionStores.riskModels, {
  ttlMs: adapters.modelCacheTtlMs(),
});

function versionParam(event: JsonEvent): number {
  const version = z.coerce.number().int().min(1).safeParse(event.pathParameters?.version);
  if (!version.success) throw new ValidationError('Invalid version', toErrorDetails(version.error.issues));
  return version.data;
}

/** Puts a version in use and starts the run that re-scores everyone scored by another version. */
async function publishAndRescore(version: number, actor: ReturnType<typeof actorOf>) {
  const result = await publishScoringModel(version, models, actor);
  const rescoring = await rescore(result.version, actor);
  logger.info('scoring model published', { version, runId: rescoring?.runId ?? null });
  return { ...result, rescoring };
}

/** Starts the run re-scoring everyone scored by another version than `version`. */
function rescore(version: number, actor: ReturnType<typeof actorOf>) {
  return startRescoring(
    runDeps,
    {
      version,
      shards: resegmentShards,
      now: actor.now,
      startedBy: actorRef(actor),
      requestId: actor.requestId,
      publicationId: randomUUID(),
    },
    (error) => logger.error('re-scoring run not started', { version, errorName: (error as Error).name }),
  );
}

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/scoring-models': async (event, caller) => {
    // Checked here, so a bad request is a 400 now rather than a failed job later.
    const request = parseTrainingRequest(event.jsonBody);
    refusePublishWithoutApproval(request);
    const job = await submitJob(
      jobDeps,
      { jobId: `job-${randomUUID()}`, kind: 'training', input: request },
      actorOf(event, caller),
    );
    logger.info('training job started', { jobId: job.runId });
    return jobAccepted(job);
  },

  'POST /v1/scoring-models/{version}/publish': async (event, caller) => {
    const version = versionParam(event);
    requireEmptyBody(event);
    const actor = actorOf(event, caller);
    const { content } = await publishableScoringModel(version, models);
    const result = await withFourEyes(
      fourEyes,
      { action: 'scoring-model.publish', target: { version }, content },
      actor,
      () => publishAndRescore(version, actor),
    );
    return deferrableResponse(result);
  },

  'POST /v1/approvals/scoring-models/{approvalId}': decisionRoute(logger, {
    approvals: fourEyes.approvals,
    area: 'scoring-models',
    contentOf: async ({ target }) => (await publishableScoringModel(Number(target.version), models)).content,
    execute: ({ target }, actor) => publishAndRescore(Number(target.version), actor),
  }),

  'POST /v1/scoring-models/import': async (event, caller) => {
    const request = parseImportRequest(event.jsonBody);
    refusePublishWithoutApproval(request);
    const actor = actorOf(event, caller);
    const { modelId, version, model } = await activeRiskModel({ fresh: true });
    const imported = await importScoringModel(
      request,
      { models, variables: model.variables, riskModel: `${modelId}@${version}` },
      actor,
    );
    logger.info('scoring model imported', { version: imported.version, trees: imported.trees });
    const rescoring = request.publish && !imported.duplicate ? await rescore(imported.version, actor) : null;
    return jsonResponse(imported.duplicate ? 200 : 201, { ...imported, rescoring });
  },

  'GET /v1/scoring-models/feature-layout': async () => {
    const { modelId, version, model } = await activeRiskModel();
    const layout = featureLayout(importSpecs(model.variables, undefined));
    // Readable by a model, but their levels are learnt in training: declare them to import on them.
    const { specs } = declaredFeatureSpecs(
      model.variables.filter((v) => !laidOut(v)),
      [],
    );
    return jsonResponse(200, {
      riskModel: `${modelId}@${version}`,
      ...layout,
      levelsNotDeclared: specs.map((s) => s.variable ?? s.name),
    });
  },

  'GET /v1/scoring-models/{version}/document': async (event) => {
    const version = versionParam(event);
    const stored = await models.get(predictiveModelId, version);
    if (!stored) throw new NotFoundError('No such scoring model version');
    return textResponse(200, renderScoringDocument(stored), 'text/markdown; charset=utf-8');
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
        kind: v.model.kind,
        status: statusOf(v, published),
        publishedAt: v.publishedAt ?? null,
        features: v.model.featureNames.length,
        metrics: v.model.metrics ?? null,
      })),
    });
  },
});
