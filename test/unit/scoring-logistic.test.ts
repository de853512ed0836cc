import { describe, expect, it } from 'vitest';
import {
  originalScaleCoefficients,
  parseScoringModel,
  predict,
  predictProbability,
  TrainingDataError,
  type TrainingRow,
  trainLogistic,
  validateTrainingSet,
} from '../../shared/domain/scoring/index.js';
import { normalRandom, seededRandom } from '../../shared/domain/scoring/random.js';
import { AppError } from '../../shared/errors.js';

/** Rows drawn from a known logistic model in original units: logit = intercept + Σ beta·x. */
function synthetic(options: {
  n: number;
  seed: number;
  centres: number[];
  spreads: number[];
  beta: number[];
  intercept: number;
}): TrainingRow[] {
  const random = seededRandom(options.seed);
  const normal = normalRandom(random);
  return Array.from({ length: options.n }, () => {
    const features = options.centres.map((c, j) => c + (options.spreads[j] as number) * normal());
    const logit = features.reduce((s, x, j) => s + (options.beta[j] as number) * x, options.intercept);
    return { features, label: random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0 };
  });
}

const truth = { centres: [10, -5, 0], spreads: [2, 0.5, 10], beta: [0.8, -1.5, 0.05], intercept: -16 };
const names = ['income', 'tenure', 'noise'];

