/**
 * Gradient-boosted trees for predictive risk scoring, trained in the product.
 *
 * The method is XGBoost's with its `hist` tree method (as LightGBM): each feature's values are cut
 * once into at most `maxBins` quantile bins, rows are pre-binned into a byte matrix, and split
 * finding scans per-node gradient / hessian histograms, building the smaller child's histogram and
 * taking its sibling's as parent − smaller. Loss is logistic; leaf weights carry an L2 penalty.
 * Missing values (NaN) get a learnt default direction per split. Optional monotonic constraints
 * follow XGBoost (ordered child weights, bounds passed down through the mid-point).
 *
 * Thresholds are float32 values and a bin boundary is a threshold, so the partition used in
 * training is exactly `leafOf`'s rule (fround(x) < threshold → left) for every row. No randomness
 * unless row / column subsampling is asked for, and then only from the seeded generator: the same
 * rows and options always give the same ensemble.
 */
import { sigmoid } from './logistic.js';
import type { ValidationMetrics } from './metrics.js';
import { seededRandom, shuffled } from './random.js';
import { TrainingDataError, type TrainingRow, validateTrainingSet } from './training-data.js';
import { emptyTree, leafOf, type Tree, type TreeEnsemble } from './tree-model.js';

export interface BoostingOptions {
  featureNames: string[];
  /** Maximum boosting rounds (trees). Default 300, 1–2000. */
  rounds?: number;
  /** Shrinkage applied to each tree's leaves. Default 0.1, in (0, 1]. */
  learningRate?: number;
  /** Maximum splits from root to leaf. Default 4, 1–8. */
  maxDepth?: number;
  /** Maximum bins per feature for present values. Default 64, 2–1024. */
  maxBins?: number;
  /** L2 penalty on leaf weights. Default 1. */
  lambda?: number;
  /** Minimum hessian sum in each child. Default 1; must be > 0 (it keeps every cover positive). */
  minChildWeight?: number;
  /** Minimum loss reduction for a split (XGBoost's gamma). Default 0. */
  gamma?: number;
  /** Held-out rows for early stopping (NaN = missing, as in training). */
  validation?: readonly TrainingRow[];
  /** Stop after this many rounds without a better validation log-loss. Default 20. */
  earlyStoppingRounds?: number;
  /** Per feature: 1 = the margin may only rise with the feature, -1 = only fall, 0 = free. */
  monotone?: readonly (-1 | 0 | 1)[];
  /** Share of rows sampled (without replacement) for each tree. Default 1. */
  subsample?: number;
  /** Share of features available to each tree. Default 1. */
  colsampleByTree?: number;
  /** Seed for subsampling. Default 1; unused when both shares are 1. */
  seed?: number;
  minRows?: number;
  minPerClass?: number;
  /**
   * Diagnostics: called after each tree with the leaf every training row was assigned to during
   * training (the partition itself, not a re-evaluation).
   */
  observeTree?: (tree: Tree, trainingLeaves: Int32Array) => void;
}

export interface BoostingMetrics {
  trainingRows: number;
  trainingPositives: number;
  /** Trees kept: the best validation round, or every round without a validation set. */
  rounds: number;
  /** Rounds grown before stopping (more than `rounds` when early stopping discarded some). */
  roundsTrained: number;
  stoppedEarly: boolean;
  leaves: number;
  /** Mean training log-loss of the kept ensemble. */
  trainingLogLoss: number;
  validationRows?: number;
  /** Mean validation log-loss of the kept ensemble. */
  bestValidationLogLoss?: number;
  /** Mean validation log-loss after each round grown. */
  validationLogLoss?: number[];
  /** Filled by the caller from a held-out split (see metrics.ts `evaluateScores`). */
  validation?: ValidationMetrics;
}

export interface BoostedModel {
  ensemble: TreeEnsemble;
  metrics: BoostingMetrics;
}

const MAX_FLOAT32 = 3.4028234663852886e38;
/** XGBoost's floor on the logistic hessian: keeps covers positive when p saturates. */
const MIN_HESSIAN = 1e-16;
/** A split must reduce the loss by more than rounding noise. */
const MIN_GAIN = 1e-10;

