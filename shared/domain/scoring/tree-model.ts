/**
 * Tree ensembles for predictive scoring: boosted trees trained in the product (boosting.ts) and
 * XGBoost models trained elsewhere (xgboost.ts) share this form, so one evaluator and one
 * explainer (tree-shap.ts) serve both.
 *
 * The form follows XGBoost's own JSON: each tree is a set of parallel arrays indexed by node, node 0
 * the root. A split sends a row left when its value, rounded to float32, is below the threshold (a
 * float32 value), as XGBoost compares; a missing value (NaN) follows the node's default direction.
 * Leaves hold log-odds. `cover` is the sum of the training rows' hessians reaching each node
 * (XGBoost's `sum_hessian`): TreeSHAP weighs the paths a missing feature could take by it.
 */

export interface Tree {
  /** Index of the left child; -1 on a leaf. */
  left: number[];
  /** Index of the right child; -1 on a leaf. */
  right: number[];
  /** Column tested at a split (index into the ensemble's featureNames); ignored on a leaf. */
  feature: number[];
  /** A row goes left when fround(value) < threshold; ignored on a leaf. */
  threshold: number[];
  /** Where a missing value goes; ignored on a leaf. */
  defaultLeft: boolean[];
  /** Log-odds added by a leaf; ignored on a split. */
  value: number[];
  /** Sum of training hessians reaching the node (> 0). */
  cover: number[];
}

/** Where an ensemble came from: trained here (with its parameters) or imported. */
export type TreeEnsembleOrigin =
  | { kind: 'trained'; parameters: Readonly<Record<string, number | boolean | string>> }
  | { kind: 'xgboost'; formatVersion: string };

export interface TreeEnsemble {
  kind: 'trees';
  featureNames: string[];
  /** Log-odds before any tree. */
  baseMargin: number;
  trees: Tree[];
  origin: TreeEnsembleOrigin;
}

/** A tree with no node yet, for builders to push nodes onto. */
export const emptyTree = (): Tree => ({
  left: [],
  right: [],
  feature: [],
  threshold: [],
  defaultLeft: [],
  value: [],
  cover: [],
});

export const isLeaf = (tree: Tree, node: number): boolean => (tree.left[node] as number) < 0;

/** The leaf a row reaches in one tree. */
export function leafOf(tree: Tree, x: ArrayLike<number>): number {
  let node = 0;
  while (!isLeaf(tree, node)) {
    const v = x[tree.feature[node] as number] as number;
    const goLeft = Number.isNaN(v)
      ? (tree.defaultLeft[node] as boolean)
      : Math.fround(v) < (tree.threshold[node] as number);
    node = (goLeft ? tree.left[node] : tree.right[node]) as number;
  }
  return node;
}

/** The ensemble's raw output (log-odds) for one row; NaN marks a missing value. */
export function predictMargin(ensemble: TreeEnsemble, x: ArrayLike<number>): number {
  let margin = ensemble.baseMargin;
  for (const tree of ensemble.trees) margin += tree.value[leafOf(tree, x)] as number;
  return margin;
}

/**
 * The deepest tree accepted. TreeSHAP's work and memory per row grow with the square of the depth
 * (and its recursion with the depth): a 15,000-deep chain would stop every decision. XGBoost's own
 * depth-wise trees rarely pass 10; loss-guided ones stay far below this.
 */
export const MAX_TREE_DEPTH = 32;

/**
 * The most explanation work an ensemble may cost per customer: Σ over trees of leaves × (depth +
 * 1)², TreeSHAP's order of operations, about 20 ms of CPU. 300 trees of depth 4 cost 120,000;
 * 5,000 trees of depth 6 with 64 leaves each, 15.7 million.
 */
export const MAX_EXPLANATION_WORK = 20_000_000;

/** TreeSHAP's order of work per customer (see MAX_EXPLANATION_WORK). */
export function explanationWork(ensemble: Pick<TreeEnsemble, 'trees'>): number {
  let work = 0;
  for (const tree of ensemble.trees) {
    const stack: [number, number][] = [[0, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop() as [number, number];
      if (isLeaf(tree, node)) work += (depth + 1) ** 2;
      else stack.push([tree.left[node] as number, depth + 1], [tree.right[node] as number, depth + 1]);
    }
  }
  return work;
}

/**
 * Structural problems of a tree (empty when sound): arrays of one length, children in range and
 * each node reached once from the root (no cycle, no sharing), depth at most MAX_TREE_DEPTH,
 * features in range, finite numbers, positive covers.
 */
export function treeProblems(tree: Tree, featureCount: number): string[] {
  const n = tree.left.length;
  const problems: string[] = [];
  const arrays = [tree.right, tree.feature, tree.threshold, tree.defaultLeft, tree.value, tree.cover];
  if (n === 0) return ['a tree needs at least one node'];
  if (arrays.some((a) => a.length !== n)) return ['node arrays differ in length'];
  const seen = new Uint8Array(n);
  const depth = new Uint16Array(n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if ((depth[node] as number) > MAX_TREE_DEPTH) {
      problems.push(`deeper than ${MAX_TREE_DEPTH} levels`);
      break;
    }
    const l = tree.left[node] as number;
    const r = tree.right[node] as number;
    if (!(Number.isFinite(tree.cover[node]) && (tree.cover[node] as number) > 0))
      problems.push(`node ${node}: cover must be a positive number`);
    if (l < 0 && r < 0) {
      if (!Number.isFinite(tree.value[node])) problems.push(`node ${node}: leaf value must be finite`);
      continue;
    }
    if (!(Number.isInteger(l) && Number.isInteger(r) && l > 0 && r > 0 && l < n && r < n && l !== r)) {
      problems.push(`node ${node}: children out of range`);
      continue;
    }
    const f = tree.feature[node] as number;
    if (!(Number.isInteger(f) && f >= 0 && f < featureCount))
      problems.push(`node ${node}: feature index out of range`);
    // A float32 overflow (1e39) would be stored as null in JSON and compare as 0 once read back.
    if (!Number.isFinite(tree.threshold[node] as number))
      problems.push(`node ${node}: threshold is not finite`);
    for (const child of [l, r]) {
      if (seen[child]) problems.push(`node ${child}: reached twice`);
      else {
        seen[child] = 1;
        depth[child] = (depth[node] as number) + 1;
        stack.push(child);
      }
    }
    if (problems.length > 10) break;
  }
  if (problems.length === 0 && seen.some((s) => s === 0)) problems.push('nodes unreachable from the root');
  return problems;
}
