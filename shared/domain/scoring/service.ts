import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditEvent } from '../audit.js';
import type { Pseudonymiser } from '../crypto/pseudonymiser.js';
import { isPseudonym } from '../crypto/pseudonymiser.js';
import type { ItemResult } from '../ingestion/results.js';
import { safeInput } from '../input-safety.js';
import type {
  Assignment,
  AssignmentStore,
  AuditOutcome,
  KeyService,
  OutcomeStore,
  Placement,
} from '../ports.js';
import type { ErasureLedger } from '../privacy/erasure-ledger.js';
import { resolveSubjects, type SubjectDirectory } from '../privacy/subject-directory.js';
import {
  outcomeNoteContext,
  outcomeSources,
  requireNoteForOther,
  STAFF_TEXT_SCHEMA_VERSION,
  sealNote,
  staffNote,
} from '../staff-notes.js';
import { toErrorDetails } from '../validation.js';
import { buildFeatureSpecs, type FeatureSource, featureNames, vectorise } from './features.js';
import { predict, trainLogistic } from './logistic.js';
import { evaluateScores, trainValidationSplit } from './metrics.js';
import type { ScoringModelStore, StoredScoringModel } from './store.js';
import { TrainingDataError, validateTrainingSet } from './training-data.js';

export const outcomeRecord = z
  .object({
    pseudonym: z.string().optional(),
    externalId: z.string().trim().min(1).max(128).optional(),
    outcome: z.enum(['issue', 'no_issue']),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Where the finding comes from, as a code; anything more goes in the note (sealed). */
    source: z.enum(outcomeSources),
    note: staffNote,
  })
  .strict()
  .superRefine((o, ctx) => requireNoteForOther(o, o.source, ctx))
  .refine(
    (o) => (o.pseudonym === undefined) !== (o.externalId === undefined),
    'Give exactly one of pseudonym, externalId',
  )
  .refine((o) => o.pseudonym === undefined || isPseudonym(o.pseudonym), 'Not a pseudonym');
export const outcomeBatch = z.object({ outcomes: z.array(z.unknown()).min(1).max(1000) }).strict();
/** An outcome's schema, after the checks every input gets (reserved keys, exact numbers, well-formed text). */
const safeOutcome = safeInput(outcomeRecord);

export interface Actor {
  principalId: string;
  role: string;
  requestId: string;
  now: Date;
}

