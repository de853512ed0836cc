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

/** AUC and capture rates at 5 / 10 / 20 % on one set of scores. */
export function evaluateScores(scores: readonly number[], labels: readonly (0 | 1)[]): ValidationMetrics {
  return {
    rows: scores.length,
    positives: labels.reduce<number>((s, l) => s + l, 0),
    auc: auc(scores, labels),
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