/** log(1 + e^x) without overflow. */
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/**
 * A finite float32 t with a < t ≤ b (a < b float32 values, possibly infinite), near their
 * mid-point, so fround(x) < t separates them; NaN when no finite one exists.
 */
function thresholdBetween(a: number, b: number): number {
  const lo = Math.max(a, -MAX_FLOAT32);
  const hi = Math.min(b, MAX_FLOAT32);
  let t = Math.fround(lo / 2 + hi / 2);
  if (!(t > a)) t = hi; // adjacent float32s: the mid-point rounds down onto a
  return t > a && t <= b && Number.isFinite(t) ? t : Number.NaN;
}

/** Above the largest value, as XGBoost's last cut, so "all present vs missing" is a split too. */
function thresholdAbove(max: number): number {
  const t = Math.fround(max + (Math.abs(max) + 1e-5));
  return t > max && Number.isFinite(t) ? t : thresholdBetween(max, Number.POSITIVE_INFINITY);
}

/**
 * Increasing float32 thresholds for one feature's present values: between consecutive distinct
 * values when there are few, else at (unweighted) quantiles; plus one above the maximum.
 */
export function featureThresholds(values: ArrayLike<number>, maxBins: number): Float64Array {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) present.push(Math.fround(v));
  }
  if (present.length === 0) return new Float64Array(0);
  const sorted = Float64Array.from(present).sort();
  const distinct: number[] = [];
  for (const v of sorted) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  const out: number[] = [];
  const push = (t: number) => {
    if (!Number.isNaN(t) && (out.length === 0 || t > (out[out.length - 1] as number))) out.push(t);
  };
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++)
      push(thresholdBetween(distinct[i - 1] as number, distinct[i] as number));
  } else {
    let q = 0;
    for (let k = 1; k < maxBins; k++) {
      const v = sorted[Math.floor((k * sorted.length) / maxBins)] as number;
      while ((distinct[q] as number) < v) q++;
      if (q > 0) push(thresholdBetween(distinct[q - 1] as number, v));
    }
  }
  push(thresholdAbove(distinct[distinct.length - 1] as number));
  return Float64Array.from(out);
}

