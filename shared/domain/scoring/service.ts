/**
 * Training and publication of predictive models: logistic regression and gradient-boosted trees
 * trained in a job on audit outcomes, encoded as the published risk model declares its variables.
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditActor, type RequestActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import type { AssignmentStore, AuditEvent, OutcomeStore } from '../ports.js';
import type { ModelVariable } from '../risk-model/model.js';
import { toErrorDetails } from '../validation.js';
import { assessModel, type ModelAssessment } from './assessment.js';
import { documentDigest } from './document.js';
import type { PredictiveModel } from './explain.js';
import { declaredFeatureSpecs, type FeatureSource, type FeatureSpec } from './features.js';
import { type CrossValidation, crossValidate, type Example, fitKind, probabilities } from './fit.js';
import { evaluateScores, trainValidationSplit, type ValidationMetrics } from './metrics.js';
import { predictiveModelId, type ScoringModelStore, type StoredScoringModel } from './store.js';
import { TrainingDataError } from './training-data.js';

export { outcomeBatch, outcomeRecord, recordOutcomes } from './outcomes.js';

const treeParameters = z
  .object({
    rounds: z.number().int().min(1).max(2000).default(300),
    learningRate: z.number().gt(0).max(1).default(0.1),
    maxDepth: z.number().int().min(1).max(8).default(4),
    minChildWeight: z.number().gt(0).max(1000).default(1),
    lambda: z.number().min(0).max(1000).default(1),
    earlyStoppingRounds: z.number().int().min(1).max(500).default(20),
    /** A risk factor that may only raise (or only lower) the score, whatever else holds. */
    monotone: z
      .array(
        z
          .object({ variable: z.string().min(1).max(100), direction: z.enum(['increasing', 'decreasing']) })
          .strict(),
      )
      .max(100)
      .default([]),
  })
  .strict();

export const trainingRequest = z
  .object({
    /**
     * `logistic`, `trees` (gradient-boosted), or `both` on the same split, stored as two drafts
     * to compare before one is published.
     */
    kind: z.enum(['logistic', 'trees', 'both']).default('logistic'),
    /** Extra variables to leave out, beyond those the published risk model marks protected. */
    exclude: z.array(z.string().min(1).max(100)).max(100).default([]),
    validationFraction: z.number().min(0.1).max(0.5).default(0.3),
    /** k-fold cross-validation over every labelled customer (0: none). */
    folds: z.union([z.literal(0), z.number().int().min(2).max(10)]).default(5),
    seed: z.number().int().default(1),
    l2: z.number().min(0).max(100).optional(),
    trees: treeParameters.default({}),
    publish: z.boolean().default(false),
  })
  .strict()
  .refine((r) => !(r.publish && r.kind === 'both'), {
    message: 'Train both to compare them, then publish one',
    path: ['publish'],
  });

export interface TrainingDeps {
  outcomes: Pick<OutcomeStore, 'scanAll'>;
  assignments: Pick<AssignmentStore, 'getMany'>;
  models: ScoringModelStore;
  /**
   * The published risk model's variables: their declarations say which inputs a model may read
   * and how each is encoded; protected ones are never features.
   */
  variables: readonly ModelVariable[];
  /** `modelId@version` of the risk model the declarations come from. */
  riskModel: string;
}

export { predictiveModelId } from './store.js';

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

/** Labelled customers: audit outcomes joined with each customer's stored decision inputs. */
async function labelledExamples(
  deps: TrainingDeps,
  report: TrainingProgress,
): Promise<{ examples: Example[]; window: { from: string; to: string } }> {
  const labels = new Map<string, 0 | 1>();
  const window = { from: '', to: '' };
  for await (const page of deps.outcomes.scanAll()) {
    // Any issue ever found makes the customer a positive example.
    for (const o of page) {
      labels.set(o.pseudonym, o.outcome === 'issue' ? 1 : (labels.get(o.pseudonym) ?? 0));
      if (window.from === '' || o.date < window.from) window.from = o.date;
      if (o.date > window.to) window.to = o.date;
    }
    await report({ phase: 'reading outcomes', done: labels.size });
  }
  const labelled = [...labels];
  const examples: Example[] = [];
  for (let i = 0; i < labelled.length; i += decisionPage) {
    const page = labelled.slice(i, i + decisionPage);
    const assignments = await deps.assignments.getMany(page.map(([pseudonym]) => pseudonym));
    for (const [pseudonym, label] of page) {
      const a = assignments.get(pseudonym);
      if (a?.inputs) examples.push({ source: a.inputs as FeatureSource, label });
    }
    await report({
      phase: 'reading decisions',
      done: Math.min(i + decisionPage, labelled.length),
      total: labelled.length,
    });
  }
  if (examples.length === 0) {
    throw new TrainingDataError('TOO_FEW_OUTCOMES', 'No audit outcome matches a segmented customer');
  }
  return { examples, window };
}

