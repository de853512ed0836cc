/**
 * Explainable logistic regression for predictive risk scoring.
 *
 * Features are standardised with the training means and standard deviations (kept in the model),
 * weights carry an L2 penalty (the intercept does not), and the fit is Newton's method (IRLS) from a
 * fixed start with step halving: no randomness, so the same rows always give the same model. Every
 * prediction explains itself: intercept + Σ contributions = log-odds, one contribution per feature.
 */
import type { ValidationMetrics } from './metrics.js';
import { TrainingDataError, type TrainingRow, validateTrainingSet } from './training-data.js';

export { TrainingDataError, type TrainingRow, validateTrainingSet } from './training-data.js';

export interface ModelMetrics {
  trainingRows: number;
  trainingPositives: number;
  l2: number;
  iterations: number;
  converged: boolean;
  /** Filled by the caller from a held-out split (see metrics.ts `evaluateScores`). */
  validation?: ValidationMetrics;
}

export interface ScoringModel {
  kind: 'logistic';
  version?: number;
  featureNames: string[];
  /** Training mean per feature (standardisation). */
  means: number[];
  /** Training standard deviation per feature; 1 where the feature was constant. */
  stds: number[];
  /** Weights on standardised features (log-odds per standard deviation). */
  weights: number[];
  intercept: number;
  trainedAt?: string;
  metrics?: ModelMetrics;
}

export interface TrainOptions {
  featureNames: string[];
  /** L2 penalty on the weights, added to the mean log-loss as l2/2·Σw². Default 0.01. */
  l2?: number;
  /** Maximum Newton iterations. Default 100. */
  iterations?: number;
  /** Initial Newton step (halved while the loss does not fall). Default 1. */
  learningRate?: number;
  /** Accepted for symmetry with the other trainers; the Newton solver uses no randomness. */
  seed?: number;
  minRows?: number;
  minPerClass?: number;
  version?: number;
  /** Stamped into the model as given (the trainer never reads the clock). */
  trainedAt?: string;
}

export interface Contribution {
  feature: string;
  /** Log-odds added by this feature: weight × standardised value. */
  contribution: number;
  value: number;
}

export interface Prediction {
  probability: number;
  /** round(100 × probability). */
  score: number;
  logOdds: number;
  intercept: number;
  /** Sorted by |contribution|, largest first. */
  contributions: Contribution[];
}

export const sigmoid = (x: number): number =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
/** log(1 + e^x) without overflow. */
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

export function trainLogistic(rows: readonly TrainingRow[], options: TrainOptions): ScoringModel {
  const { featureNames, l2 = 0.01, iterations = 100, learningRate = 1 } = options;
  validateTrainingSet(rows, {
    featureCount: featureNames.length,
    minRows: options.minRows,
    minPerClass: options.minPerClass,
  });
  const n = rows.length;
  const p = featureNames.length;
  const q = p + 1; // parameter 0 is the intercept
  const means = new Array<number>(p).fill(0);
  const stds = new Array<number>(p).fill(0);
  for (const row of rows) for (let j = 0; j < p; j++) means[j] = (means[j] ?? 0) + (row.features[j] ?? 0) / n;
  for (const row of rows)
    for (let j = 0; j < p; j++)
      stds[j] = (stds[j] ?? 0) + ((row.features[j] ?? 0) - (means[j] ?? 0)) ** 2 / n;
  for (let j = 0; j < p; j++) stds[j] = Math.sqrt(stds[j] ?? 0) > 1e-12 ? Math.sqrt(stds[j] ?? 0) : 1;

  // Design matrix Z (row-major n × q) with a leading column of ones.
  const Z = new Float64Array(n * q);
  const y = new Float64Array(n);
  rows.forEach((row, i) => {
    Z[i * q] = 1;
    for (let j = 0; j < p; j++)
      Z[i * q + j + 1] = ((row.features[j] ?? 0) - (means[j] ?? 0)) / (stds[j] ?? 1);
    y[i] = row.label;
  });

  const eta = new Float64Array(n);
  const linear = (theta: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < q; j++) s += (Z[i * q + j] as number) * (theta[j] as number);
      eta[i] = s;
    }
  };
  const loss = (theta: Float64Array) => {
    linear(theta);
    let l = 0;
    for (let i = 0; i < n; i++) l += softplus(eta[i] as number) - (y[i] as number) * (eta[i] as number);
    let penalty = 0;
    for (let j = 1; j < q; j++) penalty += (theta[j] as number) ** 2;
    return l / n + (l2 / 2) * penalty;
  };

  const positives = y.reduce((a, b) => a + b, 0);
  let theta = new Float64Array(q);
  theta[0] = Math.log(positives / (n - positives));
  let current = loss(theta);
  let iteration = 0;
  let converged = false;
  const gradient = new Float64Array(q);
  const hessian = new Float64Array(q * q);
  while (iteration < iterations && !converged) {
    iteration++;
    linear(theta);
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      const mu = sigmoid(eta[i] as number);
      const r = (mu - (y[i] as number)) / n;
      const w = (mu * (1 - mu)) / n;
      const base = i * q;
      for (let a = 0; a < q; a++) {
        const za = Z[base + a] as number;
        gradient[a] = (gradient[a] as number) + r * za;
        const wz = w * za;
        for (let b = 0; b <= a; b++)
          hessian[a * q + b] = (hessian[a * q + b] as number) + wz * (Z[base + b] as number);
      }
    }
    for (let j = 1; j < q; j++) {
      gradient[j] = (gradient[j] as number) + l2 * (theta[j] as number);
      hessian[j * q + j] = (hessian[j * q + j] as number) + l2;
    }
    const direction = solveSymmetric(hessian, gradient, q);
    let step = learningRate;
    let next = theta;
    let nextLoss = current;
    for (let halvings = 0; halvings < 40; halvings++) {
      const candidate = theta.map((t, j) => t - step * (direction[j] as number));
      const candidateLoss = loss(candidate);
      if (candidateLoss <= current) {
        next = candidate;
        nextLoss = candidateLoss;
        break;
      }
      step /= 2;
    }
    let change = 0;
    for (let j = 0; j < q; j++)
      change = Math.max(change, Math.abs((next[j] as number) - (theta[j] as number)));
    converged = change < 1e-9 || current - nextLoss < 1e-14;
    theta = next;
    current = nextLoss;
  }

  return {
    kind: 'logistic',
    ...(options.version === undefined ? {} : { version: options.version }),
    featureNames: [...featureNames],
    means,
    stds,
    weights: Array.from(theta.subarray(1)),
    intercept: theta[0] as number,
    ...(options.trainedAt === undefined ? {} : { trainedAt: options.trainedAt }),
    metrics: { trainingRows: n, trainingPositives: positives, l2, iterations: iteration, converged },
  };
}

