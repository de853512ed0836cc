/**
 * TreeSHAP against the definition: Shapley values of v(S) = E[f(x) | x_S] (the paper's Algorithm 1),
 * by enumerating every subset, on hand-made trees and seeded random ones (repeated features on a
 * path, missing values, inputs exactly on a threshold or rounding onto one in float32).
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/domain/scoring/random.js';
import { TrainingDataError } from '../../shared/domain/scoring/training-data.js';
import {
  emptyTree,
  MAX_TREE_DEPTH,
  predictMargin,
  type Tree,
  type TreeEnsemble,
  treeProblems,
} from '../../shared/domain/scoring/tree-model.js';
import { treeExplainer, treeShap } from '../../shared/domain/scoring/tree-shap.js';

/** Algorithm 1: at a split on a feature in S follow x (missing: the default side), else average by cover. */
function conditionalExpectation(
  tree: Tree,
  x: ArrayLike<number>,
  inS: (f: number) => boolean,
  node = 0,
): number {
  const l = tree.left[node] as number;
  if (l < 0) return tree.value[node] as number;
  const r = tree.right[node] as number;
  const f = tree.feature[node] as number;
  if (inS(f)) {
    const v = x[f] as number;
    const goLeft = Number.isNaN(v)
      ? (tree.defaultLeft[node] as boolean)
      : Math.fround(v) < (tree.threshold[node] as number);
    return conditionalExpectation(tree, x, inS, goLeft ? l : r);
  }
  const c = tree.cover[node] as number;
  return (
    ((tree.cover[l] as number) / c) * conditionalExpectation(tree, x, inS, l) +
    ((tree.cover[r] as number) / c) * conditionalExpectation(tree, x, inS, r)
  );
}

/** Exact Shapley values of v by enumerating all 2^M subsets (M ≤ 10). */
function bruteForceShap(ensemble: TreeEnsemble, x: ArrayLike<number>) {
  const m = ensemble.featureNames.length;
  if (m > 10) throw new Error('too many features to enumerate');
  const v = new Float64Array(1 << m);
  for (let mask = 0; mask < 1 << m; mask++) {
    let total = ensemble.baseMargin;
    for (const tree of ensemble.trees)
      total += conditionalExpectation(tree, x, (f) => (mask & (1 << f)) !== 0);
    v[mask] = total;
  }
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const popcount = (n: number): number => (n === 0 ? 0 : (n & 1) + popcount(n >>> 1));
  const contributions = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      const s = popcount(mask);
      const weight = (factorial(s) * factorial(m - s - 1)) / factorial(m);
      contributions[i] =
        (contributions[i] as number) + weight * ((v[mask | (1 << i)] as number) - (v[mask] as number));
    }
  }
  return { baseline: v[0] as number, contributions };
}

const ensembleOf = (trees: Tree[], featureCount: number, baseMargin = 0): TreeEnsemble => ({
  kind: 'trees',
  featureNames: Array.from({ length: featureCount }, (_, i) => `f${i}`),
  baseMargin,
  trees,
  origin: { kind: 'trained', parameters: {} },
});

interface NodeSpec {
  leaf?: number;
  feature?: number;
  threshold?: number;
  defaultLeft?: boolean;
  cover: number;
  left?: NodeSpec;
  right?: NodeSpec;
}

/** A tree from a nested description, nodes numbered breadth first. */
function treeOf(root: NodeSpec): Tree {
  const tree: Tree = emptyTree();
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i] as NodeSpec;
    tree.cover.push(n.cover);
    if (n.leaf !== undefined) {
      tree.left.push(-1);
      tree.right.push(-1);
      tree.feature.push(0);
      tree.threshold.push(0);
      tree.defaultLeft.push(false);
      tree.value.push(n.leaf);
      continue;
    }
    tree.left.push(queue.length);
    tree.right.push(queue.length + 1);
    queue.push(n.left as NodeSpec, n.right as NodeSpec);
    tree.feature.push(n.feature as number);
    tree.threshold.push(Math.fround(n.threshold as number));
    tree.defaultLeft.push(n.defaultLeft ?? false);
    tree.value.push(0);
  }
  return tree;
}

