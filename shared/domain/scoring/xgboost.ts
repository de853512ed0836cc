/**
 * Imports a binary-classification XGBoost model saved with `Booster.save_model('model.json')` (the
 * JSON format; not UBJSON, not the old binary format, not `dump_model` dumps) as a TreeEnsemble.
 *
 * Supported: the JSON written by XGBoost 1.6, 1.7, 2.0 and 2.1 (SUPPORTED_XGBOOST_VERSIONS, read from
 * the model's `version`). Their tree, gbtree and learner-parameter layouts are the same for scalar
 * gbtree models (checked against each release's save code); 1.7.4 is checked end to end against the
 * library's predictions and pred_contribs (test/fixtures/xgboost). 3.1 writes base_score as a vector
 * ("[5E-1]") and 3.x is otherwise unchecked, so later versions are refused rather than guessed at.
 *
 * What the importer relies on:
 * - a leaf's value (learning rate applied) is `split_conditions[i]`; `base_weights` holds the weight
 *   before the learning rate, so it is not the leaf value;
 * - numbers are float32 printed shortest-round-trip: thresholds, leaves and covers are rounded back
 *   to float32 so comparisons and sums match the library's;
 * - `base_score` is a probability for binary:logistic (margin = logit, computed in float32 as XGBoost
 *   does) and already a margin for binary:logitraw (its ProbToMargin is the identity in 1.6–2.1);
 * - pruning leaves deleted nodes in the arrays (`num_deleted`), unreachable from the root: the tree
 *   is rebuilt from the nodes the root reaches;
 * - every tree adds to the one output (num_class 0, tree_info all 0), so num_parallel_tree > 1
 *   (boosted forests) needs nothing special.
 *
 * Refusals are ModelImportErrors (422) whose messages and details name paths, positions and counts,
 * never values from the file.
 */
import { z } from 'zod';
import { AppError, type ErrorDetail } from '../../errors.js';
import {
  emptyTree,
  explanationWork,
  MAX_EXPLANATION_WORK,
  type Tree,
  type TreeEnsemble,
  treeProblems,
} from './tree-model.js';

/** XGBoost releases (major.minor) whose save_model JSON this importer reads. */
export const SUPPORTED_XGBOOST_VERSIONS = ['1.6', '1.7', '2.0', '2.1'] as const;

export const SUPPORTED_XGBOOST_OBJECTIVES = ['binary:logistic', 'binary:logitraw'] as const;

/** Size guard: a model beyond these is refused before its trees are parsed. */
export const MAX_XGBOOST_TREES = 5_000;
export const MAX_XGBOOST_NODES = 1_000_000;

export type ModelImportErrorCode =
  | 'UNSUPPORTED_XGBOOST_VERSION'
  | 'UNSUPPORTED_BOOSTER'
  | 'UNSUPPORTED_OBJECTIVE'
  | 'CATEGORICAL_SPLITS_UNSUPPORTED'
  | 'FEATURE_MISMATCH'
  | 'INVALID_MODEL'
  | 'MODEL_TOO_LARGE';

/** A model file the product cannot use: a 422 once it reaches the API. */
export class ModelImportError extends AppError {
  declare readonly code: ModelImportErrorCode;
  constructor(code: ModelImportErrorCode, message: string, details: ErrorDetail[] = []) {
    super(422, code, message, details);
    this.name = 'ModelImportError';
  }
}

const MAX_DETAILS = 10;
const LEARNER = 'learner';
const PARAM = 'learner.learner_model_param';
const MODEL = 'learner.gradient_booster.model';

// Names XGBoost itself uses may appear in messages; anything else from the file may not.
const KNOWN_BOOSTERS = new Set(['gbtree', 'gblinear', 'dart']);
const KNOWN_OBJECTIVES = new Set([
  'reg:squarederror',
  'reg:squaredlogerror',
  'reg:logistic',
  'reg:pseudohubererror',
  'reg:absoluteerror',
  'reg:quantileerror',
  'reg:linear',
  'reg:gamma',
  'reg:tweedie',
  'binary:logistic',
  'binary:logitraw',
  'binary:hinge',
  'count:poisson',
  'survival:cox',
  'survival:aft',
  'multi:softmax',
  'multi:softprob',
  'rank:pairwise',
  'rank:ndcg',
  'rank:map',
]);

