/**
 * Validation metrics for predictive scores, and a deterministic stratified train / validation split.
 * Labels are 1 for an audit-identified issue, 0 otherwise; higher scores mean more risk.
 */

import { seededRandom, shuffled } from './random.js';
import { TrainingDataError } from './training-data.js';

export interface ValidationMetrics {
  rows: number;
  positives: number;
  auc: number;
  /** DeLong 95 % interval of the AUC (absent on figures computed before intervals). */
  aucInterval?: { lower: number; upper: number; level: number };
  /** Mean squared error of the probabilities (absent on figures computed before it). */
  brier?: number;
  /** Share of all positives found in the top 5 %, 10 % and 20 % of scores. */
  captureRates: { top5: number; top10: number; top20: number };
}

function checkPair(scores: readonly number[], labels: readonly number[]): void {
  if (scores.length !== labels.length) {
    throw new TrainingDataError('FEATURE_MISMATCH', `${scores.length} scores but ${labels.length} labels`);
  }
  if (!scores.every(Number.isFinite)) throw new TrainingDataError('NON_FINITE_VALUE', 'Non-finite score');
  if (!labels.every((l) => l === 0 || l === 1))
    throw new TrainingDataError('INVALID_LABEL', 'Labels must be 0 or 1');
}

/** Indices ordered by score, descending; ties keep input order (the callers treat ties explicitly). */
const byScoreDescending = (scores: readonly number[]) =>
  scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);

/**
 * Area under the ROC curve by the Mann-Whitney rank statistic: the probability that a random
 * positive scores above a random negative, ties counting one half. Needs both classes.
 */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  checkPair(scores, labels);
  const order = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1] as number] === scores[order[start] as number])
      end++;
    const averageRank = (start + end) / 2 + 1; // ranks are 1-based; a tie group shares its mean rank
    for (let k = start; k <= end; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new TrainingDataError('SINGLE_CLASS', 'AUC needs both positives and negatives');
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** How many rows "the top `fraction`" holds: ceil(n × fraction), at least 1. */
export const topCount = (n: number, fraction: number): number =>
  Math.min(n, Math.max(1, Math.ceil(n * fraction - 1e-9)));

/**
 * Share of all positives among the top `topFraction` of scores (recall at that review budget).
 * Ties straddling the cut-off are credited pro rata (the expectation over random tie-breaking), so
 * the result never depends on input order.
 */
export function captureRate(
  scores: readonly number[],
  labels: readonly number[],
  topFraction: number,
): number {
  checkPair(scores, labels);
  if (!(topFraction > 0 && topFraction <= 1)) throw new RangeError('topFraction must be in (0, 1]');
  const totalPositives = labels.reduce<number>((s, l) => s + l, 0);
  if (totalPositives === 0)
    throw new TrainingDataError('SINGLE_CLASS', 'Capture rate needs at least one positive');
  const order = byScoreDescending(scores);
  const budget = topCount(scores.length, topFraction);
  let taken = 0;
  let captured = 0;
  for (let start = 0; start < order.length && taken < budget; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1] as number] === scores[order[start] as number])
      end++;
    const groupSize = end - start + 1;
    let groupPositives = 0;
    for (let k = start; k <= end; k++) groupPositives += labels[order[k] as number] as number;
    const take = Math.min(groupSize, budget - taken);
    captured += (groupPositives * take) / groupSize;
    taken += take;
    start = end + 1;
  }
  return captured / totalPositives;
}

/** AUC (with its interval), capture rates at 5 / 10 / 20 % and Brier score of one set of probabilities. */
export function evaluateScores(scores: readonly number[], labels: readonly (0 | 1)[]): ValidationMetrics {
  const interval = aucWithInterval(scores, labels);
  return {
    rows: scores.length,
    positives: labels.reduce<number>((s, l) => s + l, 0),
    auc: interval.auc,
    aucInterval: { lower: interval.lower, upper: interval.upper, level: interval.level },
    brier: brierScore(scores, labels),
    captureRates: {
      top5: captureRate(scores, labels, 0.05),
      top10: captureRate(scores, labels, 0.1),
      top20: captureRate(scores, labels, 0.2),
    },
  };
}

/**
 * Stratified split: within each class a seeded shuffle sends round(count × validationFraction) rows
 * to validation, so both parts keep the class balance. Output keeps the input order.
 */
export function trainValidationSplit<T extends { label: 0 | 1 }>(
  rows: readonly T[],
  validationFraction: number,
  seed: number,
): { training: T[]; validation: T[] } {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new RangeError('validationFraction must be in (0, 1)');
  }
  const random = seededRandom(seed);
  const inValidation = new Uint8Array(rows.length);
  for (const label of [0, 1] as const) {
    const indices = rows.flatMap((row, i) => (row.label === label ? [i] : []));
    const count = Math.round(indices.length * validationFraction);
    for (const i of shuffled(indices, random).slice(0, count)) inValidation[i] = 1;
  }
  const training: T[] = [];
  const validation: T[] = [];
  rows.forEach((row, i) => {
    (inValidation[i] ? validation : training).push(row);
  });
  return { training, validation };
}