const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);

function expectMatchesBruteForce(ensemble: TreeEnsemble, x: ArrayLike<number>): void {
  const got = treeShap(ensemble, x);
  const want = bruteForceShap(ensemble, x);
  expect(got.baseline).toBeCloseTo(want.baseline, 9);
  got.contributions.forEach((c, i) => {
    expect(Math.abs(c - (want.contributions[i] as number)), `feature ${i}`).toBeLessThan(1e-9);
  });
  expect(got.margin).toBe(predictMargin(ensemble, x));
  expect(Math.abs(got.baseline + sum(got.contributions) - got.margin)).toBeLessThan(1e-9);
}

describe('treeShap on hand-made trees', () => {
  it('credits a single split to its feature: f(x) − E[f]', () => {
    const tree = treeOf({
      feature: 0,
      threshold: 0.5,
      cover: 4,
      left: { leaf: 1, cover: 3 },
      right: { leaf: -1, cover: 1 },
    });
    const ensemble = ensembleOf([tree], 2, 0.25);
    const result = treeShap(ensemble, [0, 7]);
    expect(result.baseline).toBeCloseTo(0.25 + 0.5, 12);
    expect(result.contributions[0]).toBeCloseTo(0.5, 12);
    expect(result.contributions[1]).toBe(0);
    expect(result.margin).toBeCloseTo(1.25, 12);
    expectMatchesBruteForce(ensemble, [0, 7]);
    expectMatchesBruteForce(ensemble, [0.5, 7]);
  });

  it('splits an AND interaction evenly between its two features', () => {
    // f = 1 only when x0 ≥ 0 and x1 ≥ 0, uniform covers: both features carry the same credit.
    const leaf = (v: number): NodeSpec => ({ leaf: v, cover: 1 });
    const tree = treeOf({
      feature: 0,
      threshold: 0,
      cover: 4,
      left: { feature: 1, threshold: 0, cover: 2, left: leaf(0), right: leaf(0) },
      right: { feature: 1, threshold: 0, cover: 2, left: leaf(0), right: leaf(1) },
    });
    const ensemble = ensembleOf([tree], 3);
    const { baseline, contributions } = treeShap(ensemble, [1, 1, 1]);
    expect(baseline).toBeCloseTo(0.25, 12);
    expect(contributions[0]).toBeCloseTo(0.375, 12);
    expect(contributions[1]).toBeCloseTo(0.375, 12);
    expect(contributions[2]).toBe(0);
    expectMatchesBruteForce(ensemble, [1, 1, 1]);
    expectMatchesBruteForce(ensemble, [-1, 1, 1]);
  });

  it('handles a feature split twice on one path (unwinding its first occurrence)', () => {
    const tree = treeOf({
      feature: 0,
      threshold: 0,
      cover: 10,
      left: {
        feature: 1,
        threshold: 1,
        cover: 6,
        left: {
          feature: 0,
          threshold: -1,
          cover: 4,
          left: { leaf: 2, cover: 1 },
          right: { leaf: -1, cover: 3 },
        },
        right: { leaf: 0.5, cover: 2 },
      },
      right: {
        feature: 0,
        threshold: 1,
        defaultLeft: true,
        cover: 4,
        left: { leaf: 3, cover: 1 },
        right: {
          feature: 1,
          threshold: 0,
          cover: 3,
          left: { leaf: -2, cover: 2 },
          right: { leaf: 1, cover: 1 },
        },
      },
    });
    const ensemble = ensembleOf([tree], 2, -0.3);
    for (const x of [
      [-2, 0],
      [-0.5, 2],
      [0.5, -1],
      [2, 1],
      [Number.NaN, 0.5],
      [0.5, Number.NaN],
      [Number.NaN, Number.NaN],
    ]) {
      expectMatchesBruteForce(ensemble, x);
    }
  });

  it('sends a missing value to the default side as the hot child', () => {
    const tree = treeOf({
      feature: 0,
      threshold: 0,
      defaultLeft: true,
      cover: 4,
      left: { leaf: 1, cover: 1 },
      right: { leaf: -1, cover: 3 },
    });
    const result = treeShap(ensembleOf([tree], 1), [Number.NaN]);
    expect(result.margin).toBe(1);
    expect(result.contributions[0]).toBeCloseTo(1 - (0.25 - 0.75), 12);
  });

  it('gives all zeros for a single-leaf tree', () => {
    const ensemble = ensembleOf([treeOf({ leaf: 0.7, cover: 5 })], 3, 0.1);
    const result = treeShap(ensemble, [1, 2, 3]);
    expect([...result.contributions]).toEqual([0, 0, 0]);
    expect(result.baseline).toBeCloseTo(0.8, 12);
    expect(result.margin).toBeCloseTo(0.8, 12);
  });

  it('gives a baseline of baseMargin and no contributions for an empty ensemble', () => {
    const result = treeShap(ensembleOf([], 2, -1.5), [1, 2]);
    expect(result).toEqual({ baseline: -1.5, contributions: new Float64Array(2), margin: -1.5 });
  });

  it('notices an ensemble whose trees or base margin were replaced since it was last explained', () => {
    const ensemble = ensembleOf([treeOf({ leaf: 1, cover: 1 })], 1);
    expect(treeShap(ensemble, [0]).baseline).toBe(1);
    ensemble.trees = [treeOf({ leaf: 2, cover: 1 })];
    expect(treeShap(ensemble, [0]).baseline).toBe(2);
    ensemble.baseMargin = 1;
    expect(treeShap(ensemble, [0]).baseline).toBe(3);
  });

  it('refuses a row of the wrong width and a malformed tree', () => {
    const tree = treeOf({ leaf: 1, cover: 1 });
    expect(() => treeShap(ensembleOf([tree], 3), [1, 2])).toThrow(TrainingDataError);
    const cyclic = treeOf({
      feature: 0,
      threshold: 0,
      cover: 2,
      left: { leaf: 1, cover: 1 },
      right: { leaf: 2, cover: 1 },
    });
    cyclic.left[0] = 0;
    expect(() => treeShap(ensembleOf([cyclic], 1), [0])).toThrow(/malformed/);
  });
});