interface Trained {
  model: PredictiveModel;
  validation: ValidationMetrics;
  training: ValidationMetrics;
  crossValidation?: CrossValidation;
  assessment: ModelAssessment;
}

/**
 * Trains the requested kind(s) on one stratified split and reports, on the held-out part, AUC
 * (with its interval), Brier score and the share of issues captured in the top 5 / 10 / 20 % of
 * scores, with the same figures on the training part beside them (a held-out figure far below the
 * training one means overfitting), k-fold figures over everyone, calibration, top features,
 * example explanations and fairness per protected group.
 */
function trainKinds(
  request: TrainingRequest,
  kinds: readonly ('logistic' | 'trees')[],
  specs: FeatureSpec[],
  split: { training: Example[]; validation: Example[] },
  meta: { version: number; trainedAt: string },
  protectedVariables: readonly ModelVariable[],
): Trained[] {
  const figures = (model: PredictiveModel, set: readonly Example[]) =>
    evaluateScores(
      probabilities(model, specs, set),
      set.map((e) => e.label),
    );
  const all = [...split.training, ...split.validation];
  return kinds.map((kind, i) => {
    const model = fitKind(kind, request, specs, split.training, { ...meta, version: meta.version + i });
    const crossValidation = crossValidate(kind, request, specs, all);
    return {
      model,
      validation: figures(model, split.validation),
      training: figures(model, split.training),
      ...(crossValidation ? { crossValidation } : {}),
      assessment: assessModel(model, specs, split.validation, protectedVariables),
    };
  });
}

/**
 * Trains explainable predictive models on audit outcomes joined with each customer's stored inputs,
 * encoded as the published risk model declares its variables, and stores each as the next version.
 * Runs as a job (`jobId`): a retried job whose models were stored already answers with them.
 */
export async function trainScoringModel(
  request: TrainingRequest,
  deps: TrainingDeps,
  actor: RequestActor,
  job: { jobId: string; report: TrainingProgress },
) {
  const earlier = (await deps.models.list()).filter((m) => m.jobId === job.jobId);
  // A retried job trains only what it has not stored yet.
  const kinds = (request.kind === 'both' ? (['logistic', 'trees'] as const) : [request.kind]).filter(
    (kind) => !earlier.some((m) => m.model.kind === kind),
  );
  if (kinds.length === 0) return trainingSummary(earlier, earlier[0]?.examples ?? 0);
  const { examples, window } = await labelledExamples(deps, job.report);
  const protectedNames = deps.variables.filter((v) => v.protected).flatMap((v) => [v.name, v.source.path]);
  const excluded = [...new Set([...protectedNames, ...request.exclude])];
  const split = trainValidationSplit(examples, request.validationFraction, request.seed);
  const { specs, undeclared } = declaredFeatureSpecs(
    deps.variables,
    split.training.map((e) => e.source),
    { exclude: excluded },
  );
  if (specs.length === 0) {
    throw new TrainingDataError(
      'FEATURE_MISMATCH',
      'The published risk model declares no variable a predictive model may read',
    );
  }
  await job.report({ phase: 'training', done: 0, total: split.training.length });
  const first = Math.max((await deps.models.latestVersion(predictiveModelId)) + 1, 1);
  const trainedAt = actor.now.toISOString();
  const trained = trainKinds(
    request,
    kinds,
    specs,
    split,
    { version: first, trainedAt },
    deps.variables.filter((v) => v.protected),
  );
  await job.report({ phase: 'storing', done: 0, total: trained.length });
  const stored: StoredScoringModel[] = [...earlier];
  for (const [i, t] of trained.entries()) {
    const version = first + i;
    const metrics = {
      ...(t.model.metrics ?? {}),
      validation: t.validation,
      training: t.training,
      ...(t.crossValidation ? { crossValidation: t.crossValidation } : {}),
      ...t.assessment,
      outcomesWindow: window,
    };
    const item: StoredScoringModel = {
      modelId: predictiveModelId,
      version,
      status: request.publish ? 'published' : 'draft',
      ...(request.publish ? { publishedAt: trainedAt } : {}),
      model: { ...t.model, metrics } as PredictiveModel,
      specs,
      excluded,
      undeclared,
      declarations: declarationsOf(deps.riskModel, deps.variables, specs),
      trainedBy: actor.principalId,
      trainedAt,
      jobId: job.jobId,
      examples: examples.length,
    };
    const audit = scoringAudit('scoring.trained', version, actor, {
      kind: t.model.kind,
      published: request.publish,
      ...(request.publish ? { documentSha256: documentDigest(item) } : {}),
      examples: examples.length,
      excluded,
      validation: t.validation,
    });
    if (!(await deps.models.create(item, request.publish, audit))) {
      // Another job stored this version first: the queue brings this one back to take the next.
      throw new Error('Scoring model version taken by another training job');
    }
    stored.push(item);
  }
  return trainingSummary(stored, examples.length);
}