/** Records audit outcomes (the labels of predictive scoring); identifiers become pseudonyms first. */
export async function recordOutcomes(
  items: readonly unknown[],
  deps: {
    outcomes: Pick<OutcomeStore, 'putMany'>;
    pseudonymiser: Pseudonymiser;
    subjects: SubjectDirectory;
    /** Outcomes about erased customers (named by pseudonym) are refused with SUBJECT_ERASED. */
    erasures?: ErasureLedger;
    /** Subject keys seal the notes. */
    keys: Pick<KeyService, 'subjectKeys'>;
    /** Where each customer stands now: an outcome is counted in that segment and score. */
    placements: Pick<AssignmentStore, 'placements'>;
  },
  actor: Actor,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const valid: { index: number; outcome: AuditOutcome; note?: string }[] = [];
  const parsedItems = items.map((item) => safeOutcome.safeParse(item));
  // Resolve only: an outcome about an id never ingested (or erased) names no subject.
  const subjects = await resolveSubjects(
    [...new Set(parsedItems.flatMap((p) => (p.success && p.data.externalId ? [p.data.externalId] : [])))],
    deps.pseudonymiser,
    deps.subjects,
    { create: false, now: actor.now },
  );
  // An erased customer has no directory entry, so only outcomes naming a pseudonym need the ledger.
  const named = [
    ...new Set(parsedItems.flatMap((p) => (p.success && p.data.pseudonym ? [p.data.pseudonym] : []))),
  ];
  const ledger = deps.erasures;
  const erased = new Set(
    ledger ? (await Promise.all(named.map(async (p) => ((await ledger.isErased(p)) ? [p] : [])))).flat() : [],
  );
  parsedItems.forEach((parsed, index) => {
    if (parsed.success && parsed.data.pseudonym && erased.has(parsed.data.pseudonym)) {
      results.push({
        index,
        status: 'rejected',
        code: 'SUBJECT_ERASED',
        message: 'This customer was erased: nothing new may be recorded about them',
      });
      return;
    }
    if (!parsed.success) {
      results.push({
        index,
        status: 'rejected',
        code: 'VALIDATION_FAILED',
        message: 'Outcome failed validation',
        details: toErrorDetails(parsed.error.issues),
      });
      return;
    }
    const o = parsed.data;
    const pseudonym = o.pseudonym ?? subjects.get(o.externalId as string)?.pseudonym;
    if (!pseudonym) {
      results.push({
        index,
        status: 'rejected',
        code: 'UNKNOWN_CUSTOMER',
        message: 'No customer with this externalId',
      });
      return;
    }
    valid.push({
      index,
      outcome: {
        pseudonym,
        // The note counts too: two findings of one kind on one day, told apart by their notes, are two.
        outcomeId: deps.pseudonymiser.digest(
          'content',
          `${pseudonym}|${o.outcome}|${o.date}|${o.source}${o.note === undefined ? '' : `|${o.note}`}`,
        ),
        outcome: o.outcome,
        date: o.date,
        source: o.source,
        recordedBy: actor.principalId,
        recordedAt: actor.now.toISOString(),
        schemaVersion: STAFF_TEXT_SCHEMA_VERSION,
      },
      ...(o.note ? { note: o.note } : {}),
    });
  });
  const sealable = await sealOutcomeNotes(valid, deps.keys);
  for (const v of valid.filter((v) => !sealable.includes(v))) {
    results.push({
      index: v.index,
      status: 'rejected',
      code: 'NO_SUBJECT_KEY',
      message: 'This customer has no data key, so the note cannot be sealed: send the outcome without a note',
    });
  }
  const placements =
    sealable.length > 0
      ? await deps.placements.placements([...new Set(sealable.map((v) => v.outcome.pseudonym))])
      : new Map<string, Placement>();
  const placed = sealable.map((v) => {
    const placedIn = placements.get(v.outcome.pseudonym);
    return placedIn ? { ...v.outcome, placedIn } : v.outcome;
  });
  const stored = placed.length > 0 ? await deps.outcomes.putMany(placed) : [];
  sealable.forEach((v, i) => {
    results.push({
      index: v.index,
      status: stored[i] ? 'accepted' : 'duplicate',
      pseudonym: v.outcome.pseudonym,
    });
  });
  return results;
}

/**
 * Seals each note under its subject's key, in place, and returns the outcomes that can be stored. A
 * note whose subject has no key (a pseudonym never accepted) is refused rather than kept in clear.
 */
async function sealOutcomeNotes<T extends { outcome: AuditOutcome; note?: string }>(
  valid: T[],
  keys: Pick<KeyService, 'subjectKeys'>,
): Promise<T[]> {
  const noted = valid.filter((v) => v.note !== undefined);
  if (noted.length === 0) return valid;
  const subjectKeys = await keys.subjectKeys([...new Set(noted.map((v) => v.outcome.pseudonym))], false);
  return valid.filter((v) => {
    if (v.note === undefined) return true;
    const key = subjectKeys.get(v.outcome.pseudonym);
    if (!key) return false;
    const { pseudonym, outcomeId } = v.outcome;
    v.outcome.note = sealNote(key, v.note, outcomeNoteContext(pseudonym, outcomeId)).note;
    return true;
  });
}