/** Solves H x = g for the symmetric positive (semi-)definite H (lower triangle filled) by Cholesky. */
function solveSymmetric(lower: Float64Array, g: Float64Array, q: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const L = new Float64Array(q * q);
    let ok = true;
    for (let i = 0; i < q && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = (lower[i * q + j] as number) + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= (L[i * q + k] as number) * (L[j * q + k] as number);
        if (i === j) {
          if (!(s > 0)) ok = false;
          L[i * q + i] = Math.sqrt(s);
        } else L[i * q + j] = s / (L[j * q + j] as number);
      }
    }
    if (!ok) continue;
    const x = new Float64Array(q);
    for (let i = 0; i < q; i++) {
      let s = g[i] as number;
      for (let k = 0; k < i; k++) s -= (L[i * q + k] as number) * (x[k] as number);
      x[i] = s / (L[i * q + i] as number);
    }
    for (let i = q - 1; i >= 0; i--) {
      let s = x[i] as number;
      for (let k = i + 1; k < q; k++) s -= (L[k * q + i] as number) * (x[k] as number);
      x[i] = s / (L[i * q + i] as number);
    }
    return x;
  }
}

function checkInput(model: ScoringModel, features: readonly number[]): void {
  if (features.length !== model.featureNames.length) {
    throw new TrainingDataError('FEATURE_MISMATCH', `Expected ${model.featureNames.length} features`);
  }
  if (!features.every(Number.isFinite)) throw new TrainingDataError('NON_FINITE_VALUE', 'Non-finite feature');
}

/** Probability only: the fast path for evaluating many rows. */
export function predictProbability(model: ScoringModel, features: readonly number[]): number {
  checkInput(model, features);
  let logOdds = model.intercept;
  for (let j = 0; j < features.length; j++) {
    logOdds +=
      ((model.weights[j] ?? 0) * ((features[j] ?? 0) - (model.means[j] ?? 0))) / (model.stds[j] ?? 1);
  }
  return sigmoid(logOdds);
}

export function predict(model: ScoringModel, features: readonly number[]): Prediction {
  checkInput(model, features);
  const contributions = model.featureNames.map((feature, j) => {
    const value = features[j] ?? 0;
    return {
      feature,
      value,
      contribution: ((model.weights[j] ?? 0) * (value - (model.means[j] ?? 0))) / (model.stds[j] ?? 1),
    };
  });
  const logOdds = contributions.reduce((s, c) => s + c.contribution, model.intercept);
  const probability = sigmoid(logOdds);
  contributions.sort(
    (a, b) =>
      Math.abs(b.contribution) - Math.abs(a.contribution) ||
      (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0),
  );
  return {
    probability,
    score: Math.round(probability * 100),
    logOdds,
    intercept: model.intercept,
    contributions,
  };
}

/** Intercept and weights in the features' original units (log-odds per unit), for documentation. */
export function originalScaleCoefficients(model: ScoringModel): { intercept: number; weights: number[] } {
  const weights = model.weights.map((w, j) => w / (model.stds[j] ?? 1));
  const intercept = weights.reduce((b, w, j) => b - w * (model.means[j] ?? 0), model.intercept);
  return { intercept, weights };
}
