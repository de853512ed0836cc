/**
 * Fitting one kind of predictive model on labelled customers as the product does, and scoring
 * them: shared by the training job (service.ts) and the models benchmark, so both measure the same
 * thing. Trees stop early on a fifth of the training rows, never on rows they are judged on.
 */
import type { ErrorDetail } from '../../errors.js';
import { trainBoostedTrees } from './boosting.js';
import type { PredictiveModel } from './explain.js';
import {
  columnCounts,
  type FeatureSource,
  type FeatureSpec,
  featureNames,
  type MissingEncoding,
  vectorise,
} from './features.js';
import { predictProbability, sigmoid, trainLogistic } from './logistic.js';
import { aucWithInterval, brierScore, stratifiedFolds, trainValidationSplit } from './metrics.js';
import type { TrainingRequest } from './service.js';
import { TrainingDataError, type TrainingRow, validateTrainingSet } from './training-data.js';
import { predictMargin } from './tree-model.js';

export type Example = { source: FeatureSource; label: 0 | 1 };

/** Per column: +1 / -1 where a declared variable's monotone constraint applies, else 0. */
export function monotoneColumns(
  specs: readonly FeatureSpec[],
  constraints: TrainingRequest['trees']['monotone'],
): (-1 | 0 | 1)[] {
  const bySpec = specs.map(() => 0 as -1 | 0 | 1);
  const problems: ErrorDetail[] = [];
  constraints.forEach((c, i) => {
    const at = specs.findIndex((s) => s.variable === c.variable);
    const spec = specs[at];
    if (!spec) {
      problems.push({
        path: `trees.monotone[${i}].variable`,
        code: 'UNKNOWN_FEATURE',
        message: 'Not a feature of this model (undeclared, protected or excluded)',
      });
    } else if (spec.kind === 'categorical' || spec.kind === 'set') {
      problems.push({
        path: `trees.monotone[${i}].variable`,
        code: 'NOT_ORDERED',
        message: 'Only numeric, ordinal and boolean variables have an order to be monotone in',
      });
    } else bySpec[at] = c.direction === 'increasing' ? 1 : -1;
  });
  if (problems.length > 0)
    throw new TrainingDataError('FEATURE_MISMATCH', 'Monotone constraints name unusable variables', problems);
  return specs.flatMap((spec, i) =>
    new Array<-1 | 0 | 1>(columnCounts([spec])[0] as number).fill(bySpec[i] as -1 | 0 | 1),
  );
}

/** Pooled out-of-fold figures of k-fold cross-validation over every labelled customer. */
export interface CrossValidation {
  folds: number;
  auc: number;
  aucInterval: { lower: number; upper: number; level: number };
  brier: number;
}

/** Fits one kind of model on `training` (trees stop early on a fifth of it, never on other rows). */
export function fitKind(
  kind: 'logistic' | 'trees',
  request: TrainingRequest,
  specs: readonly FeatureSpec[],
  training: readonly Example[],
  meta: { version: number; trainedAt: string },
): PredictiveModel {
  const names = featureNames(specs);
  const rows = (set: readonly Example[], missing: MissingEncoding): TrainingRow[] =>
    set.map((e) => ({ features: vectorise(specs, e.source, missing), label: e.label }));
  if (kind === 'logistic') {
    const encoded = rows(training, 'mean');
    validateTrainingSet(encoded);
    return trainLogistic(encoded, {
      featureNames: names,
      ...(request.l2 === undefined ? {} : { l2: request.l2 }),
      version: meta.version,
      trainedAt: meta.trainedAt,
    });
  }
  const inner = trainValidationSplit([...training], 0.2, request.seed + 1);
  const t = request.trees;
  const { ensemble, metrics } = trainBoostedTrees(rows(inner.training, 'nan'), {
    featureNames: names,
    rounds: t.rounds,
    learningRate: t.learningRate,
    maxDepth: t.maxDepth,
    minChildWeight: t.minChildWeight,
    lambda: t.lambda,
    earlyStoppingRounds: t.earlyStoppingRounds,
    validation: rows(inner.validation, 'nan'),
    monotone: monotoneColumns(specs, t.monotone),
    seed: request.seed,
  });
  const { validationLogLoss: _curve, ...figures } = metrics;
  return { ...ensemble, version: meta.version, trainedAt: meta.trainedAt, metrics: figures };
}

/** The probabilities a model gives a set of customers. */
export const probabilities = (
  model: PredictiveModel,
  specs: readonly FeatureSpec[],
  set: readonly Example[],
) =>
  set.map((e) => probabilityOf(model, vectorise(specs, e.source, model.kind === 'trees' ? 'nan' : 'mean')));

/**
 * Stratified k-fold cross-validation over every labelled customer: each fold scored by a model fit
 * on the others, the out-of-fold scores pooled into one AUC (DeLong interval) and Brier score. The
 * encoding (means, levels learnt from data) is the final model's, learnt on the training split.
 */
export function crossValidate(
  kind: 'logistic' | 'trees',
  request: TrainingRequest,
  specs: readonly FeatureSpec[],
  all: readonly Example[],
): CrossValidation | undefined {
  const k = request.folds;
  if (k < 2) return undefined;
  const fold = stratifiedFolds(
    all.map((e) => e.label),
    k,
    request.seed,
  );
  const scores = new Array<number>(all.length).fill(0);
  for (let f = 0; f < k; f++) {
    const model = fitKind(
      kind,
      request,
      specs,
      all.filter((_, i) => fold[i] !== f),
      { version: 1, trainedAt: '' },
    );
    const held = all.flatMap((_, i) => (fold[i] === f ? [i] : []));
    const p = probabilities(
      model,
      specs,
      held.map((i) => all[i] as Example),
    );
    held.forEach((i, j) => {
      scores[i] = p[j] as number;
    });
  }
  const labels = all.map((e) => e.label);
  const interval = aucWithInterval(scores, labels);
  return {
    folds: k,
    auc: interval.auc,
    aucInterval: { lower: interval.lower, upper: interval.upper, level: interval.level },
    brier: brierScore(scores, labels),
  };
}

/** The model's probability for an encoded row (NaN marks a missing value for trees). */
export function probabilityOf(model: PredictiveModel, x: readonly number[]): number {
  return model.kind === 'trees' ? sigmoid(predictMargin(model, x)) : predictProbability(model, x);
}
