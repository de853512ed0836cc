/**
 * Exact path-dependent TreeSHAP for tree ensembles (Lundberg, Erion & Lee 2018, "Consistent
 * Individualized Feature Attribution for Tree Ensembles", Algorithm 2), as XGBoost computes it for
 * `pred_contribs=True`: the Shapley values of v(S) = E[f(x) | x_S], where a split on a feature outside
 * S averages its children weighted by cover. baseline + Σ contributions = margin, one contribution
 * per feature column.
 *
 * Follows XGBoost's RegTree::TreeShap step for step, so imported models explain as the library
 * does: a missing value's "hot" child is the default direction; a feature repeated on a path is
 * unwound from its earlier position and re-extended with the combined fractions; cover ratios are
 * child cover / node cover (not / the children's sum), in the baseline as in the recursion, which
 * keeps the two consistent even where float32 covers do not add up exactly.
 *
 * Cost O(T·L·D²) per row (trees, leaves, depth). The trees are flattened into typed arrays and the
 * path lives in preallocated ones, one segment per depth: nothing is allocated per node or per row
 * but the result.
 */

import { TrainingDataError } from './training-data.js';
import { predictMargin, type TreeEnsemble } from './tree-model.js';

export interface TreeShapResult {
  /** baseMargin + Σ over trees of the cover-weighted mean leaf value (XGBoost's bias column). */
  baseline: number;
  /** Log-odds attributed to each feature column; baseline + Σ contributions = margin. */
  contributions: Float64Array;
  /** The ensemble's output for the row (predictMargin). */
  margin: number;
}

export interface TreeExplainer {
  readonly baseline: number;
  explain(x: ArrayLike<number>): TreeShapResult;
}

/**
 * Explains one row. The preparation (see treeExplainer) is kept per ensemble object, so calling this
 * per customer with the same model prepares it once: ensembles are values, never changed after
 * training or import. Replacing `trees` or `baseMargin` is noticed; editing a tree in place is not.
 */
export function treeShap(ensemble: TreeEnsemble, x: ArrayLike<number>): TreeShapResult {
  const cached = prepared.get(ensemble);
  if (
    cached !== undefined &&
    cached.trees === ensemble.trees &&
    cached.treeCount === ensemble.trees.length &&
    cached.baseMargin === ensemble.baseMargin
  ) {
    return cached.explainer.explain(x);
  }
  const explainer = treeExplainer(ensemble);
  prepared.set(ensemble, {
    trees: ensemble.trees,
    treeCount: ensemble.trees.length,
    baseMargin: ensemble.baseMargin,
    explainer,
  });
  return explainer.explain(x);
}

const prepared = new WeakMap<
  TreeEnsemble,
  { trees: TreeEnsemble['trees']; treeCount: number; baseMargin: number; explainer: TreeExplainer }
>();

/**
 * Flattens the ensemble and precomputes cover ratios, mean values and the path buffers, for
 * explaining many rows. The ensemble must not change while the explainer is in use. Closures, not a
 * class: V8 specialises them to the arrays of the one explainer a process usually has, about twice as
 * fast as generic code (which it falls back to once there are several).
 */