/** Values that stress the comparison: the threshold grid, values rounding onto it in float32. */
const GRID = [-1.5, -0.7, -0.1, 0, 0.1, 0.3, 0.7, 1.2].map(Math.fround);

function randomTree(random: () => number, featureCount: number, maxDepth: number): Tree {
  function node(depth: number, cover: number, ancestors: number[]): NodeSpec {
    if (depth === maxDepth || (depth > 0 && random() < 0.25)) return { leaf: random() * 4 - 2, cover };
    // Reuse an ancestor's feature often, so paths repeat features (sometimes more than twice).
    const feature =
      ancestors.length > 0 && random() < 0.45
        ? (ancestors[Math.floor(random() * ancestors.length)] as number)
        : Math.floor(random() * featureCount);
    const share = 0.05 + 0.9 * random();
    // Now and then children's covers do not add up to the parent's (as float32 covers may not).
    const drift = random() < 0.2 ? 1 + (random() - 0.5) * 0.02 : 1;
    return {
      feature,
      threshold: GRID[Math.floor(random() * GRID.length)] as number,
      defaultLeft: random() < 0.5,
      cover,
      left: node(depth + 1, cover * share * drift, [...ancestors, feature]),
      right: node(depth + 1, cover * (1 - share), [...ancestors, feature]),
    };
  }
  return treeOf(node(0, 1 + random() * 100, []));
}

