/**
 * A predictive model's score alone, without its explanation: what a simulation needs per customer
 * (the worker that decides keeps the explanation too, see explain.ts). Imports neither zod nor the
 * explainer, so the simulation worker's bundle stays small.
 */
import type { FeatureSource } from './features.js';
import { vectorise } from './features.js';
import { predictProbability, sigmoid } from './logistic.js';
import type { StoredScoringModel } from './store.js';
import { predictMargin } from './tree-model.js';

/** The `score` source rules read: `score.predicted.probability` and `score.predicted.score`. */
export interface ScoreSource {
  predicted: { probability: number; score: number };
}

export function scoreSourceOf(
  stored: Pick<StoredScoringModel, 'model' | 'specs'>,
  inputs: FeatureSource,
): ScoreSource {
  const { model, specs } = stored;
  const probability =
    model.kind === 'trees'
      ? sigmoid(predictMargin(model, vectorise(specs, inputs, 'nan')))
      : predictProbability(model, vectorise(specs, inputs, 'mean'));
  return { predicted: { probability, score: Math.round(probability * 100) } };
}
