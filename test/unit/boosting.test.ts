import { describe, expect, it } from 'vitest';
import { featureThresholds, trainBoostedTrees } from '../../shared/domain/scoring/boosting.js';
import { trainLogistic } from '../../shared/domain/scoring/logistic.js';
import { auc, trainValidationSplit } from '../../shared/domain/scoring/metrics.js';
import { seededRandom } from '../../shared/domain/scoring/random.js';
import { syntheticLogOdds, syntheticPopulation } from '../../shared/domain/scoring/synthetic.js';
import { TrainingDataError, type TrainingRow } from '../../shared/domain/scoring/training-data.js';
import {
  isLeaf,
  leafOf,
  predictMargin,
  type Tree,
  type TreeEnsemble,
  treeProblems,
} from '../../shared/domain/scoring/tree-model.js';

const f32 = Math.fround;
const ONE_UP = f32(1 + 2 ** -23); // the float32 right after 1
const TWO_UP = f32(2 + 2 ** -22);

const logLoss = (ensemble: TreeEnsemble, rows: readonly TrainingRow[]) =>
  rows.reduce((s, r) => {
    const m = predictMargin(ensemble, r.features);
    return s + Math.log1p(Math.exp(-Math.abs(m))) + Math.max(m, 0) - r.label * m;
  }, 0) / rows.length;

const expectSound = (ensemble: TreeEnsemble) => {
  for (const tree of ensemble.trees) expect(treeProblems(tree, ensemble.featureNames.length)).toEqual([]);
};

/** Rows whose first feature sits on float32 edges: adjacent float32s, and doubles that round onto them. */
function edgeRows(n: number, seed: number): TrainingRow[] {
  const random = seededRandom(seed);
  const edgeValues = [
    1,
    ONE_UP,
    1 + 2 ** -30,
    1 + 2 ** -23 - 2 ** -30,
    2,
    TWO_UP,
    0.1,
    f32(0.1),
    0,
    -0,
    1e-40,
  ];
  return Array.from({ length: n }, () => {
    const x0 = random() < 0.1 ? Number.NaN : (edgeValues[Math.floor(random() * edgeValues.length)] as number);
    const x1 = Math.floor(random() * 30);
    const x2 = random() * 1000 - 500;
    const signal = (f32(x0) === ONE_UP || f32(x0) === TWO_UP ? 1.5 : -0.5) + (x1 > 12 ? 1 : 0) + x2 / 400;
    return { features: [x0, x1, x2], label: random() < 1 / (1 + Math.exp(-signal)) ? 1 : 0 };
  });
}

describe('featureThresholds', () => {
  it('gives increasing float32 thresholds, at most maxBins bins, one above the maximum', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 5000 }, () => (random() < 0.05 ? Number.NaN : random() * 100));
    for (const maxBins of [2, 16, 64, 300]) {
      const t = featureThresholds(values, maxBins);
      expect(t.length).toBeLessThanOrEqual(maxBins); // maxBins − 1 inner cuts + the top
      t.forEach((x, k) => {
        expect(f32(x)).toBe(x);
        if (k > 0) expect(x).toBeGreaterThan(t[k - 1] as number);
      });
      expect(t[t.length - 1]).toBeGreaterThan(Math.max(...values.filter((v) => !Number.isNaN(v))));
    }
  });

  it('separates adjacent float32 values with the upper one, and merges doubles that round together', () => {
    expect(Array.from(featureThresholds([1, ONE_UP, 1 + 2 ** -30], 64)).slice(0, 1)).toEqual([ONE_UP]);
    expect(featureThresholds([1, 1 + 2 ** -30, Number.NaN], 64).length).toBe(1); // only the top
    expect(featureThresholds([Number.NaN, Number.NaN], 64).length).toBe(0);
  });
});