/** Bin of a value: the number of thresholds ≤ fround(v); NaN → the feature's missing bin. */
function binOf(thresholds: Float64Array, v: number): number {
  if (Number.isNaN(v)) return thresholds.length + 1;
  const x = Math.fround(v);
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((thresholds[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkRange(name: string, value: number, ok: boolean, expected: string): void {
  if (!(typeof value === 'number' && ok)) throw new RangeError(`${name} must be ${expected}`);
}

/** validateTrainingSet, with NaN accepted as "missing" (±Infinity is still refused). */
function validateAllowingMissing(
  rows: readonly TrainingRow[],
  options: { featureCount: number; minRows?: number; minPerClass?: number },
): void {
  const substituted = rows.map((row) =>
    Array.isArray(row.features) && row.features.some(Number.isNaN)
      ? { label: row.label, features: row.features.map((v) => (Number.isNaN(v) ? 0 : v)) }
      : row,
  );
  validateTrainingSet(substituted, options);
}

interface ResolvedOptions {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  maxBins: number;
  lambda: number;
  minChildWeight: number;
  gamma: number;
  earlyStoppingRounds: number;
  monotone: Int8Array;
  subsample: number;
  colsampleByTree: number;
  seed: number;
}

function resolveOptions(options: BoostingOptions): ResolvedOptions {
  const {
    rounds = 300,
    learningRate = 0.1,
    maxDepth = 4,
    maxBins = 64,
    lambda = 1,
    minChildWeight = 1,
    gamma = 0,
    earlyStoppingRounds = 20,
    subsample = 1,
    colsampleByTree = 1,
    seed = 1,
  } = options;
  const p = options.featureNames.length;
  checkRange(
    'rounds',
    rounds,
    Number.isInteger(rounds) && rounds >= 1 && rounds <= 2000,
    'an integer 1–2000',
  );
  checkRange('learningRate', learningRate, learningRate > 0 && learningRate <= 1, 'in (0, 1]');
  checkRange(
    'maxDepth',
    maxDepth,
    Number.isInteger(maxDepth) && maxDepth >= 1 && maxDepth <= 8,
    'an integer 1–8',
  );
  checkRange(
    'maxBins',
    maxBins,
    Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= 1024,
    'an integer 2–1024',
  );
  checkRange('lambda', lambda, Number.isFinite(lambda) && lambda >= 0, 'a finite number ≥ 0');
  checkRange(
    'minChildWeight',
    minChildWeight,
    Number.isFinite(minChildWeight) && minChildWeight > 0,
    'a finite number > 0',
  );
  checkRange('gamma', gamma, Number.isFinite(gamma) && gamma >= 0, 'a finite number ≥ 0');
  checkRange(
    'earlyStoppingRounds',
    earlyStoppingRounds,
    Number.isInteger(earlyStoppingRounds) && earlyStoppingRounds >= 1,
    'an integer ≥ 1',
  );
  checkRange('subsample', subsample, subsample > 0 && subsample <= 1, 'in (0, 1]');
  checkRange('colsampleByTree', colsampleByTree, colsampleByTree > 0 && colsampleByTree <= 1, 'in (0, 1]');
  checkRange('seed', seed, Number.isInteger(seed), 'an integer');
  const monotone = new Int8Array(p);
  if (options.monotone !== undefined) {
    if (options.monotone.length !== p)
      throw new RangeError(`monotone must have one entry per feature (${p})`);
    options.monotone.forEach((m, j) => {
      if (m !== -1 && m !== 0 && m !== 1) throw new RangeError(`monotone[${j}] must be -1, 0 or 1`);
      monotone[j] = m;
    });
  }
  return {
    rounds,
    learningRate,
    maxDepth,
    maxBins,
    lambda,
    minChildWeight,
    gamma,
    earlyStoppingRounds,
    monotone,
    subsample,
    colsampleByTree,
    seed,
  };
}

/** Trains a boosted tree ensemble on rows labelled 1 (issue) / 0; NaN features mean missing. */
export function trainBoostedTrees(rows: readonly TrainingRow[], options: BoostingOptions): BoostedModel {
  const o = resolveOptions(options);
  const { featureNames } = options;
  const p = featureNames.length;
  validateAllowingMissing(rows, {
    featureCount: p,
    minRows: options.minRows,
    minPerClass: options.minPerClass,
  });
  const validation = options.validation;
  if (validation !== undefined) {
    try {
      validateAllowingMissing(validation, { featureCount: p, minRows: 1, minPerClass: 1 });
    } catch (error) {
      if (error instanceof TrainingDataError)
        throw new TrainingDataError(error.code, `Validation rows: ${error.message}`, error.details);
      throw error;
    }
  }
  const n = rows.length;
  const { lambda, minChildWeight, gamma, learningRate, maxDepth, monotone } = o;

  // Bins: per feature thresholds; bins 0..T are present values (T = thresholds), T + 1 is missing.
  const thresholds: Float64Array[] = [];
  const offsets = new Int32Array(p + 1);
  const column = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) column[i] = (rows[i] as TrainingRow).features[j] as number;
    const t = featureThresholds(column, o.maxBins);
    thresholds.push(t);
    offsets[j + 1] = (offsets[j] as number) + t.length + 2;
  }
  const totalBins = offsets[p] as number;
  const wide = thresholds.some((t) => t.length + 1 > 255);
  const bins = wide ? new Uint16Array(n * p) : new Uint8Array(n * p);
  for (let i = 0; i < n; i++) {
    const features = (rows[i] as TrainingRow).features;
    for (let j = 0; j < p; j++) bins[i * p + j] = binOf(thresholds[j] as Float64Array, features[j] as number);
  }

  const label = new Float64Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    label[i] = (rows[i] as TrainingRow).label;
    positives += label[i] as number;
  }
  const baseMargin = Math.log(positives / (n - positives));
  const margin = new Float64Array(n).fill(baseMargin);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const validationMargin = new Float64Array(validation?.length ?? 0).fill(baseMargin);

  // Scratch reused across trees: row order (partitioned in place per node), histograms.
  const order = new Uint32Array(n);
  const scratch = new Uint32Array(n);
  const leafOfRow = new Int32Array(n);
  const sampled = new Uint8Array(n);
  const pool: Float64Array[] = [];
  const acquire = () => {
    const h = pool.pop() ?? new Float64Array(totalBins * 2);
    h.fill(0);
    return h;
  };
  const random = seededRandom(o.seed);
  const allFeatures = Array.from({ length: p }, (_, j) => j);
  const sampleCount = Math.max(1, Math.round(n * o.subsample));
  const rowIds = sampleCount < n ? Array.from({ length: n }, (_, i) => i) : [];
  const featureCount = Math.max(1, Math.round(p * o.colsampleByTree));

  const weightOf = (g: number, h: number, lo: number, hi: number) => {
    const w = -g / (h + lambda);
    return Math.min(Math.max(w, lo), hi);
  };
  // Loss reduction of a leaf with weight w, times 2 (exact optimum: G²/(H + λ)).
  const scoreOf = (g: number, h: number, w: number) => -(2 * g * w + (h + lambda) * w * w);

  const buildHistogram = (hist: Float64Array, start: number, end: number, features: Int32Array) => {
    const fc = features.length;
    for (let r = start; r < end; r++) {
      const i = order[r] as number;
      const g = grad[i] as number;
      const h = hess[i] as number;
      const base = i * p;
      for (let f = 0; f < fc; f++) {
        const j = features[f] as number;
        const slot = ((offsets[j] as number) + (bins[base + j] as number)) << 1;
        hist[slot] = (hist[slot] as number) + g;
        hist[slot + 1] = (hist[slot + 1] as number) + h;
      }
    }
  };

  const trees: Tree[] = [];
  const trainingLoss: number[] = [];
  const validationLoss: number[] = [];
  let bestRound = 0;
  let bestLoss = Number.POSITIVE_INFINITY;
  let stoppedEarly = false;

  for (let round = 0; round < o.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const q = sigmoid(margin[i] as number);
      grad[i] = q - (label[i] as number);
      hess[i] = Math.max(q * (1 - q), MIN_HESSIAN);
    }
    // Rows for this tree: all, or a seeded sample kept in index order (cache-friendly, stable).
    let rowCount = n;
    if (sampleCount < n) {
      sampled.fill(0);
      for (const i of shuffled(rowIds, random).slice(0, sampleCount)) sampled[i] = 1;
      rowCount = 0;
      for (let i = 0; i < n; i++) if (sampled[i]) order[rowCount++] = i;
    } else for (let i = 0; i < n; i++) order[i] = i;
    const active = Int32Array.from(
      featureCount < p
        ? shuffled(allFeatures, random)
            .slice(0, featureCount)
            .sort((a, b) => a - b)
        : allFeatures,
    );

    const tree: Tree = emptyTree();
    const splitBin: number[] = []; // per node, the last bin sent left (training-side routing)
    const start: number[] = [];
    const end: number[] = [];
    const sumG: number[] = [];
    const sumH: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const depth: number[] = [];
    const hists: (Float64Array | null)[] = [];
    const addNode = (s: number, e: number, g: number, h: number, lo: number, hi: number, d: number) => {
      tree.left.push(-1);
      tree.right.push(-1);
      tree.feature.push(0);
      tree.threshold.push(0);
      tree.defaultLeft.push(true);
      tree.value.push(0);
      tree.cover.push(h);
      splitBin.push(-1);
      start.push(s);
      end.push(e);
      sumG.push(g);
      sumH.push(h);
      lower.push(lo);
      upper.push(hi);
      depth.push(d);
      hists.push(null);
      return tree.left.length - 1;
    };

    let rootG = 0;
    let rootH = 0;
    for (let r = 0; r < rowCount; r++) {
      const i = order[r] as number;
      rootG += grad[i] as number;
      rootH += hess[i] as number;
    }
    addNode(0, rowCount, rootG, rootH, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0);
    if (maxDepth > 0 && rowCount > 1) {
      const h = acquire();
      buildHistogram(h, 0, rowCount, active);
      hists[0] = h;
    }

    // Breadth-first: node ids are assigned level by level.
    for (let node = 0; node < tree.left.length; node++) {
      const hist = hists[node] ?? null;
      hists[node] = null;
      const G = sumG[node] as number;
      const H = sumH[node] as number;
      const lo = lower[node] as number;
      const hi = upper[node] as number;
      const parentWeight = weightOf(G, H, lo, hi);
      tree.value[node] = learningRate * parentWeight;
      if (hist === null) continue;

      // Best split: feature, last bin sent left, missing direction.
      const parentScore = scoreOf(G, H, parentWeight);
      let bestGain = MIN_GAIN;
      let bestFeature = -1;
      let bestBin = -1;
      let bestMissingLeft = true;
      let bestWL = 0;
      let bestWR = 0;
      for (let f = 0; f < active.length; f++) {
        const j = active[f] as number;
        const t = (thresholds[j] as Float64Array).length;
        if (t === 0) continue;
        const base = (offsets[j] as number) << 1;
        const missG = hist[base + ((t + 1) << 1)] as number;
        const missH = hist[base + ((t + 1) << 1) + 1] as number;
        const constraint = monotone[j] as number;
        const directions = missH !== 0 ? 2 : 1;
        for (let dir = 0; dir < directions; dir++) {
          const missingLeft = dir === 1;
          let gl = missingLeft ? missG : 0;
          let hl = missingLeft ? missH : 0;
          for (let k = 0; k < t; k++) {
            gl += hist[base + (k << 1)] as number;
            hl += hist[base + (k << 1) + 1] as number;
            const gr = G - gl;
            const hr = H - hl;
            if (hl < minChildWeight || hr < minChildWeight) continue;
            const wl = weightOf(gl, hl, lo, hi);
            const wr = weightOf(gr, hr, lo, hi);
            if ((constraint > 0 && wl > wr) || (constraint < 0 && wl < wr)) continue;
            const gain = 0.5 * (scoreOf(gl, hl, wl) + scoreOf(gr, hr, wr) - parentScore) - gamma;
            if (gain > bestGain) {
              bestGain = gain;
              bestFeature = j;
              bestBin = k;
              bestMissingLeft = missingLeft;
              bestWL = wl;
              bestWR = wr;
            }
          }
        }
      }
      if (bestFeature < 0) {
        pool.push(hist);
        continue;
      }

      // Partition the node's rows (stable): left to the front, right through the scratch buffer.
      const missingBin = (thresholds[bestFeature] as Float64Array).length + 1;
      const s = start[node] as number;
      const e = end[node] as number;
      let l = s;
      let rCount = 0;
      let missing = 0;
      let gl = 0;
      let hl = 0;
      let gr = 0;
      let hr = 0;
      for (let r = s; r < e; r++) {
        const i = order[r] as number;
        const b = bins[i * p + bestFeature] as number;
        if (b === missingBin) missing++;
        if (b === missingBin ? bestMissingLeft : b <= bestBin) {
          order[l++] = i;
          gl += grad[i] as number;
          hl += hess[i] as number;
        } else {
          scratch[rCount++] = i;
          gr += grad[i] as number;
          hr += hess[i] as number;
        }
      }
      order.set(scratch.subarray(0, rCount), l);
      if (l === s || rCount === 0) {
        // Histogram rounding suggested a split that leaves a side empty: keep the leaf.
        pool.push(hist);
        continue;
      }

      // Children's weight bounds: a constrained split caps each side at the mid-point.
      const mid = (bestWL + bestWR) / 2;
      const constraint = monotone[bestFeature] as number;
      const d = (depth[node] as number) + 1;
      const leftChild = addNode(s, l, gl, hl, constraint < 0 ? mid : lo, constraint > 0 ? mid : hi, d);
      const rightChild = addNode(l, e, gr, hr, constraint > 0 ? mid : lo, constraint < 0 ? mid : hi, d);
      tree.left[node] = leftChild;
      tree.right[node] = rightChild;
      tree.feature[node] = bestFeature;
      tree.threshold[node] = (thresholds[bestFeature] as Float64Array)[bestBin] as number;
      // No missing rows here: send future missing values the way most of the cover went.
      tree.defaultLeft[node] = missing === 0 ? hl >= hr : bestMissingLeft;
      tree.value[node] = 0;
      splitBin[node] = bestBin;

      if (d < maxDepth && (l - s > 1 || e - l > 1)) {
        // Build the smaller child's histogram; the larger one's is the parent's minus it.
        const leftSmaller = l - s <= e - l;
        const small = acquire();
        if (leftSmaller) buildHistogram(small, s, l, active);
        else buildHistogram(small, l, e, active);
        for (let f = 0; f < active.length; f++) {
          const j = active[f] as number;
          for (let slot = (offsets[j] as number) << 1; slot < (offsets[j + 1] as number) << 1; slot++)
            hist[slot] = (hist[slot] as number) - (small[slot] as number);
        }
        hists[leftChild] = leftSmaller ? small : hist;
        hists[rightChild] = leftSmaller ? hist : small;
      } else pool.push(hist);
    }

    // Margins move by the partition itself; rows left out of the sample are routed on their bins.
    for (let node = 0; node < tree.left.length; node++) {
      if ((tree.left[node] as number) >= 0) continue;
      const v = tree.value[node] as number;
      for (let r = start[node] as number; r < (end[node] as number); r++) {
        const i = order[r] as number;
        margin[i] = (margin[i] as number) + v;
        leafOfRow[i] = node;
      }
    }
    if (rowCount < n) {
      for (let i = 0; i < n; i++) {
        if (sampled[i]) continue;
        let node = 0;
        while ((tree.left[node] as number) >= 0) {
          const j = tree.feature[node] as number;
          const b = bins[i * p + j] as number;
          const goLeft =
            b === (thresholds[j] as Float64Array).length + 1
              ? (tree.defaultLeft[node] as boolean)
              : b <= (splitBin[node] as number);
          node = (goLeft ? tree.left[node] : tree.right[node]) as number;
        }
        margin[i] = (margin[i] as number) + (tree.value[node] as number);
        leafOfRow[i] = node;
      }
    }
    trees.push(tree);
    options.observeTree?.(tree, leafOfRow);

    let loss = 0;
    for (let i = 0; i < n; i++)
      loss += softplus(margin[i] as number) - (label[i] as number) * (margin[i] as number);
    trainingLoss.push(loss / n);

    if (validation !== undefined) {
      let vLoss = 0;
      for (let i = 0; i < validation.length; i++) {
        const row = validation[i] as TrainingRow;
        const m = (validationMargin[i] as number) + (tree.value[leafOf(tree, row.features)] as number);
        validationMargin[i] = m;
        vLoss += softplus(m) - row.label * m;
      }
      vLoss /= validation.length;
      validationLoss.push(vLoss);
      if (vLoss < bestLoss) {
        bestLoss = vLoss;
        bestRound = round + 1;
      } else if (round + 1 - bestRound >= o.earlyStoppingRounds) {
        stoppedEarly = round + 1 < o.rounds;
        break;
      }
    } else bestRound = round + 1;
  }

  const kept = trees.slice(0, bestRound);
  const parameters: Record<string, number | boolean | string> = {
    objective: 'binary:logistic',
    treeMethod: 'hist',
    rounds: o.rounds,
    learningRate,
    maxDepth,
    maxBins: o.maxBins,
    lambda,
    minChildWeight,
    gamma,
    monotone: Array.from(monotone).join(','),
    subsample: o.subsample,
    colsampleByTree: o.colsampleByTree,
    seed: o.seed,
    earlyStopping: validation !== undefined,
    ...(validation === undefined ? {} : { earlyStoppingRounds: o.earlyStoppingRounds }),
  };
  const ensemble: TreeEnsemble = {
    kind: 'trees',
    featureNames: [...featureNames],
    baseMargin,
    trees: kept,
    origin: { kind: 'trained', parameters },
  };
  const metrics: BoostingMetrics = {
    trainingRows: n,
    trainingPositives: positives,
    rounds: kept.length,
    roundsTrained: trees.length,
    stoppedEarly,
    leaves: kept.reduce((s, t) => s + t.left.filter((c) => c < 0).length, 0),
    trainingLogLoss: trainingLoss[bestRound - 1] as number,
    ...(validation === undefined
      ? {}
      : {
          validationRows: validation.length,
          bestValidationLogLoss: bestLoss,
          validationLogLoss: validationLoss,
        }),
  };
  return { ensemble, metrics };
}
