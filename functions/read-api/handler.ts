/**
 * Read path for analysts: one customer's current segment with its explanation, and the number
 * of customers per segment. Customers are addressed by pseudonym only: identifiers never appear
 * in URLs, which end up in access logs; `POST /v1/customers/lookup` turns an external id sent in
 * the body into its pseudonym (resolving only: it never creates a subject).
 */
import { settingsOf, readApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { readPopulation } from '../../shared/domain/insights/aggregates.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { lookupRequest, resolveSubjects } from '../../shared/domain/privacy/subject-directory.js';
import { explainPrediction } from '../../shared/domain/scoring/explain.js';
import type { StoredScoringModel } from '../../shared/domain/scoring/store.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import type { AssignmentWithOutbox } from '../../shared/domain/segmentation/segment-customer.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { pseudonymParam } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('readApi');
const assignments = adapters.assignments(settings);
const aggregates = adapters.aggregates(settings);
// The model document only: rule texts and segments, no rule compiled (the CEL engine stays out).
const activeModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});
const keys = adapters.keys(settings);
const subjects = adapters.subjects(settings);
const profiles = adapters.profiles(settings);
const scoringModels = adapters.scoringModelReader(settings);
/** Scoring versions are immutable: each is read once per container. */
const scoringVersions = new Map<string, Promise<StoredScoringModel | undefined>>();
function scoringVersion(model: string): Promise<StoredScoringModel | undefined> {
  const at = model.lastIndexOf('@');
  const version = Number(model.slice(at + 1));
  if (at <= 0 || !Number.isInteger(version)) return Promise.resolve(undefined);
  let read = scoringVersions.get(model);
  if (!read) {
    read = scoringModels.get(model.slice(0, at), version);
    // A failed read is not kept: the next request tries again.
    read.catch(() => scoringVersions.delete(model));
    scoringVersions.set(model, read);
  }
  return read;
}

/** The prediction's exact explanation, recomputed from the decision's inputs by the model that made it. */
async function predictionExplanation(assignment: Assignment) {
  const model = assignment.prediction?.model;
  const stored = model === undefined ? undefined : await scoringVersion(model);
  if (!model || !stored || !assignment.inputs) return null;
  try {
    return { model, ...explainPrediction(stored.model, stored.specs, assignment.inputs) };
  } catch (error) {
    // The decision stands without its full explanation (its stored top contributions remain).
    logger.warn('prediction not explained', { model, errorName: (error as Error).name });
    return null;
  }
}

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/customers/{pseudonym}/segment': async (event) => {
    const pseudonym = pseudonymParam(event);
    const stored = await assignments.get(pseudonym);
    if (!stored) throw new NotFoundError('No segment assigned to this pseudonym (yet)');
    // The event outbox is the worker's bookkeeping, not part of the decision.
    const { pendingEvents: _outbox, ...assignment } = stored as AssignmentWithOutbox;
    const published = await activeModel();
    const ruleText = new Map(published.model.rules.map((r) => [r.id, r.description]));
    const sameModel =
      assignment.modelId === published.modelId && assignment.modelVersion === published.version;
    return jsonResponse(200, {
      ...assignment,
      explanation: assignment.firedRules.map((r) => ({
        ...r,
        // Descriptions come from the running model; an assignment by another version keeps its codes.
        description: sameModel ? (ruleText.get(r.ruleId) ?? null) : null,
      })),
      predictionExplanation: await predictionExplanation(assignment),
    });
  },
  'POST /v1/customers/lookup': async (event) => {
    const parsed = lookupRequest.safeParse(event.jsonBody);
    if (!parsed.success)
      throw new ValidationError('Body must be { "externalId": "..." }', toErrorDetails(parsed.error.issues));
    const { externalId } = parsed.data;
    const resolved = await resolveSubjects([externalId], await keys.pseudonymiser(), subjects, {
      create: false,
      now: new Date(),
    });
    const subject = resolved.get(externalId);
    // Same answer for "never ingested", "erased" and a crash's half-written customer (a directory entry
    // without a profile, until the reconciler removes it): only an accepted customer is found.
    const accepted = subject && (await profiles.getMany([subject.pseudonym])).has(subject.pseudonym);
    if (!subject || !accepted) throw new NotFoundError('No customer with this external id');
    return jsonResponse(200, { pseudonym: subject.pseudonym });
  },
  'GET /v1/segments': async () => {
    const published = await activeModel();
    // Maintained counts: constant time at any population (docs/insights.md).
    const { customers } = await readPopulation(aggregates);
    const total = published.model.segments.reduce((n, s) => n + (customers.get(s.name) ?? 0), 0);
    return jsonResponse(200, {
      modelId: published.modelId,
      modelVersion: published.version,
      total,
      segments: published.model.segments.map((s) => ({
        name: s.name,
        policyRef: s.policyRef,
        count: customers.get(s.name) ?? 0,
      })),
    });
  },
});
