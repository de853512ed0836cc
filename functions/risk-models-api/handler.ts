/**
 * Risk model lifecycle for compliance teams: drafts are validated and stored as new versions,
 * simulated against the stored population, then published (exactly one at a time, audited), which
 * re-segments everyone. Admins change models; analysts read and simulate.
 */

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { settingsOf, riskModelsApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import type { RequestActor } from '../../shared/domain/actors.js';
import { actorRef } from '../../shared/domain/actors.js';
import { withFourEyes } from '../../shared/domain/approvals/approval.js';
import { readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import { populationSize } from '../../shared/domain/insights/aggregates.js';
import { submitJob } from '../../shared/domain/jobs/job.js';
import {
  compileModel,
  diffModels,
  loadDefaultModel,
  type RiskModel,
  renderModelDocument,
  summariseDiff,
} from '../../shared/domain/risk-model/index.js';
import {
  checkDraft,
  createDraft,
  ensureSeeded,
  publishableDraft,
  publishVersion,
  retirableDraft,
  retireDraft,
  unsavedDraft,
} from '../../shared/domain/risk-model/lifecycle.js';
import { predictiveModelId } from '../../shared/domain/scoring/store.js';
import { currentVersions } from '../../shared/domain/segmentation/published-document.js';
import { resegmentationRequest, runIdSchema } from '../../shared/domain/segmentation/run-schemas.js';
import {
  runFinished,
  scanShards,
  startPublicationRun,
  startResegmentation,
} from '../../shared/domain/segmentation/runs.js';
import { withListShifts } from '../../shared/domain/segmentation/simulate.js';
import { simulationRequest } from '../../shared/domain/segmentation/simulation-request.js';
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
const logger = createLogger('riskModelsApi');
const store = adapters.riskModels(settings);
const versionStores = { riskModels: store, scoringModels: adapters.scoringModels(settings) };
const audit = adapters.audit(settings);
const aggregates = adapters.aggregates(settings);
const population = () => populationSize(aggregates);
const runDeps = {
  runs: adapters.runs(settings),
  shards: adapters.resegmentationShards(settings),
  audit,
  currentVersions: (now: Date) => currentVersions(versionStores, now),
  population,
};
const resegmentShards = adapters.resegmentationShardCount();
const fourEyes = { approvals: adapters.approvals(settings), policy: readFourEyesPolicy() };
const jobDeps = { jobs: adapters.jobs(settings), queue: adapters.simulationShards(settings), audit };

// Not strict: some routes carry further path parameters (e.g. otherVersion).
const versionParams = z.object({
  modelId: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
  version: z.coerce.number().int().min(1),
});

function params(event: JsonEvent) {
  const parsed = versionParams.safeParse(event.pathParameters ?? {});
  if (!parsed.success)
    throw new ValidationError('Invalid model id or version', toErrorDetails(parsed.error.issues));
  return parsed.data;
}

/** The version before this one, for "changes since" in a draft's preview document. */
async function previousOf(modelId: string, version: number) {
  const previous = version > 1 ? await store.get(modelId, version - 1) : undefined;
  return previous ? { previous: previous.document } : {};
}

/** Seeding is needed once per store; a warm container does not re-check it on every request. */
let seedDone: Promise<void> | undefined;
function seeded(actor: RequestActor): Promise<void> {
  seedDone ??= ensureSeeded(store, loadDefaultModel(), {
    principalId: 'system:seed',
    role: 'system',
    requestId: actor.requestId,
    now: actor.now,
  }).catch((error: unknown) => {
    seedDone = undefined;
    throw error;
  });
  return seedDone;
}

/**
 * What a four-eyes approval of a model request re-checks: the version's document and, for a
 * publication, the version it replaces (another publication meanwhile makes the request stale).
 */
async function requestContent(action: string, modelId: string, version: number) {
  const stored = await store.get(modelId, version);
  if (!stored) return undefined;
  if (action !== 'risk-model.publish') return { document: stored.document };
  const current = await store.published();
  return { document: stored.document, replaces: current ? `${current.modelId}@${current.version}` : null };
}

type ModelAction = 'risk-model.publish' | 'risk-model.retire';

/** A publication or retirement, held for a second administrator where the four-eyes policy says so. */
async function modelTransition(action: ModelAction, modelId: string, version: number, actor: RequestActor) {
  const content = await requestContent(action, modelId, version);
  return withFourEyes(fourEyes, { action, target: { modelId, version }, content }, actor, () =>
    carryOut(action, modelId, version, actor),
  );
}

function carryOut(
  action: ModelAction,
  modelId: string,
  version: number,
  actor: RequestActor,
): Promise<unknown> {
  return action === 'risk-model.publish'
    ? publishAndResegment(modelId, version, actor)
    : retireAndAnswer(modelId, version, actor);
}

/** Publishes a draft and re-segments everyone under it (a new model version is a new input for everyone). */
async function publishAndResegment(modelId: string, version: number, actor: RequestActor) {
  const { published, retired } = await publishVersion(modelId, version, store, actor);
  const run = await startPublicationRun(
    runDeps,
    {
      modelId,
      version,
      shards: resegmentShards,
      now: actor.now,
      startedBy: actorRef(actor),
      requestId: actor.requestId,
    },
    (error) =>
      logger.error('publication run not started', { modelId, version, errorName: (error as Error).name }),
  );
  logger.info('model published', { modelId, version, runId: run?.runId ?? null, shards: run?.shards });
  return {
    published: {
      modelId: published.modelId,
      version: published.version,
      publishedAt: published.publishedAt,
    },
    retired: retired ? { modelId: retired.modelId, version: retired.version } : null,
    resegmentation: run ? { runId: run.runId, shards: run.shards } : null,
  };
}

async function retireAndAnswer(modelId: string, version: number, actor: RequestActor) {
  const retired = await retireDraft(modelId, version, store, actor);
  return { modelId: retired.modelId, version: retired.version, status: retired.status };
}

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/risk-models': async (event, caller) => {
    const actor = actorOf(event, caller);
    await seeded(actor);
    const created = await createDraft(event.jsonBody, store, actor);
    logger.info('model draft created', { modelId: created.modelId, version: created.version });
    const { document: _document, publishedDocument: _rendered, ...summary } = created;
    return jsonResponse(201, summary);
  },

  'GET /v1/risk-models': async (event, caller) => {
    await seeded(actorOf(event, caller));
    const [published, versions] = await Promise.all([store.published(), store.list()]);
    return jsonResponse(200, {
      published: published ?? null,
      versions: versions.map(({ document, publishedDocument, ...v }) => ({
        ...v,
        changeNote: document.metadata.changeNote,
        ...(publishedDocument ? { documentSha256: publishedDocument.sha256 } : {}),
      })),
    });
  },

  'POST /v1/risk-models/validate': async (event) => {
    const issues = checkDraft(event.jsonBody, new Date());
    return jsonResponse(200, { valid: issues.length === 0, issues });
  },

  'POST /v1/risk-models/simulate': async (event, caller) => {
    const parsed = simulationRequest.safeParse(event.jsonBody);
    if (!parsed.success)
      throw new ValidationError('Invalid simulation request', toErrorDetails(parsed.error.issues));
    const request = parsed.data;
    await seeded(actorOf(event, caller));
    let document: RiskModel;
    if (request.model !== undefined) {
      document = unsavedDraft(request.model, new Date());
    } else {
      const pointer = await store.published();
      const modelId = request.modelId ?? pointer?.modelId ?? loadDefaultModel().modelId;
      const version = request.version ?? pointer?.version ?? 1;
      const stored = await store.get(modelId, version);
      if (!stored) throw new NotFoundError('No such model version');
      document = stored.document;
    }
    const unknownList = request.scenario.find((s) => s.kind !== 'scale' && !(s.list in document.lists));
    if (unknownList && unknownList.kind !== 'scale') {
      throw new ValidationError('Unknown list in scenario', [
        { path: 'scenario', code: 'UNKNOWN_LIST', message: `The model has no list ${unknownList.list}` },
      ]);
    }
    // An unsaved draft is reported as version 0, but the model schema wants a version of at least 1.
    const candidate = withListShifts(
      { ...document, version: Math.max(1, document.version) },
      request.scenario,
    );
    // Compiled here as well, so a draft that cannot compile is a 400 now rather than a failed job.
    compileModel(candidate);
    // Rules reading the score see the one in use, or the candidate asked for.
    const scoring =
      request.scoringModelVersion === undefined
        ? ((await versionStores.scoringModels.published()) ?? null)
        : request.scoringModelVersion === null
          ? null
          : { modelId: predictiveModelId, version: request.scoringModelVersion };
    if (
      scoring &&
      request.scoringModelVersion &&
      !(await versionStores.scoringModels.get(scoring.modelId, scoring.version))
    )
      throw new NotFoundError('No such scoring model version');
    // Reading every stored decision is a job: one message per scan shard (simulationWorker), as
    // many shards as the population needs.
    const shards = scanShards(await population(), resegmentShards);
    const job = await submitJob(
      jobDeps,
      {
        jobId: `job-${randomUUID()}`,
        kind: 'simulation',
        input: {
          candidate: { modelId: document.modelId, version: document.version },
          document: candidate,
          scenario: request.scenario,
          sampleSize: request.sampleSize,
          scoring,
        },
        shards,
      },
      actorOf(event, caller),
    );
    logger.info('simulation job started', { jobId: job.runId, shards });
    return jobAccepted(job);
  },

  'GET /v1/risk-models/{modelId}/versions/{version}': async (event, caller) => {
    const { modelId, version } = params(event);
    await seeded(actorOf(event, caller));
    const stored = await store.get(modelId, version);
    if (!stored) throw new NotFoundError('No such model version');
    return jsonResponse(200, stored);
  },

  'GET /v1/risk-models/{modelId}/versions/{version}/document': async (event, caller) => {
    const { modelId, version } = params(event);
    await seeded(actorOf(event, caller));
    const stored = await store.get(modelId, version);
    if (!stored) throw new NotFoundError('No such model version');
    // Published versions serve the document rendered (and hashed, in the audit trail) at publication.
    const markdown =
      stored.publishedDocument?.markdown ??
      renderModelDocument(stored.document, await previousOf(stored.modelId, stored.version));
    return textResponse(200, markdown, 'text/markdown; charset=utf-8');
  },

  'GET /v1/risk-models/{modelId}/versions/{version}/diff/{otherVersion}': async (event) => {
    const { modelId, version } = params(event);
    const other = z.coerce.number().int().min(1).safeParse(event.pathParameters?.otherVersion);
    if (!other.success)
      throw new ValidationError('Invalid version to compare with', toErrorDetails(other.error.issues));
    const [from, to] = await Promise.all([store.get(modelId, other.data), store.get(modelId, version)]);
    if (!from || !to) throw new NotFoundError('No such model version');
    const diff = diffModels(from.document, to.document);
    return jsonResponse(200, { ...diff, summary: summariseDiff(diff) });
  },

  'POST /v1/risk-models/{modelId}/versions/{version}/publish': async (event, caller) => {
    const { modelId, version } = params(event);
    requireEmptyBody(event);
    const actor = actorOf(event, caller);
    await seeded(actor);
    // Refused now if publication would refuse it, rather than after a second person's approval.
    await publishableDraft(modelId, version, store);
    return deferrableResponse(await modelTransition('risk-model.publish', modelId, version, actor));
  },

  'POST /v1/approvals/risk-models/{approvalId}': decisionRoute(logger, {
    approvals: fourEyes.approvals,
    area: 'risk-models',
    contentOf: ({ action, target }) => requestContent(action, String(target.modelId), Number(target.version)),
    execute: ({ action, target }, actor) =>
      carryOut(action as ModelAction, String(target.modelId), Number(target.version), actor),
  }),

  'POST /v1/resegmentation-runs': async (event, caller) => {
    // No `?? {}`: a JSON null is not "{}" and must not start a run over everyone.
    const parsed = resegmentationRequest.safeParse(event.jsonBody);
    if (!parsed.success)
      throw new ValidationError(
        'Body must be {}, or set "olderThanDays": N and/or "scope": "all" | "due"',
        toErrorDetails(parsed.error.issues),
      );
    const actor = actorOf(event, caller);
    const run = await startResegmentation(runDeps, {
      runId: `run-${actor.requestId || randomUUID()}`,
      cause: 'manual',
      filter: parsed.data,
      shards: resegmentShards,
      now: actor.now,
      startedBy: actorRef(actor),
      requestId: actor.requestId,
    });
    logger.info('re-segmentation started by hand', { runId: run.runId, shards: run.shards });
    // The run is also a job: listed, followed and cancelled under /v1/jobs.
    return jsonResponse(202, {
      runId: run.runId,
      jobId: run.runId,
      shards: run.shards,
      filter: run.filter,
      links: { job: `/v1/jobs/${run.runId}` },
    });
  },

  'GET /v1/resegmentation-runs/{runId}': async (event) => {
    const runId = event.pathParameters?.runId ?? '';
    if (!runIdSchema.safeParse(runId).success) {
      throw new ValidationError('Not a run id', [
        { path: 'runId', code: 'INVALID_RUN_ID', message: 'Expected run-<letters, digits, - or _>' },
      ]);
    }
    const run = await runDeps.runs.get(runId);
    if (!run) throw new NotFoundError('No such run');
    return jsonResponse(200, { ...run, finished: runFinished(run) });
  },

  'POST /v1/risk-models/{modelId}/versions/{version}/retire': async (event, caller) => {
    const { modelId, version } = params(event);
    requireEmptyBody(event);
    const actor = actorOf(event, caller);
    await retirableDraft(modelId, version, store);
    return deferrableResponse(await modelTransition('risk-model.retire', modelId, version, actor));
  },
});