const integerString = z.string().regex(/^[0-9]{1,9}$/);
const decimalString = z.string().regex(/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/);
const int = z.number().int();

const envelopeSchema = z.object({
  version: z.tuple([int.nonnegative(), int.nonnegative(), int.nonnegative()]),
  learner: z.object({
    gradient_booster: z.object({ name: z.string() }),
    objective: z.object({ name: z.string() }),
    learner_model_param: z.object({
      base_score: decimalString,
      num_class: integerString,
      num_feature: integerString,
      num_target: integerString.optional(),
    }),
    feature_names: z.array(z.string()).optional(),
    feature_types: z.array(z.string()).optional(),
  }),
});

const treeSchema = z.object({
  id: int.nonnegative(),
  tree_param: z.object({ num_nodes: integerString, size_leaf_vector: integerString.optional() }),
  left_children: z.array(int),
  right_children: z.array(int),
  split_indices: z.array(int),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.union([z.literal(0), z.literal(1)])),
  base_weights: z.array(z.number()),
  sum_hessian: z.array(z.number()),
  split_type: z.array(int),
  categories_nodes: z.array(int).optional(),
});

const gbtreeSchema = z.object({
  gbtree_model_param: z.object({ num_trees: integerString, num_parallel_tree: integerString.optional() }),
  trees: z.array(treeSchema),
  tree_info: z.array(int),
});

type RawTree = z.infer<typeof treeSchema>;

/**
 * The ensemble in a save_model JSON model (already parsed from text), checked against the feature
 * columns the product will feed it, in order.
 */
export function importXgboostModel(
  json: unknown,
  options: { featureNames: readonly string[] },
): TreeEnsemble {
  const { featureNames } = options;
  const envelope = parseEnvelope(json);
  const { learner } = envelope;
  const version = envelope.version.join('.');

  const param = learner.learner_model_param;
  if (param.num_class !== '0' || (param.num_target !== undefined && param.num_target !== '1')) {
    throw new ModelImportError('UNSUPPORTED_OBJECTIVE', 'Only single-output binary models can be imported', [
      {
        path: param.num_class !== '0' ? `${PARAM}.num_class` : `${PARAM}.num_target`,
        code: 'UNSUPPORTED_OBJECTIVE',
        message: 'multi-class and multi-output models are not supported',
      },
    ]);
  }
  const baseMargin = baseMarginOf(learner.objective.name, Number(param.base_score));
  checkFeatures(learner, featureNames);

  const model = (json as { learner: { gradient_booster: { model?: unknown } } }).learner.gradient_booster
    .model;
  guardSize(model);
  const parsed = gbtreeSchema.safeParse(model);
  if (!parsed.success) throw invalid('The model’s trees are malformed', issueDetails(parsed.error, MODEL));
  const { trees: rawTrees, tree_info: treeInfo, gbtree_model_param: gbParam } = parsed.data;
  if (Number(gbParam.num_trees) !== rawTrees.length || treeInfo.length !== rawTrees.length) {
    throw invalid('The tree count disagrees with the model parameters', [
      {
        path: `${MODEL}.gbtree_model_param.num_trees`,
        code: 'INVALID_MODEL',
        message: 'tree count mismatch',
      },
    ]);
  }
  const grouped = treeInfo.findIndex((group) => group !== 0);
  if (grouped >= 0) {
    throw invalid('Every tree must add to the single output', [
      { path: `${MODEL}.tree_info[${grouped}]`, code: 'INVALID_MODEL', message: 'must be 0' },
    ]);
  }

  const featureCount = featureNames.length;
  if (rawTrees.length === 0) {
    throw invalid('The model has no trees', [
      { path: `${MODEL}.trees`, code: 'INVALID_MODEL', message: 'at least one tree' },
    ]);
  }
  const trees = rawTrees.map((raw, t) => convertTree(raw, t, featureCount));
  // Every customer's decision explains the score: an ensemble too costly to explain is refused now.
  if (explanationWork({ trees }) > MAX_EXPLANATION_WORK) {
    throw new ModelImportError(
      'MODEL_TOO_LARGE',
      'The trees are too many or too deep to explain per customer',
      [
        {
          path: `${MODEL}.trees`,
          code: 'MODEL_TOO_LARGE',
          message: `at most ${MAX_EXPLANATION_WORK} leaves × (depth + 1)² in all`,
        },
      ],
    );
  }
  return {
    kind: 'trees',
    featureNames: [...featureNames],
    baseMargin,
    trees,
    origin: { kind: 'xgboost', formatVersion: version },
  };
}