export const trainingRequest = z
  .object({
    /** Extra variables to leave out, beyond those the published risk model marks protected. */
    exclude: z.array(z.string().min(1).max(100)).max(100).default([]),
    validationFraction: z.number().min(0.1).max(0.5).default(0.3),
    seed: z.number().int().default(1),
    l2: z.number().min(0).max(100).optional(),
    publish: z.boolean().default(false),
  })
  .strict();

export interface TrainingDeps {
  outcomes: Pick<OutcomeStore, 'scanAll'>;
  assignments: Pick<AssignmentStore, 'getMany'>;
  models: ScoringModelStore;
  /** Variables the published risk model marks protected (e.g. age, sex): never features. */
  protectedVariables: readonly string[];
}

export const predictiveModelId = 'predictive';

/** A training request, validated (the POST answers 400 before any job exists). */
export function parseTrainingRequest(input: unknown): TrainingRequest {
  // No `?? {}`: an absent body already reads as {}, and a JSON null must not start a job.
  const parsed = trainingRequest.safeParse(input);
  if (!parsed.success)
    throw new ValidationError('Invalid training request', toErrorDetails(parsed.error.issues));
  return parsed.data;
}
export type TrainingRequest = z.infer<typeof trainingRequest>;

/** How far a training job is (phases in order; `done` of `total` where known). */
export type TrainingProgress = (progress: { phase: string; done: number; total?: number }) => Promise<void>;

/** Customers whose stored inputs are read per call (and per progress report). */
const decisionPage = 1000;

/**
 * Trains an explainable logistic regression on audit outcomes joined with each customer's stored
 * inputs, with a stratified train / validation split, and stores it as the next version. Reports
 * AUC and the share of issues captured in the top 5 / 10 / 20 % of scores on the validation split.
 * Runs as a job (`jobId`): a retried job whose model was stored already answers with that model.
 */
export async function trainScoringModel(
  request: TrainingRequest,
  deps: TrainingDeps,
  actor: Actor,
  job: { jobId: string; report: TrainingProgress },
) {
  const earlier = (await deps.models.list()).find((m) => m.jobId === job.jobId);
  if (earlier) return trainingSummary(earlier, earlier.examples ?? 0);
  const labels = new Map<string, 0 | 1>();
  for await (const page of deps.outcomes.scanAll()) {
    // Any issue ever found makes the customer a positive example.
    for (const o of page) labels.set(o.pseudonym, o.outcome === 'issue' ? 1 : (labels.get(o.pseudonym) ?? 0));
    await job.report({ phase: 'reading outcomes', done: labels.size });
  }
  const labelled = [...labels];
  const examples: { source: FeatureSource; label: 0 | 1 }[] = [];
  for (let i = 0; i < labelled.length; i += decisionPage) {
    const page = labelled.slice(i, i + decisionPage);
    const assignments = await deps.assignments.getMany(page.map(([pseudonym]) => pseudonym));
    for (const [pseudonym, label] of page) {
      const a = assignments.get(pseudonym);
      if (a?.inputs) examples.push({ source: a.inputs as FeatureSource, label });
    }
    await job.report({
      phase: 'reading decisions',
      done: Math.min(i + decisionPage, labelled.length),
      total: labelled.length,
    });
  }
  if (examples.length === 0) {
    throw new TrainingDataError('TOO_FEW_OUTCOMES', 'No audit outcome matches a segmented customer');
  }
  const excluded = [...new Set([...deps.protectedVariables, ...request.exclude])];
  const split = trainValidationSplit(examples, request.validationFraction, request.seed);
  const specs = buildFeatureSpecs(
    split.training.map((e) => e.source),
    { exclude: excluded },
  );
  const rows = (set: typeof examples) =>
    set.map((e) => ({ features: vectorise(specs, e.source), label: e.label }));
  const training = rows(split.training);
  validateTrainingSet(training);
  await job.report({ phase: 'training', done: 0, total: training.length });
  const version = (await deps.models.latestVersion(predictiveModelId)) + 1;
  const model = trainLogistic(training, {
    featureNames: featureNames(specs),
    ...(request.l2 === undefined ? {} : { l2: request.l2 }),
    version,
    trainedAt: actor.now.toISOString(),
  });
  await job.report({ phase: 'validating', done: training.length, total: training.length });
  const validation = rows(split.validation);
  const metrics = evaluateScores(
    validation.map((r) => predict(model, r.features).probability),
    validation.map((r) => r.label),
  );
  const stored: StoredScoringModel = {
    modelId: predictiveModelId,
    version,
    status: request.publish ? 'published' : 'draft',
    model: {
      ...model,
      metrics: { ...(model.metrics as NonNullable<typeof model.metrics>), validation: metrics },
    },
    specs,
    excluded,
    trainedBy: actor.principalId,
    trainedAt: actor.now.toISOString(),
    jobId: job.jobId,
    examples: examples.length,
  };
  const audit = auditEvent({
    eventId: `scoring.trained#${predictiveModelId}@${version}`,
    subject: null,
    actor: { type: 'principal', id: actor.principalId, role: actor.role },
    action: 'scoring.trained',
    reasonCodes: [],
    modelVersion: `${predictiveModelId}@${version}`,
    requestId: actor.requestId,
    at: actor.now,
    details: { published: request.publish, examples: examples.length, excluded, validation: metrics },
  });
  await job.report({ phase: 'storing', done: 0 });
  if (!(await deps.models.create(stored, request.publish, audit))) {
    // Another job stored this version first: the queue brings this one back to take the next.
    throw new Error('Scoring model version taken by another training job');
  }
  return trainingSummary(stored, examples.length);
}

