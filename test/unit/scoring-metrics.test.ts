import { describe, expect, it } from 'vitest';
import {
  auc,
  brierScore,
  captureRate,
  evaluateScores,
  TrainingDataError,
  topCount,
  trainValidationSplit,
} from '../../shared/domain/scoring/index.js';
import { seededRandom } from '../../shared/domain/scoring/random.js';

describe('auc', () => {
  const labels = [0, 0, 1, 0, 1, 1, 0, 1];
  const ranks = [1, 2, 5, 3, 6, 7, 4, 8];

  it('is 1 for a perfect ranking, 0 for an inverted one', () => {
    expect(auc(ranks, labels)).toBe(1);
    expect(
      auc(
        ranks.map((r) => -r),
        labels,
      ),
    ).toBe(0);
  });

  it('is 0.5 when every score ties, and counts a tied pair as one half', () => {
    expect(auc(new Array(8).fill(0.3), labels)).toBe(0.5);
    // Pairs (positive, negative): 0.9>0.1, 0.9>0.5, 0.5=0.5 (½), 0.5>0.1 → 3.5 / 4.
    expect(auc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBe(0.875);
  });

  it('matches the pairwise definition on random data with many ties', () => {
    const random = seededRandom(17);
    const scores = Array.from({ length: 300 }, () => Math.floor(random() * 10));
    const ys = scores.map((s) => (random() < 0.1 + s / 15 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
      if (ys[i] !== 1) return;
      scores.forEach((sn, j) => {
        if (ys[j] !== 0) return;
        pairs++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      });
    });
    expect(auc(scores, ys)).toBeCloseTo(wins / pairs, 12);
  });

  it('is about 0.5 for random scores and invariant to monotone transforms', () => {
    const random = seededRandom(3);
    const scores = Array.from({ length: 10_000 }, () => random());
    const ys = scores.map(() => (random() < 0.3 ? 1 : 0));
    expect(Math.abs(auc(scores, ys) - 0.5)).toBeLessThan(0.02);
    expect(
      auc(
        scores.map((s) => Math.exp(5 * s)),
        ys,
      ),
    ).toBe(auc(scores, ys));
  });

  it('needs both classes and one label per score', () => {
    expect(() => auc([1, 2], [1, 1])).toThrow(expect.objectContaining({ code: 'SINGLE_CLASS' }));
    expect(() => auc([1, 2], [1])).toThrow(TrainingDataError);
  });
});

describe('captureRate', () => {
  // 100 rows, 10 positives with the highest scores.
  const scores = Array.from({ length: 100 }, (_, i) => i);
  const labels = scores.map((i) => (i >= 90 ? 1 : 0));

  it('is the share of all positives inside the top fraction', () => {
    expect(captureRate(scores, labels, 0.05)).toBe(0.5);
    expect(captureRate(scores, labels, 0.1)).toBe(1);
    expect(captureRate(scores, labels, 0.2)).toBe(1);
    expect(
      captureRate(
        scores.map((s) => -s),
        labels,
        0.2,
      ),
    ).toBe(0);
  });

  it('credits ties at the cut-off pro rata, independent of input order', () => {
    // Everyone tied: the top 20 % holds 20 % of positives in expectation.
    expect(captureRate(new Array(100).fill(1), labels, 0.2)).toBeCloseTo(0.2, 12);
    // Top 2 of 4 rows: score 3 (positive) is in; the tie at 2 (one positive, one negative) shares one slot.
    const a = captureRate([3, 2, 2, 1], [1, 1, 0, 1], 0.5);
    expect(a).toBeCloseTo(1.5 / 3, 12);
    expect(captureRate([2, 1, 3, 2], [0, 1, 1, 1], 0.5)).toBeCloseTo(a, 12);
  });

  it('counts the top as ceil(n × fraction), robust to floating point', () => {
    expect(topCount(300, 0.05)).toBe(15);
    expect(topCount(300, 0.1)).toBe(30);
    expect(topCount(10, 0.05)).toBe(1);
    expect(() => captureRate([1], [1], 0)).toThrow(RangeError);
  });

  it('evaluateScores reports AUC with its interval, Brier and the three headline capture rates', () => {
    expect(evaluateScores(scores, labels as (0 | 1)[])).toEqual({
      rows: 100,
      positives: 10,
      auc: 1,
      aucInterval: { lower: 1, upper: 1, level: 0.95 },
      brier: brierScore(scores, labels),
      captureRates: { top5: 0.5, top10: 1, top20: 1 },
    });
  });
});

describe('trainValidationSplit', () => {
  const rows = Array.from({ length: 1_000 }, (_, id) => ({ id, label: (id % 10 < 3 ? 1 : 0) as 0 | 1 }));

  it('is stratified: each class keeps its share in both parts', () => {
    const { training, validation } = trainValidationSplit(rows, 0.3, 7);
    expect(validation).toHaveLength(300);
    expect(training).toHaveLength(700);
    expect(validation.filter((r) => r.label === 1)).toHaveLength(90);
    expect(training.filter((r) => r.label === 1)).toHaveLength(210);
  });

  it('is a deterministic partition that keeps the input order', () => {
    const a = trainValidationSplit(rows, 0.3, 7);
    expect(trainValidationSplit(rows, 0.3, 7)).toEqual(a);
    expect(trainValidationSplit(rows, 0.3, 8).validation).not.toEqual(a.validation);
    const ids = [...a.training, ...a.validation].map((r) => r.id).sort((x, y) => x - y);
    expect(ids).toEqual(rows.map((r) => r.id));
    const validationIds = a.validation.map((r) => r.id);
    expect(validationIds).toEqual([...validationIds].sort((x, y) => x - y));
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => trainValidationSplit(rows, 0, 1)).toThrow(RangeError);
    expect(() => trainValidationSplit(rows, 1, 1)).toThrow(RangeError);
  });
});