function parseEnvelope(json: unknown): z.infer<typeof envelopeSchema> {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('learner' in json)) {
    // dump_model output is an array of trees; UBJSON or the old binary format never parse as JSON.
    throw invalid('Not a model saved with Booster.save_model in JSON', [
      { path: '', code: 'INVALID_MODEL', message: 'expected an object with version and learner' },
    ]);
  }
  const version = (json as { version?: unknown }).version;
  const versionCheck = envelopeSchema.shape.version.safeParse(version);
  if (!versionCheck.success) {
    throw new ModelImportError('UNSUPPORTED_XGBOOST_VERSION', 'The model has no readable format version', [
      { path: 'version', code: 'UNSUPPORTED_XGBOOST_VERSION', message: 'expected [major, minor, patch]' },
    ]);
  }
  const [major, minor] = versionCheck.data;
  if (!(SUPPORTED_XGBOOST_VERSIONS as readonly string[]).includes(`${major}.${minor}`)) {
    throw new ModelImportError(
      'UNSUPPORTED_XGBOOST_VERSION',
      `Models saved by XGBoost ${SUPPORTED_XGBOOST_VERSIONS.join(', ')} can be imported`,
      [{ path: 'version', code: 'UNSUPPORTED_XGBOOST_VERSION', message: 'unsupported XGBoost version' }],
    );
  }
  // The booster and objective decide which refusal applies, so they are looked at before the rest.
  const learner = (json as { learner: unknown }).learner as
    | { gradient_booster?: { name?: unknown }; objective?: { name?: unknown } }
    | undefined;
  const booster = learner?.gradient_booster?.name;
  if (typeof booster === 'string' && booster !== 'gbtree') {
    const named = KNOWN_BOOSTERS.has(booster) ? ` (this model uses ${booster})` : '';
    throw new ModelImportError('UNSUPPORTED_BOOSTER', `Only gbtree models can be imported${named}`, [
      { path: 'learner.gradient_booster.name', code: 'UNSUPPORTED_BOOSTER', message: 'must be gbtree' },
    ]);
  }
  const objective = learner?.objective?.name;
  if (
    typeof objective === 'string' &&
    !(SUPPORTED_XGBOOST_OBJECTIVES as readonly string[]).includes(objective)
  ) {
    const named = KNOWN_OBJECTIVES.has(objective) ? ` (this model uses ${objective})` : '';
    throw new ModelImportError(
      'UNSUPPORTED_OBJECTIVE',
      `Only ${SUPPORTED_XGBOOST_OBJECTIVES.join(' and ')} models can be imported${named}`,
      [{ path: 'learner.objective.name', code: 'UNSUPPORTED_OBJECTIVE', message: 'unsupported objective' }],
    );
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw invalid('The model is malformed', issueDetails(parsed.error, ''));
  return parsed.data;
}

function baseMarginOf(objective: string, baseScore: number): number {
  const b = Math.fround(baseScore);
  if (objective === 'binary:logitraw') {
    if (Number.isFinite(b)) return b;
  } else if (b > 0 && b < 1) {
    // XGBoost: -logf(1.0f / base_score - 1.0f), in float32.
    return -Math.fround(Math.log(Math.fround(Math.fround(1 / b) - 1)));
  }
  throw invalid('The base score is out of range', [
    { path: `${PARAM}.base_score`, code: 'INVALID_MODEL', message: 'out of range for the objective' },
  ]);
}