/** What a training job reports as its result: figures only. */
function trainingSummary(stored: StoredScoringModel, examples: number) {
  return {
    modelId: stored.modelId,
    version: stored.version,
    status: stored.status,
    examples,
    excluded: stored.excluded,
    validation: stored.model.metrics?.validation,
  };
}

/** The score source rules see (`score.predicted.*`) and the explanation kept with the assignment. */
export function scoreInputs(
  stored: StoredScoringModel,
  inputs: FeatureSource,
): {
  source: { predicted: { probability: number; score: number } };
  prediction: NonNullable<Assignment['prediction']>;
} {
  const p = predict(stored.model, vectorise(stored.specs, inputs));
  return {
    source: { predicted: { probability: p.probability, score: p.score } },
    prediction: {
      model: `${stored.modelId}@${stored.version}`,
      probability: Math.round(p.probability * 10_000) / 10_000,
      score: p.score,
      topContributions: p.contributions
        .slice(0, 5)
        .map((c) => ({ feature: c.feature, contribution: Math.round(c.contribution * 1000) / 1000 })),
    },
  };
}

/** Puts a trained version in use; its score reaches rules within the workers' model cache time. */
export async function publishScoringModel(version: number, models: ScoringModelStore, actor: Actor) {
  const stored = await models.get(predictiveModelId, version);
  if (!stored) throw new NotFoundError('No such scoring model version');
  const current = await models.published();
  if (current?.version === version)
    throw new ConflictError('ALREADY_PUBLISHED', 'This version is already in use');
  const audit = auditEvent({
    eventId: `scoring.published#${predictiveModelId}@${version}#${actor.requestId}`,
    subject: null,
    actor: { type: 'principal', id: actor.principalId, role: actor.role },
    action: 'scoring.published',
    reasonCodes: [],
    modelVersion: `${predictiveModelId}@${version}`,
    requestId: actor.requestId,
    at: actor.now,
    details: { previous: current ? `${current.modelId}@${current.version}` : null },
  });
  if (!(await models.publish(stored, current, audit))) {
    throw new ConflictError('SCORING_PUBLICATION_RACE', 'The scoring model in use changed meanwhile; retry');
  }
  return { modelId: predictiveModelId, version, previous: current ?? null };
}
