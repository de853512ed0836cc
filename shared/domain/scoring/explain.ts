/**
 * A prediction and its exact explanation, for either kind of predictive model.
 *
 * Both explanations add up: baseline + Σ contributions = the model's log-odds. The logistic model's
 * baseline is its intercept (the log-odds of a customer at the training means) and a column's
 * contribution its coefficient × the value's deviation from the mean; a tree ensemble's baseline is
 * its expected output over the training data and contributions are TreeSHAP values (exact Shapley
 * values of the trees). Columns are summed per variable, so a categorical variable explains by the
 * level it has, never by the levels it lacks. Each contribution is also shown as the probability
 * change it makes alone from the baseline; those do not add up (the sigmoid is not linear), the
 * log-odds do.
 */
import type { StoredPrediction } from '../ports.js';
import { columnCounts, displayValue, type FeatureSource, type FeatureSpec, vectorise } from './features.js';
import { type ScoringModel, sigmoid } from './logistic.js';
import type { ScoreSource } from './score.js';
import type { StoredScoringModel } from './store.js';
import { TrainingDataError } from './training-data.js';
import type { TreeEnsemble } from './tree-model.js';
import { treeShap } from './tree-shap.js';

/** A tree ensemble as stored: the ensemble, its version and its training figures. */
export type TreeScoringModel = TreeEnsemble & {
  version?: number;
  trainedAt?: string;
  metrics?: Record<string, unknown>;
};

/** Either kind of predictive model. */
export type PredictiveModel = ScoringModel | TreeScoringModel;

export interface VariableContribution {
  /** The declaring variable's name (the feature's path for models trained before declarations). */
  feature: string;
  /** What the model saw: the number, boolean, level or list; null when missing. */
  value: number | boolean | string | string[] | null;
  /** Log-odds this variable adds to the baseline. */
  contribution: number;
  /** sigmoid(baseline + contribution) − sigmoid(baseline). */
  probabilityChange: number;
}

export interface Explanation {
  method: 'coefficients' | 'tree-shap';
  baseline: { logOdds: number; probability: number };
  logOdds: number;
  probability: number;
  /** round(100 × probability). */
  score: number;
  /** One per variable, largest |contribution| first. */
  contributions: VariableContribution[];
}

/** Missing values: trees learnt where they go, the logistic model reads the training mean. */
export const missingEncodingOf = (model: PredictiveModel) => (model.kind === 'trees' ? 'nan' : 'mean');

/** The model's column contributions, baseline and log-odds for one encoded row. */
function columnExplanation(model: PredictiveModel, x: readonly number[]) {
  if (model.kind === 'trees') {
    const shap = treeShap(model, x);
    return {
      method: 'tree-shap' as const,
      baseline: shap.baseline,
      columns: shap.contributions,
      logOdds: shap.margin,
    };
  }
  // By column index: two columns may share a name (a level spelt like the unknown one).
  const columns = x.map(
    (v, j) => ((model.weights[j] ?? 0) * (v - (model.means[j] ?? 0))) / (model.stds[j] ?? 1),
  );
  return {
    method: 'coefficients' as const,
    baseline: model.intercept,
    columns,
    logOdds: columns.reduce((sum, c) => sum + c, model.intercept),
  };
}

export function explainPrediction(
  model: PredictiveModel,
  specs: readonly FeatureSpec[],
  inputs: FeatureSource,
): Explanation {
  const x = vectorise(specs, inputs, missingEncodingOf(model));
  if (x.length !== model.featureNames.length)
    throw new TrainingDataError('FEATURE_MISMATCH', `Expected ${model.featureNames.length} features`);
  const { method, baseline, columns, logOdds } = columnExplanation(model, x);
  const p0 = sigmoid(baseline);
  const counts = columnCounts(specs);
  const contributions: VariableContribution[] = [];
  let column = 0;
  specs.forEach((spec, i) => {
    let contribution = 0;
    for (let k = 0; k < (counts[i] as number); k++) contribution += columns[column++] as number;
    contributions.push({
      feature: spec.variable ?? spec.name,
      value: displayValue(spec, inputs),
      contribution,
      probabilityChange: sigmoid(baseline + contribution) - p0,
    });
  });
  contributions.sort(
    (a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1),
  );
  const probability = sigmoid(logOdds);
  return {
    method,
    baseline: { logOdds: baseline, probability: p0 },
    logOdds,
    probability,
    score: Math.round(probability * 100),
    contributions,
  };
}

const KEPT_CONTRIBUTIONS = 5;
const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/** The score source rules see (`score.predicted.*`) and the prediction kept with the decision. */
export function scoreInputs(
  stored: StoredScoringModel,
  inputs: FeatureSource,
): { source: ScoreSource; prediction: StoredPrediction } {
  const e = explainPrediction(stored.model, stored.specs, inputs);
  const top = e.contributions.slice(0, KEPT_CONTRIBUTIONS);
  const others = e.contributions.slice(KEPT_CONTRIBUTIONS).reduce((s, c) => s + c.contribution, 0);
  return {
    source: { predicted: { probability: e.probability, score: e.score } },
    prediction: {
      model: `${stored.modelId}@${stored.version}`,
      probability: round(e.probability, 4),
      score: e.score,
      baseline: round(e.baseline.logOdds, 3),
      topContributions: top.map((c) => ({
        feature: c.feature,
        contribution: round(c.contribution, 3),
        value: c.value,
      })),
      others: round(others, 3),
    },
  };
}