describe('trainBoostedTrees', () => {
  it('routes every training row in training exactly as leafOf does at prediction', () => {
    const rows = edgeRows(3000, 5);
    for (const extra of [{}, { subsample: 0.7, colsampleByTree: 0.67, seed: 9 }]) {
      let checked = 0;
      let edgeThresholds = 0;
      const { ensemble } = trainBoostedTrees(rows, {
        featureNames: ['edge', 'count', 'amount'],
        rounds: 40,
        maxDepth: 5,
        maxBins: 16,
        minChildWeight: 0.01,
        ...extra,
        observeTree: (tree, leaves) => {
          const disagreeing = rows.filter((row, i) => leafOf(tree, row.features) !== leaves[i]);
          expect(disagreeing).toEqual([]);
          checked++;
          tree.threshold.forEach((t, node) => {
            if (!isLeaf(tree, node) && tree.feature[node] === 0 && (t === ONE_UP || t === TWO_UP))
              edgeThresholds++;
          });
        },
      });
      expect(checked).toBe(40);
      // Splits landed between adjacent float32s, so rows equal to the threshold were routed too.
      expect(edgeThresholds).toBeGreaterThan(0);
      expectSound(ensemble);
    }
  });

  it('is deterministic, with or without subsampling', () => {
    const { featureNames, rows } = syntheticPopulation(1500, 21);
    const plain = { featureNames, rounds: 30 };
    expect(trainBoostedTrees(rows, plain)).toEqual(trainBoostedTrees(rows, plain));
    const sampled = { ...plain, subsample: 0.8, colsampleByTree: 0.5, seed: 4 };
    const a = trainBoostedTrees(rows, sampled);
    expect(JSON.stringify(a)).toBe(JSON.stringify(trainBoostedTrees(rows, sampled)));
    expect(trainBoostedTrees(rows, { ...sampled, seed: 5 }).ensemble.trees).not.toEqual(a.ensemble.trees);
    expectSound(a.ensemble);
  });

  it('records covers as training hessian sums and every effective parameter', () => {
    const { featureNames, rows } = syntheticPopulation(2000, 8);
    const { ensemble, metrics } = trainBoostedTrees(rows, { featureNames, rounds: 25, maxDepth: 3 });
    expectSound(ensemble);
    const rate = metrics.trainingPositives / rows.length;
    expect(ensemble.baseMargin).toBeCloseTo(Math.log(rate / (1 - rate)), 12);
    expect(ensemble.trees[0]?.cover[0]).toBeCloseTo(rows.length * rate * (1 - rate), 6);
    for (const tree of ensemble.trees) {
      tree.left.forEach((l, node) => {
        if (l < 0) return;
        const children = (tree.cover[l] as number) + (tree.cover[tree.right[node] as number] as number);
        expect(tree.cover[node]).toBeCloseTo(children, 6);
      });
    }
    expect(ensemble.origin).toEqual({
      kind: 'trained',
      parameters: {
        objective: 'binary:logistic',
        treeMethod: 'hist',
        rounds: 25,
        learningRate: 0.1,
        maxDepth: 3,
        maxBins: 64,
        lambda: 1,
        minChildWeight: 1,
        gamma: 0,
        monotone: featureNames.map(() => 0).join(','),
        subsample: 1,
        colsampleByTree: 1,
        seed: 1,
        earlyStopping: false,
      },
    });
    expect(metrics).toMatchObject({ rounds: 25, roundsTrained: 25, stoppedEarly: false });
    expect(metrics.trainingLogLoss).toBeCloseTo(logLoss(ensemble, rows), 10);
  });

  it('stops early on noise and keeps the best validation round', () => {
    const random = seededRandom(17);
    const noise = (n: number): TrainingRow[] =>
      Array.from({ length: n }, () => ({
        features: [random(), random(), Math.floor(random() * 5)],
        label: random() < 0.3 ? 1 : 0,
      }));
    const training = noise(1500);
    const validation = noise(800);
    const featureNames = ['a', 'b', 'c'];
    const { ensemble, metrics } = trainBoostedTrees(training, {
      featureNames,
      validation,
      earlyStoppingRounds: 10,
      learningRate: 0.3,
    });
    expect(metrics.stoppedEarly).toBe(true);
    expect(metrics.roundsTrained).toBeLessThan(300);
    expect(metrics.roundsTrained).toBe(metrics.rounds + 10);
    expect(ensemble.trees).toHaveLength(metrics.rounds);
    const history = metrics.validationLogLoss as number[];
    expect(history).toHaveLength(metrics.roundsTrained);
    expect(metrics.bestValidationLogLoss).toBe(Math.min(...history));
    expect(history.indexOf(Math.min(...history))).toBe(metrics.rounds - 1);
    expect(logLoss(ensemble, validation)).toBeCloseTo(metrics.bestValidationLogLoss as number, 10);
    expect(ensemble.origin).toMatchObject({ parameters: { earlyStopping: true, earlyStoppingRounds: 10 } });
    // Without a validation set every round is trained.
    expect(trainBoostedTrees(training, { featureNames, rounds: 40 }).ensemble.trees).toHaveLength(40);
  });

  it('beats logistic regression on nonlinear synthetic data', () => {
    const { featureNames, rows } = syntheticPopulation(4000, 1);
    const { training, validation } = trainValidationSplit(rows, 0.3, 1);
    const { ensemble, metrics } = trainBoostedTrees(training, { featureNames, validation });
    expectSound(ensemble);
    expect(metrics.stoppedEarly).toBe(true);
    const labels = validation.map((r) => r.label);
    const treeAuc = auc(
      validation.map((r) => predictMargin(ensemble, r.features)),
      labels,
    );
    // The logistic model needs complete rows: missing values take the training mean.
    const means = featureNames.map((_, j) => {
      const present = training.map((r) => r.features[j] as number).filter((v) => !Number.isNaN(v));
      return present.reduce((a, b) => a + b, 0) / present.length;
    });
    const impute = (f: readonly number[]) => f.map((v, j) => (Number.isNaN(v) ? (means[j] as number) : v));
    const logistic = trainLogistic(
      training.map((r) => ({ label: r.label, features: impute(r.features) })),
      { featureNames },
    );
    const logisticAuc = auc(
      validation.map((r) =>
        impute(r.features).reduce(
          (s, v, j) =>
            s +
            ((logistic.weights[j] as number) * (v - (logistic.means[j] as number))) /
              (logistic.stds[j] as number),
          logistic.intercept,
        ),
      ),
      labels,
    );
    const bayesAuc = auc(
      validation.map((r) => syntheticLogOdds(r.features)),
      labels,
    );
    // Seed 1: trees ≈ 0.82, logistic ≈ 0.69, the true log-odds ≈ 0.86.
    expect(treeAuc).toBeGreaterThan(logisticAuc + 0.03);
    expect(treeAuc).toBeLessThanOrEqual(bayesAuc + 0.02);
  });

  it('keeps monotonic constraints: raising a constrained feature never lowers the margin', () => {
    const { featureNames, rows } = syntheticPopulation(3000, 11);
    // cashShare ↑, ageYears ↑ (truly U-shaped, so the constraint binds), countryPairA ↓, tenure ↓.
    const constrained: [number, 1 | -1][] = [
      [0, 1],
      [2, 1],
      [3, -1],
      [5, -1],
    ];
    const monotone = featureNames.map(() => 0 as -1 | 0 | 1);
    for (const [j, c] of constrained) monotone[j] = c;
    const { ensemble } = trainBoostedTrees(rows, { featureNames, monotone, rounds: 150, maxDepth: 5 });
    expectSound(ensemble);
    const splitValues = new Map<number, number[]>();
    for (const tree of ensemble.trees)
      tree.feature.forEach((j, node) => {
        if (!isLeaf(tree, node))
          splitValues.set(j, [...(splitValues.get(j) ?? []), tree.threshold[node] as number]);
      });
    expect(constrained.every(([j]) => (splitValues.get(j)?.length ?? 0) > 0)).toBe(true);

    // Missing → present is not covered: a missing value follows its own learnt direction.
    const random = seededRandom(99);
    const probes = syntheticPopulation(400, 12).rows;
    let comparisons = 0;
    for (const probe of probes) {
      for (const [j, c] of constrained) {
        // Values around the range, including thresholds themselves (rows landing on a cut).
        const cuts = splitValues.get(j) ?? [];
        const candidates = [
          ...Array.from({ length: 6 }, () => -10 + random() * 120),
          ...Array.from({ length: 4 }, () => cuts[Math.floor(random() * cuts.length)] as number),
        ].sort((a, b) => a - b);
        const margins = candidates.map((v) => {
          const x = [...probe.features];
          x[j] = v;
          return predictMargin(ensemble, x);
        });
        for (let k = 1; k < margins.length; k++) {
          if (c > 0) expect(margins[k]).toBeGreaterThanOrEqual(margins[k - 1] as number);
          else expect(margins[k]).toBeLessThanOrEqual(margins[k - 1] as number);
          comparisons++;
        }
      }
    }
    expect(comparisons).toBe(400 * 4 * 9);

    // Without the constraint the U-shape in age is learnt (so the check above was not vacuous).
    const free = trainBoostedTrees(rows, { featureNames, rounds: 150, maxDepth: 5 }).ensemble;
    const atAge = (model: TreeEnsemble, age: number) =>
      probes.reduce(
        (s, r) => s + predictMargin(model, [...r.features.slice(0, 2), age, ...r.features.slice(3)]),
        0,
      );
    expect(atAge(free, 20)).toBeGreaterThan(atAge(free, 50));
    expect(atAge(ensemble, 20)).toBeLessThanOrEqual(atAge(ensemble, 50));
  });

  describe('missing values', () => {
    it('learns a feature that is missing exactly when the label is 1 through the default direction', () => {
      const random = seededRandom(4);
      const rows: TrainingRow[] = Array.from({ length: 800 }, () => {
        const label = random() < 0.3 ? 1 : 0;
        return { features: [label === 1 ? Number.NaN : random() * 10, random()], label };
      });
      const { ensemble } = trainBoostedTrees(rows, { featureNames: ['gappy', 'noise'], rounds: 50 });
      expectSound(ensemble);
      const root = ensemble.trees[0] as Tree;
      expect(root.feature[0]).toBe(0);
      // All present values on one side, missing (by its default direction) on the other.
      const missingSide = (root.defaultLeft[0] ? root.left[0] : root.right[0]) as number;
      const presentSide = (root.defaultLeft[0] ? root.right[0] : root.left[0]) as number;
      expect(root.cover[missingSide]).toBeGreaterThan(0);
      for (const row of rows) {
        const leaf = leafOf(root, row.features);
        const side = Number.isNaN(row.features[0] as number) ? missingSide : presentSide;
        expect(leaf === side || (root.left[side] as number) >= 0).toBe(true);
        const m = predictMargin(ensemble, row.features);
        if (row.label === 1) expect(m).toBeGreaterThan(2);
        else expect(m).toBeLessThan(-2);
      }
    });

    it('sends missing values to the side they resemble, in either direction', () => {
      for (const missingWhenHigh of [false, true]) {
        const random = seededRandom(missingWhenHigh ? 7 : 6);
        const rows: TrainingRow[] = Array.from({ length: 1000 }, () => {
          const x = random();
          const label = x > 0.5 ? 1 : 0;
          // A third of the rows on one side of the cut lose their value.
          const missing = x > 0.5 === missingWhenHigh && random() < 0.33;
          return { features: [missing ? Number.NaN : x], label };
        });
        const { ensemble } = trainBoostedTrees(rows, { featureNames: ['x'], rounds: 5, maxDepth: 1 });
        const root = ensemble.trees[0] as Tree;
        expect(root.threshold[0]).toBeGreaterThan(0.45);
        expect(root.threshold[0]).toBeLessThan(0.55);
        expect(root.defaultLeft[0]).toBe(!missingWhenHigh);
      }
    });

    it('gives splits without missing rows the default direction with more cover', () => {
      const { featureNames, rows } = syntheticPopulation(1500, 30);
      const complete = rows.filter((r) => r.features.every((v) => !Number.isNaN(v)));
      const { ensemble } = trainBoostedTrees(complete, { featureNames, rounds: 20 });
      let splits = 0;
      for (const tree of ensemble.trees)
        tree.left.forEach((l, node) => {
          if (l < 0) return;
          splits++;
          const leftCover = tree.cover[l] as number;
          const rightCover = tree.cover[tree.right[node] as number] as number;
          expect(tree.defaultLeft[node]).toBe(leftCover >= rightCover);
        });
      expect(splits).toBeGreaterThan(20);
    });
  });

  describe('refusals', () => {
    const { featureNames, rows } = syntheticPopulation(300, 2);

    it.each([
      ['rounds', 0],
      ['rounds', 2001],
      ['rounds', 1.5],
      ['learningRate', 0],
      ['learningRate', 1.5],
      ['learningRate', Number.NaN],
      ['maxDepth', 0],
      ['maxDepth', 9],
      ['maxBins', 1],
      ['maxBins', 5000],
      ['lambda', -1],
      ['lambda', Number.POSITIVE_INFINITY],
      ['minChildWeight', 0],
      ['gamma', -0.1],
      ['earlyStoppingRounds', 0],
      ['subsample', 0],
      ['subsample', 1.2],
      ['colsampleByTree', 0],
      ['seed', 0.5],
    ])('refuses %s = %s', (name, value) => {
      expect(() => trainBoostedTrees(rows, { featureNames, [name]: value })).toThrow(RangeError);
    });

    it('refuses bad monotone constraints', () => {
      expect(() => trainBoostedTrees(rows, { featureNames, monotone: [1] })).toThrow(RangeError);
      const bad = featureNames.map(() => 2) as unknown as (0 | 1 | -1)[];
      expect(() => trainBoostedTrees(rows, { featureNames, monotone: bad })).toThrow(RangeError);
    });

    it('accepts NaN as missing but refuses infinities, ragged rows and too few outcomes', () => {
      expect(rows.some((r) => r.features.some(Number.isNaN))).toBe(true);
      expect(() => trainBoostedTrees(rows, { featureNames, rounds: 2 })).not.toThrow();
      const infinite = rows.map((r, i) =>
        i === 3 ? { ...r, features: [Number.POSITIVE_INFINITY, ...r.features.slice(1)] } : r,
      );
      expect(() => trainBoostedTrees(infinite, { featureNames })).toThrow(
        expect.objectContaining({ code: 'NON_FINITE_VALUE' }),
      );
      expect(() => trainBoostedTrees(rows, { featureNames: featureNames.slice(1) })).toThrow(
        expect.objectContaining({ code: 'FEATURE_MISMATCH' }),
      );
      expect(() => trainBoostedTrees(rows.slice(0, 20), { featureNames })).toThrow(TrainingDataError);
    });

    it('refuses a malformed validation set', () => {
      const validation = rows.slice(0, 50).map((r) => ({ ...r, features: r.features.slice(1) }));
      expect(() => trainBoostedTrees(rows, { featureNames, validation })).toThrow(/Validation rows/);
      expect(() => trainBoostedTrees(rows, { featureNames, validation })).toThrow(TrainingDataError);
    });
  });
});