describe('trainLogistic', () => {
  it('recovers known weights in original units', () => {
    const rows = synthetic({ n: 5_000, seed: 11, ...truth });
    const model = trainLogistic(rows, { featureNames: names, l2: 1e-6 });
    const { intercept, weights } = originalScaleCoefficients(model);
    expect(model.metrics?.converged).toBe(true);
    expect(weights[0]).toBeCloseTo(0.8, 1);
    expect(weights[1]).toBeCloseTo(-1.5, 1);
    expect(Math.abs((weights[2] as number) - 0.05)).toBeLessThan(0.02);
    expect(Math.abs(intercept - -16)).toBeLessThan(1);
  });

  it('stores the training means and standard deviations and is invariant to feature scale', () => {
    const rows = synthetic({ n: 1_000, seed: 3, ...truth });
    const model = trainLogistic(rows, { featureNames: names });
    const column = (j: number) => rows.map((r) => r.features[j] as number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
    names.forEach((_, j) => {
      expect(model.means[j]).toBeCloseTo(mean(column(j)), 9);
      expect(model.stds[j]).toBeCloseTo(sd(column(j)), 9);
    });
    // Amounts in cents instead of euros: standardised weights and predictions do not move.
    const scaled = rows.map((r) => ({ ...r, features: r.features.map((x, j) => (j === 0 ? x * 100 : x)) }));
    const model100 = trainLogistic(scaled, { featureNames: names });
    model.weights.forEach((w, j) => {
      expect(model100.weights[j]).toBeCloseTo(w, 8);
    });
    expect(predictProbability(model100, [1_200, -5, 3])).toBeCloseTo(
      predictProbability(model, [12, -5, 3]),
      10,
    );
  });

  it('gives a constant feature std 1 and no weight', () => {
    const rows = synthetic({ n: 400, seed: 5, ...truth }).map((r) => ({
      ...r,
      features: [...r.features, 7],
    }));
    const model = trainLogistic(rows, { featureNames: [...names, 'constant'] });
    expect(model.stds[3]).toBe(1);
    expect(model.weights[3]).toBeCloseTo(0, 12);
  });

  it('keeps weights finite on perfectly separable data (L2)', () => {
    const rows: TrainingRow[] = Array.from({ length: 100 }, (_, i) => ({
      features: [i],
      label: i >= 50 ? 1 : 0,
    }));
    const model = trainLogistic(rows, { featureNames: ['x'] });
    expect(Number.isFinite(model.weights[0])).toBe(true);
    expect(predictProbability(model, [99])).toBeGreaterThan(0.95);
    expect(predictProbability(model, [0])).toBeLessThan(0.05);
  });

  it('is deterministic and round-trips through JSON', () => {
    const rows = synthetic({ n: 800, seed: 9, ...truth });
    const options = { featureNames: names, trainedAt: '2026-01-01T00:00:00Z', version: 3 };
    const a = trainLogistic(rows, options);
    expect(trainLogistic(rows, options)).toEqual(a);
    const stored = parseScoringModel(JSON.parse(JSON.stringify(a)));
    expect(stored).toEqual(a);
    expect(() => parseScoringModel({ ...a, weights: [1] })).toThrow(/one entry per feature/);
  });

  it('trains 1,000 rows × 50 features well under a second', () => {
    const p = 50;
    const rows = synthetic({
      n: 1_000,
      seed: 21,
      centres: new Array(p).fill(0),
      spreads: new Array(p).fill(1),
      beta: Array.from({ length: p }, (_, j) => (j % 5 === 0 ? 0.6 : 0.05)),
      intercept: -1,
    });
    const started = performance.now();
    const model = trainLogistic(rows, { featureNames: Array.from({ length: p }, (_, j) => `f${j}`) });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(model.metrics?.converged).toBe(true);
  });
});

describe('predict', () => {
  const model = trainLogistic(synthetic({ n: 1_000, seed: 4, ...truth }), { featureNames: names });

  it('explains itself: intercept + contributions = log-odds, sorted by size', () => {
    const features = [13, -5.4, -8];
    const p = predict(model, features);
    const sum = p.contributions.reduce((s, c) => s + c.contribution, p.intercept);
    expect(sum).toBeCloseTo(p.logOdds, 12);
    expect(Math.log(p.probability / (1 - p.probability))).toBeCloseTo(p.logOdds, 9);
    expect(p.probability).toBeCloseTo(predictProbability(model, features), 14);
    expect(p.score).toBe(Math.round(p.probability * 100));
    expect(Number.isInteger(p.score)).toBe(true);
    const sizes = p.contributions.map((c) => Math.abs(c.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(p.contributions.find((c) => c.feature === 'income')?.value).toBe(13);
    // Income above average raises risk (positive weight), tenure above average lowers it.
    expect(p.contributions.find((c) => c.feature === 'income')?.contribution).toBeGreaterThan(0);
  });

  it('gives the mean customer the intercept (every contribution 0)', () => {
    const p = predict(model, model.means);
    for (const c of p.contributions) expect(c.contribution).toBeCloseTo(0, 12);
    expect(p.logOdds).toBeCloseTo(model.intercept, 12);
  });

  it('rejects inputs of the wrong width or non-finite values', () => {
    expect(() => predict(model, [1, 2])).toThrow(TrainingDataError);
    expect(() => predict(model, [1, 2, Number.NaN])).toThrow(
      expect.objectContaining({ code: 'NON_FINITE_VALUE' }),
    );
  });
});

describe('validateTrainingSet', () => {
  const rows = (n: number, positives: number, width = 2): TrainingRow[] =>
    Array.from({ length: n }, (_, i) => ({
      features: new Array(width).fill(i),
      label: i < positives ? 1 : 0,
    }));
  const codeOf = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(TrainingDataError);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(422);
      return (e as TrainingDataError).code;
    }
    return 'no error';
  };

  it('accepts a usable set', () => {
    expect(() => validateTrainingSet(rows(60, 20))).not.toThrow();
  });

  it('names each problem with a typed 422 code', () => {
    expect(codeOf(() => validateTrainingSet(rows(49, 20)))).toBe('TOO_FEW_OUTCOMES');
    expect(codeOf(() => validateTrainingSet(rows(200, 0)))).toBe('SINGLE_CLASS');
    expect(codeOf(() => validateTrainingSet(rows(200, 200)))).toBe('SINGLE_CLASS');
    expect(codeOf(() => validateTrainingSet(rows(200, 5)))).toBe('TOO_FEW_OUTCOMES');
    expect(codeOf(() => validateTrainingSet(rows(60, 20), { featureCount: 3 }))).toBe('FEATURE_MISMATCH');
    const ragged = [...rows(59, 20), { features: [1], label: 0 as const }];
    expect(codeOf(() => validateTrainingSet(ragged))).toBe('FEATURE_MISMATCH');
    const nan = [...rows(59, 20), { features: [1, Number.POSITIVE_INFINITY], label: 0 as const }];
    expect(codeOf(() => validateTrainingSet(nan))).toBe('NON_FINITE_VALUE');
    const label = [...rows(59, 20), { features: [1, 2], label: 2 as unknown as 0 }];
    expect(codeOf(() => validateTrainingSet(label))).toBe('INVALID_LABEL');
  });

  it('is applied by trainLogistic, with details that point at rows but carry no values', () => {
    const ragged = [...rows(59, 20), { features: [123_456], label: 0 as const }];
    try {
      trainLogistic(ragged, { featureNames: ['a', 'b'] });
      expect.unreachable();
    } catch (e) {
      const error = e as TrainingDataError;
      expect(error.code).toBe('FEATURE_MISMATCH');
      expect(error.details[0]?.path).toBe('rows[59].features');
      expect(JSON.stringify(error.details)).not.toContain('123456');
    }
  });
});