function checkFeatures(
  learner: z.infer<typeof envelopeSchema>['learner'],
  featureNames: readonly string[],
): void {
  const expected = featureNames.length;
  if (Number(learner.learner_model_param.num_feature) !== expected) {
    throw new ModelImportError('FEATURE_MISMATCH', `The model does not have ${expected} features`, [
      { path: `${PARAM}.num_feature`, code: 'FEATURE_MISMATCH', message: `expected ${expected}` },
    ]);
  }
  // XGBoost writes [] when the training data had no names: then only the count can be checked.
  const names = learner.feature_names ?? [];
  if (names.length > 0) {
    if (names.length !== expected) {
      throw new ModelImportError(
        'FEATURE_MISMATCH',
        `The model names ${names.length} features, not ${expected}`,
        [{ path: `${LEARNER}.feature_names`, code: 'FEATURE_MISMATCH', message: `expected ${expected}` }],
      );
    }
    const first = names.findIndex((name, i) => name !== featureNames[i]);
    if (first >= 0) {
      throw new ModelImportError('FEATURE_MISMATCH', `The model’s feature ${first} is not the expected one`, [
        {
          path: `${LEARNER}.feature_names[${first}]`,
          code: 'FEATURE_MISMATCH',
          message: 'differs from the expected feature name at this position',
        },
      ]);
    }
  }
  // "c" marks a categorical feature: its splits test category sets, which the trees here cannot hold.
  const categorical = (learner.feature_types ?? []).indexOf('c');
  if (categorical >= 0) {
    throw new ModelImportError('CATEGORICAL_SPLITS_UNSUPPORTED', 'Categorical features are not supported', [
      {
        path: `${LEARNER}.feature_types[${categorical}]`,
        code: 'CATEGORICAL_SPLITS_UNSUPPORTED',
        message: 'categorical feature',
      },
    ]);
  }
}

/** Counts trees and nodes before anything is parsed in depth, so a huge file costs little. */
function guardSize(model: unknown): void {
  const trees = (model as { trees?: unknown } | undefined)?.trees;
  if (!Array.isArray(trees)) return; // the schema reports it
  if (trees.length > MAX_XGBOOST_TREES) {
    throw new ModelImportError('MODEL_TOO_LARGE', `More than ${MAX_XGBOOST_TREES} trees`, [
      { path: `${MODEL}.trees`, code: 'MODEL_TOO_LARGE', message: `at most ${MAX_XGBOOST_TREES} trees` },
    ]);
  }
  let nodes = 0;
  for (const tree of trees) {
    const left = (tree as { left_children?: unknown } | null)?.left_children;
    nodes += Array.isArray(left) ? left.length : 0;
  }
  if (nodes > MAX_XGBOOST_NODES) {
    throw new ModelImportError('MODEL_TOO_LARGE', `More than ${MAX_XGBOOST_NODES} nodes`, [
      {
        path: `${MODEL}.trees`,
        code: 'MODEL_TOO_LARGE',
        message: `at most ${MAX_XGBOOST_NODES} nodes in all`,
      },
    ]);
  }
}