function randomInput(random: () => number, featureCount: number): number[] {
  return Array.from({ length: featureCount }, () => {
    const u = random();
    const t = GRID[Math.floor(random() * GRID.length)] as number;
    if (u < 0.2) return Number.NaN;
    if (u < 0.45) return t; // exactly on a threshold
    if (u < 0.55) return t + (t === 0 ? 1e-50 : t * 2e-9); // a double that rounds onto the threshold in float32
    if (u < 0.65) return t - (t === 0 ? 1e-50 : Math.abs(t) * 2e-9);
    return random() * 4 - 2;
  });
}

describe('treeShap on random trees', () => {
  it('equals brute-force Shapley values, adds up to the margin, and gives unused features 0', () => {
    const random = seededRandom(20260);
    let checked = 0;
    for (let trial = 0; trial < 150; trial++) {
      const featureCount = 2 + Math.floor(random() * 7);
      const trees = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        randomTree(random, featureCount - 1, 1 + Math.floor(random() * 5)),
      );
      // The last column is never split on.
      const ensemble = ensembleOf(trees, featureCount, random() - 0.5);
      const explainer = treeExplainer(ensemble);
      for (let row = 0; row < 6; row++) {
        const x = randomInput(random, featureCount);
        expectMatchesBruteForce(ensemble, x);
        const reused = explainer.explain(x);
        expect(reused.contributions[featureCount - 1]).toBe(0);
        expect([...reused.contributions]).toEqual([...treeShap(ensemble, x).contributions]);
        checked++;
      }
    }
    expect(checked).toBe(900);
  });

  it('treats a double rounding onto a threshold as the threshold itself, as float32 does', () => {
    const t = Math.fround(0.1); // 0.1 itself is below fround(0.1)
    expect(0.1 < t).toBe(true);
    const tree = treeOf({
      feature: 0,
      threshold: 0.1,
      cover: 2,
      left: { leaf: -1, cover: 1 },
      right: { leaf: 1, cover: 1 },
    });
    const result = treeShap(ensembleOf([tree], 1), [0.1]);
    expect(result.margin).toBe(1);
    expect(result.contributions[0]).toBeCloseTo(1, 12);
  });
});

describe('trees too deep to explain', () => {
  it('are refused structurally, as are thresholds that are not finite', () => {
    const chain = emptyTree();
    // A chain: every split's left child a leaf, its right child the next split.
    for (let d = 0; d < 40; d++) {
      const split = chain.left.length;
      chain.left.push(split + 1);
      chain.right.push(split + 2);
      chain.feature.push(0);
      chain.threshold.push(d);
      chain.defaultLeft.push(true);
      chain.value.push(0);
      chain.cover.push(1);
      chain.left.push(-1);
      chain.right.push(-1);
      chain.feature.push(0);
      chain.threshold.push(0);
      chain.defaultLeft.push(false);
      chain.value.push(d);
      chain.cover.push(1);
    }
    for (const field of ['left', 'right', 'feature', 'threshold', 'defaultLeft', 'value', 'cover'] as const)
      (chain[field] as unknown[]).push(
        field === 'left' || field === 'right'
          ? -1
          : field === 'defaultLeft'
            ? false
            : field === 'cover'
              ? 1
              : 0,
      );
    expect(treeProblems(chain, 1)).toEqual([`deeper than ${MAX_TREE_DEPTH} levels`]);
    const stump = emptyTree();
    stump.left.push(1, -1, -1);
    stump.right.push(2, -1, -1);
    stump.feature.push(0, 0, 0);
    stump.threshold.push(Number.POSITIVE_INFINITY, 0, 0);
    stump.defaultLeft.push(true, false, false);
    stump.value.push(0, 1, 2);
    stump.cover.push(2, 1, 1);
    expect(treeProblems(stump, 1)).toEqual(['node 0: threshold is not finite']);
  });
});