/** An AUC with its confidence interval. */
export interface AucInterval {
  auc: number;
  lower: number;
  upper: number;
  /** Two-sided confidence level, e.g. 0.95. */
  level: number;
}

/** The standard normal quantile for the two-sided levels the reports use. */
const Z: Record<string, number> = {
  '0.9': 1.6448536269514722,
  '0.95': 1.959963984540054,
  '0.99': 2.5758293035489004,
};

/**
 * AUC with DeLong's confidence interval (DeLong, DeLong & Clarke-Pearson 1988): the variance of
 * the Mann-Whitney statistic from each positive's and each negative's placement values, ties
 * counting one half; the interval is clipped to [0, 1]. Needs both classes, two of each for a
 * variance.
 */
export function aucWithInterval(
  scores: readonly number[],
  labels: readonly number[],
  level: 0.9 | 0.95 | 0.99 = 0.95,
): AucInterval {
  const value = auc(scores, labels);
  const positives: number[] = [];
  const negatives: number[] = [];
  scores.forEach((s, i) => {
    (labels[i] === 1 ? positives : negatives).push(s);
  });
  const m = positives.length;
  const n = negatives.length;
  if (m < 2 || n < 2) return { auc: value, lower: 0, upper: 1, level };
  // Placement of each score among the other class, by binary search over sorted copies.
  const sortedNeg = [...negatives].sort((a, b) => a - b);
  const sortedPos = [...positives].sort((a, b) => a - b);
  const below = (sorted: readonly number[], x: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const atOrBelow = (sorted: readonly number[], x: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // V10: share of negatives a positive beats; V01: share of positives beating a negative.
  const v10 = positives.map((x) => (below(sortedNeg, x) + atOrBelow(sortedNeg, x)) / 2 / n);
  const v01 = negatives.map((y) => (m - atOrBelow(sortedPos, y) + (m - below(sortedPos, y))) / 2 / m);
  const variance = (xs: readonly number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  };
  const se = Math.sqrt(variance(v10) / m + variance(v01) / n);
  const z = Z[String(level)] as number;
  return { auc: value, lower: Math.max(0, value - z * se), upper: Math.min(1, value + z * se), level };
}

/** Mean squared difference between predicted probability and outcome (0 is perfect; lower is better). */
export function brierScore(probabilities: readonly number[], labels: readonly number[]): number {
  checkPair(probabilities, labels);
  let sum = 0;
  probabilities.forEach((p, i) => {
    sum += (p - (labels[i] as number)) ** 2;
  });
  return probabilities.length === 0 ? 0 : sum / probabilities.length;
}

export interface ReliabilityBin {
  /** Lowest and highest predicted probability in the bin. */
  from: number;
  to: number;
  customers: number;
  meanPredicted: number;
  observedRate: number;
}

/**
 * Calibration as a reliability table: customers ordered by predicted probability and cut into
 * `bins` groups of (nearly) equal size, each with its mean prediction beside the share of issues
 * it really had. A calibrated model has the two close in every bin.
 */
export function reliabilityTable(
  probabilities: readonly number[],
  labels: readonly number[],
  bins = 10,
): ReliabilityBin[] {
  checkPair(probabilities, labels);
  const order = probabilities
    .map((_, i) => i)
    .sort((a, b) => (probabilities[a] as number) - (probabilities[b] as number));
  const count = Math.min(bins, order.length);
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < count; b++) {
    const members = order.slice(
      Math.floor((b * order.length) / count),
      Math.floor(((b + 1) * order.length) / count),
    );
    const predicted = members.map((i) => probabilities[i] as number);
    out.push({
      from: predicted[0] as number,
      to: predicted[predicted.length - 1] as number,
      customers: members.length,
      meanPredicted: predicted.reduce((a, p) => a + p, 0) / members.length,
      observedRate: members.reduce((a, i) => a + (labels[i] as number), 0) / members.length,
    });
  }
  return out;
}

/**
 * Stratified k-fold assignment: within each class a seeded shuffle deals rows to folds in turn, so
 * every fold keeps the class balance. Returns the fold (0..k-1) of each row.
 */
export function stratifiedFolds(labels: readonly (0 | 1)[], k: number, seed: number): Uint8Array {
  if (!(Number.isInteger(k) && k >= 2 && k <= 20)) throw new RangeError('k must be an integer in 2..20');
  const random = seededRandom(seed);
  const fold = new Uint8Array(labels.length);
  for (const label of [0, 1] as const) {
    const indices = labels.flatMap((l, i) => (l === label ? [i] : []));
    shuffled(indices, random).forEach((row, j) => {
      fold[row] = j % k;
    });
  }
  return fold;
}