/** One XGBoost tree as a Tree holding only the nodes the root reaches, numbered breadth first. */
function convertTree(raw: RawTree, t: number, featureCount: number): Tree {
  const path = `${MODEL}.trees[${t}]`;
  const n = raw.left_children.length;
  const problems: ErrorDetail[] = [];
  const problem = (field: string, message: string) => {
    problems.push({ path: `${path}.${field}`, code: 'INVALID_MODEL', message });
  };
  if (raw.id !== t) problem('id', `expected ${t}`);
  if (Number(raw.tree_param.num_nodes) !== n || n === 0)
    problem('tree_param.num_nodes', 'node count mismatch');
  const lengths = {
    right_children: raw.right_children,
    split_indices: raw.split_indices,
    split_conditions: raw.split_conditions,
    default_left: raw.default_left,
    base_weights: raw.base_weights,
    sum_hessian: raw.sum_hessian,
    split_type: raw.split_type,
  };
  for (const [field, array] of Object.entries(lengths)) {
    if (array.length !== n) problem(field, `expected ${n} entries`);
  }
  if (raw.tree_param.size_leaf_vector !== undefined && Number(raw.tree_param.size_leaf_vector) > 1) {
    throw new ModelImportError('UNSUPPORTED_OBJECTIVE', 'Trees with vector leaves are not supported', [
      {
        path: `${path}.tree_param.size_leaf_vector`,
        code: 'UNSUPPORTED_OBJECTIVE',
        message: 'must be 0 or 1',
      },
    ]);
  }
  if (problems.length > 0) throw invalid(`Tree ${t} is malformed`, problems);

  const categorical = raw.split_type.findIndex((type) => type !== 0);
  if (categorical >= 0 || (raw.categories_nodes?.length ?? 0) > 0) {
    throw new ModelImportError('CATEGORICAL_SPLITS_UNSUPPORTED', 'Categorical splits are not supported', [
      {
        path: categorical >= 0 ? `${path}.split_type[${categorical}]` : `${path}.categories_nodes`,
        code: 'CATEGORICAL_SPLITS_UNSUPPORTED',
        message: 'categorical split',
      },
    ]);
  }

  // Walk from the root; a node met twice means a cycle or a shared subtree.
  const newIndex = new Int32Array(n).fill(-1);
  const order = [0];
  newIndex[0] = 0;
  for (let k = 0; k < order.length && problems.length < MAX_DETAILS; k++) {
    const node = order[k] as number;
    const l = raw.left_children[node] as number;
    const r = raw.right_children[node] as number;
    if (!((raw.sum_hessian[node] as number) > 0)) problem(`sum_hessian[${node}]`, 'must be positive');
    if (l === -1 && r === -1) continue;
    const f = raw.split_indices[node] as number;
    if (!(f >= 0 && f < featureCount)) problem(`split_indices[${node}]`, 'feature index out of range');
    if (!(l > 0 && r > 0 && l < n && r < n && l !== r)) {
      problem(`left_children[${node}]`, 'children out of range');
      continue;
    }
    for (const child of [l, r]) {
      if (newIndex[child] !== -1) problem(`left_children[${node}]`, 'a node is reached twice');
      else {
        newIndex[child] = order.length;
        order.push(child);
      }
    }
  }
  if (problems.length > 0) throw invalid(`Tree ${t} is malformed`, problems.slice(0, MAX_DETAILS));

  const tree: Tree = emptyTree();
  for (const node of order) {
    const l = raw.left_children[node] as number;
    const leaf = l === -1;
    tree.left.push(leaf ? -1 : (newIndex[l] as number));
    tree.right.push(leaf ? -1 : (newIndex[raw.right_children[node] as number] as number));
    tree.feature.push(leaf ? 0 : (raw.split_indices[node] as number));
    tree.threshold.push(leaf ? 0 : Math.fround(raw.split_conditions[node] as number));
    tree.defaultLeft.push(!leaf && raw.default_left[node] === 1);
    tree.value.push(leaf ? Math.fround(raw.split_conditions[node] as number) : 0);
    tree.cover.push(Math.fround(raw.sum_hessian[node] as number));
  }
  // Positions in these messages are of the rebuilt tree (root-reachable nodes, breadth first).
  const remaining = treeProblems(tree, featureCount);
  if (remaining.length > 0) {
    throw invalid(
      `Tree ${t} is malformed`,
      remaining.slice(0, MAX_DETAILS).map((message) => ({ path, code: 'INVALID_MODEL', message })),
    );
  }
  return tree;
}

function invalid(message: string, details: ErrorDetail[]): ModelImportError {
  return new ModelImportError('INVALID_MODEL', message, details);
}

/** Zod issues as details: where and what kind of problem, never the value found (zod may quote it). */
function issueDetails(error: z.ZodError, prefix: string): ErrorDetail[] {
  return error.issues.slice(0, MAX_DETAILS).map((issue) => {
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
    const path = prefix ? `${prefix}${where}` : where.replace(/^\./, '');
    const message =
      issue.code === 'invalid_type'
        ? issue.received === 'undefined'
          ? 'required'
          : `expected ${issue.expected}`
        : issue.code === 'too_small' || issue.code === 'too_big'
          ? 'wrong size'
          : 'not a valid value here';
    return { path, code: 'INVALID_MODEL', message };
  });
}