/** The declarations of the variables a model reads, kept with it. */
export function declarationsOf(
  riskModel: string,
  variables: readonly ModelVariable[],
  specs: readonly FeatureSpec[],
): NonNullable<StoredScoringModel['declarations']> {
  const read = new Set(specs.map((s) => s.variable));
  return { riskModel, variables: variables.filter((v) => read.has(v.name)).map((v) => structuredClone(v)) };
}

/** The audit record of a scoring model's training, import or publication, by `actor`. */
export function scoringAudit(
  action: 'scoring.trained' | 'scoring.imported' | 'scoring.published',
  version: number,
  actor: RequestActor,
  details: Record<string, unknown>,
  /** Told apart from other records of the same action and version (a version published again). */
  occurrence?: string,
): AuditEvent {
  const modelVersion = `${predictiveModelId}@${version}`;
  return auditEvent({
    eventId: `${action}#${modelVersion}${occurrence === undefined ? '' : `#${occurrence}`}`,
    subject: null,
    actor: auditActor(actor),
    action,
    reasonCodes: [],
    modelVersion,
    requestId: actor.requestId,
    at: actor.now,
    details,
  });
}

/** What a training job reports as its result: figures only, one entry per model trained. */
function trainingSummary(stored: readonly StoredScoringModel[], examples: number) {
  const models = stored.map((s) => ({
    modelId: s.modelId,
    version: s.version,
    kind: s.model.kind,
    status: s.status,
    validation: s.model.metrics?.validation as ValidationMetrics | undefined,
    training: (s.model.metrics as { training?: ValidationMetrics } | undefined)?.training,
    crossValidation: (s.model.metrics as { crossValidation?: CrossValidation } | undefined)?.crossValidation,
  }));
  const first = stored[0] as StoredScoringModel;
  return {
    // The first model's figures at the top level, as before `kind: both`.
    ...(models[0] as (typeof models)[number]),
    examples,
    excluded: first.excluded,
    undeclared: first.undeclared ?? [],
    models,
  };
}

/**
 * A version publication would accept now, with the one in use, or the refusal. `content` is what
 * a four-eyes approval re-checks: this version's document and the version it replaces.
 */
export async function publishableScoringModel(
  version: number,
  models: Pick<ScoringModelStore, 'get' | 'published'>,
) {
  const stored = await models.get(predictiveModelId, version);
  if (!stored) throw new NotFoundError('No such scoring model version');
  const current = await models.published();
  if (current?.version === version)
    throw new ConflictError('ALREADY_PUBLISHED', 'This version is already in use');
  return {
    stored,
    current,
    content: { documentSha256: documentDigest(stored), replaces: current?.version ?? null },
  };
}

/** Puts a trained version in use; its score reaches rules within the workers' model cache time. */
export async function publishScoringModel(version: number, models: ScoringModelStore, actor: RequestActor) {
  const { stored, current } = await publishableScoringModel(version, models);
  // The document depends only on the stored version: its digest lets anyone check later that the
  // document they read is the one that was in force.
  const documentSha256 = documentDigest(stored);
  const audit = scoringAudit(
    'scoring.published',
    version,
    actor,
    { previous: current ? `${current.modelId}@${current.version}` : null, documentSha256 },
    actor.requestId,
  );
  if (!(await models.publish(stored, current, audit, actor.now.toISOString()))) {
    throw new ConflictError('SCORING_PUBLICATION_RACE', 'The scoring model in use changed meanwhile; retry');
  }
  return { modelId: predictiveModelId, version, previous: current ?? null, documentSha256 };
}