export function treeExplainer(ensemble: TreeEnsemble): TreeExplainer {
  const { trees } = ensemble;
  const featureCount = ensemble.featureNames.length;
  let total = 0;
  let largest = 0;
  for (const tree of trees) {
    total += tree.left.length;
    largest = Math.max(largest, tree.left.length);
  }
  // All trees' nodes in one set of arrays; children are indices into them, -1 on a leaf.
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const defaultLeft = new Uint8Array(total);
  const value = new Float64Array(total);
  /** cover(node) / cover(parent); 1 at a root. */
  const ratio = new Float64Array(total);
  const roots = new Int32Array(trees.length);
  const order = new Int32Array(largest);
  const depthOf = new Int32Array(largest);
  const mean = new Float64Array(largest);
  const seen = new Uint8Array(largest);
  let baseline = ensemble.baseMargin;
  let maxDepth = 0;
  let offset = 0;
  trees.forEach((tree, t) => {
    const n = tree.left.length;
    if (n === 0) throw malformed(t);
    // Breadth first from the root; trainer and importer validate trees, but a cycle or a bad index
    // here would send the recursion astray, so the walk checks what it relies on.
    seen.fill(0, 0, n);
    order[0] = 0;
    seen[0] = 1;
    depthOf[0] = 0;
    let count = 1;
    for (let k = 0; k < count; k++) {
      const node = order[k] as number;
      const g = offset + node;
      const l = tree.left[node] as number;
      if (l < 0) {
        left[g] = -1;
        right[g] = -1;
        value[g] = tree.value[node] as number;
        continue;
      }
      const r = tree.right[node] as number;
      const f = tree.feature[node] as number;
      if (!(Number.isInteger(l) && Number.isInteger(r) && l < n && r >= 0 && r < n && l !== r))
        throw malformed(t);
      if (seen[l] || seen[r] || !(Number.isInteger(f) && f >= 0 && f < featureCount)) throw malformed(t);
      seen[l] = 1;
      seen[r] = 1;
      order[count++] = l;
      order[count++] = r;
      depthOf[l] = (depthOf[node] as number) + 1;
      depthOf[r] = depthOf[l] as number;
      maxDepth = Math.max(maxDepth, depthOf[l] as number);
      left[g] = offset + l;
      right[g] = offset + r;
      feature[g] = f;
      threshold[g] = tree.threshold[node] as number;
      defaultLeft[g] = tree.defaultLeft[node] ? 1 : 0;
      const cover = tree.cover[node] as number;
      ratio[offset + l] = (tree.cover[l] as number) / cover;
      ratio[offset + r] = (tree.cover[r] as number) / cover;
    }
    // Mean values bottom up (children come after their parent in breadth-first order).
    for (let k = count - 1; k >= 0; k--) {
      const node = order[k] as number;
      const g = offset + node;
      const l = left[g] as number;
      mean[node] =
        l < 0
          ? (value[g] as number)
          : (ratio[l] as number) * (mean[l - offset] as number) +
            (ratio[right[g] as number] as number) * (mean[(right[g] as number) - offset] as number);
    }
    baseline += mean[0] as number;
    roots[t] = offset;
    ratio[offset] = 1;
    offset += n;
  });

  // XGBoost sizes its path buffer the same way: (D + 2)(D + 3) / 2 for depth D; one segment per
  // recursion level, each one element longer than its parent's.
  const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
  const pathFeature = new Int32Array(size);
  const pathZero = new Float64Array(size);
  const pathOne = new Float64Array(size);
  const pathWeight = new Float64Array(size);
  /** 1/n for the path's combinatorial weights: multiplications in the inner loops, not divisions. */
  const reciprocal = Float64Array.from({ length: maxDepth + 3 }, (_, k) => (k === 0 ? 0 : 1 / k));
  /** The row, rounded to float32 as XGBoost compares it. */
  const xs = new Float64Array(featureCount);
  let phi = new Float64Array(featureCount);

  /** RECURSE: `parentAt`/`depth` the parent's path; the fractions belong to the edge into `node`. */
  function recurse(
    node: number,
    parentAt: number,
    depth: number,
    parentZero: number,
    parentOne: number,
    parentFeature: number,
  ): void {
    const at = parentAt + depth + 1;
    // A plain loop (copyWithin's call overhead dominates copies this short); element `depth` is
    // written by extend.
    for (let i = 0; i < depth; i++) {
      pathFeature[at + i] = pathFeature[parentAt + i] as number;
      pathZero[at + i] = pathZero[parentAt + i] as number;
      pathOne[at + i] = pathOne[parentAt + i] as number;
      pathWeight[at + i] = pathWeight[parentAt + i] as number;
    }
    extend(at, depth, parentZero, parentOne, parentFeature);

    const l = left[node] as number;
    if (l < 0) {
      const v = value[node] as number;
      for (let i = 1; i <= depth; i++) {
        const w = unwoundSum(at, depth, i);
        const f = pathFeature[at + i] as number;
        phi[f] = (phi[f] as number) + w * ((pathOne[at + i] as number) - (pathZero[at + i] as number)) * v;
      }
      return;
    }
    const r = right[node] as number;
    const f = feature[node] as number;
    const xv = xs[f] as number;
    const goLeft = Number.isNaN(xv) ? defaultLeft[node] === 1 : xv < (threshold[node] as number);
    const hot = goLeft ? l : r;
    const cold = goLeft ? r : l;

    let incomingZero = 1;
    let incomingOne = 1;
    let d = depth;
    for (let k = 0; k <= d; k++) {
      if (pathFeature[at + k] === f) {
        // Already split on this feature above: take it out and let the children carry both splits.
        incomingZero = pathZero[at + k] as number;
        incomingOne = pathOne[at + k] as number;
        unwind(at, d, k);
        d -= 1;
        break;
      }
    }
    recurse(hot, at, d + 1, (ratio[hot] as number) * incomingZero, incomingOne, f);
    recurse(cold, at, d + 1, (ratio[cold] as number) * incomingZero, 0, f);
  }

  /** EXTEND: add a feature with its zero/one fractions to the path starting at `at`. */
  function extend(at: number, depth: number, zero: number, one: number, f: number): void {
    pathFeature[at + depth] = f;
    pathZero[at + depth] = zero;
    pathOne[at + depth] = one;
    pathWeight[at + depth] = depth === 0 ? 1 : 0;
    const oneScaled = one * (reciprocal[depth + 1] as number);
    const zeroScaled = zero * (reciprocal[depth + 1] as number);
    for (let i = depth - 1; i >= 0; i--) {
      const w = pathWeight[at + i] as number;
      pathWeight[at + i + 1] = (pathWeight[at + i + 1] as number) + oneScaled * w * (i + 1);
      pathWeight[at + i] = zeroScaled * w * (depth - i);
    }
  }

  /** UNWIND: remove element k from the path (of depth+1 elements) starting at `at`. */
  function unwind(at: number, depth: number, k: number): void {
    const one = pathOne[at + k] as number;
    const zero = pathZero[at + k] as number;
    let next = pathWeight[at + depth] as number;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = pathWeight[at + i] as number;
        pathWeight[at + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - ((pathWeight[at + i] as number) * zero * (depth - i)) / (depth + 1);
      } else {
        pathWeight[at + i] = ((pathWeight[at + i] as number) * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = k; i < depth; i++) {
      pathFeature[at + i] = pathFeature[at + i + 1] as number;
      pathZero[at + i] = pathZero[at + i + 1] as number;
      pathOne[at + i] = pathOne[at + i + 1] as number;
    }
  }

  /** Σ of the path weights if element k were unwound, without changing the path. */
  function unwoundSum(at: number, depth: number, k: number): number {
    const one = pathOne[at + k] as number;
    const zero = pathZero[at + k] as number;
    let sum = 0;
    if (one !== 0) {
      const oneScaled = (depth + 1) / one;
      const zeroScaled = zero * (reciprocal[depth + 1] as number);
      let next = pathWeight[at + depth] as number;
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = next * oneScaled * (reciprocal[i + 1] as number);
        sum += tmp;
        next = (pathWeight[at + i] as number) - tmp * zeroScaled * (depth - i);
      }
    } else {
      // zero > 0: covers are positive, so a zero fraction is a product of positive ratios.
      const zeroScaled = (depth + 1) / zero;
      for (let i = depth - 1; i >= 0; i--) {
        sum += (pathWeight[at + i] as number) * zeroScaled * (reciprocal[depth - i] as number);
      }
    }
    return sum;
  }

  return {
    baseline,
    explain(x: ArrayLike<number>): TreeShapResult {
      if (x.length !== featureCount) {
        throw new TrainingDataError('FEATURE_MISMATCH', `Expected ${featureCount} features`);
      }
      for (let i = 0; i < featureCount; i++) xs[i] = Math.fround(x[i] as number); // NaN stays NaN: missing
      const contributions = new Float64Array(featureCount);
      phi = contributions;
      // The root's "parent" is a dummy path element (feature -1) at depth 0, as in the paper.
      for (let t = 0; t < roots.length; t++) recurse(roots[t] as number, 0, 0, 1, 1, -1);
      return { baseline, contributions, margin: predictMargin(ensemble, x) };
    },
  };
}

const malformed = (t: number): Error => new Error(`Tree ${t} is malformed (see treeProblems)`);
