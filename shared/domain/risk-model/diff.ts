/**
 * Structured difference between two versions of a risk model: what the versions API returns for
 * "diff two versions", and what the auditors' document (`document.ts`) lists under "Changes since
 * version N".
 *
 * Items are matched by their key (variable name, rule id, segment name, list name). The order is
 * deterministic: added and changed items follow the order of `to`, removed items the order of
 * `from`, lists (a record, whose key order carries no meaning) are sorted by name, and list values
 * added or removed are sorted. Model validation guarantees unique keys; should a document repeat
 * one, its occurrences are matched in order, so nothing is silently dropped.
 *
 * The result is plain JSON (absent values are `null`, never `undefined`) and shares no objects with
 * its inputs.
 */
import type {
  MissingPolicy,
  ModelList,
  ModelRule,
  ModelSegment,
  ModelVariable,
  RiskModel,
  RiskModelStatus,
  SegmentPolicy,
  VariableScale,
  VariableType,
} from './model.js';
import { segmentPolicyOf } from './model.js';

export interface ModelRef {
  modelId: string;
  version: number;
  status: RiskModelStatus;
}

export interface Change<T> {
  before: T;
  after: T;
}

export type MetadataField = 'author' | 'changeNote' | 'createdAt';
export interface MetadataChange extends Change<string> {
  field: MetadataField;
}

export type VariableFieldChange =
  | ({ field: 'type' } & Change<VariableType>)
  | ({ field: 'description' } & Change<string>)
  | ({ field: 'source' } & Change<ModelVariable['source']>)
  | ({ field: 'missing' } & Change<MissingPolicy>)
  /** An absent `protected` flag counts as false. */
  | ({ field: 'protected' } & Change<boolean>)
  /** Null: no scale declared. */
  | ({ field: 'scale' } & Change<VariableScale | null>);

export interface VariableChange {
  name: string;
  changes: VariableFieldChange[];
}

export type RuleFieldChange =
  /** The condition text, compared verbatim. */
  | ({ field: 'when' } & Change<string>)
  | ({ field: 'points' } & Change<number>)
  | ({ field: 'reasonCode' } & Change<string>)
  | ({ field: 'description' } & Change<string>)
  /** `null` when the rule has no override. */
  | ({ field: 'overrideSegment' } & Change<string | null>);

export interface RuleChange {
  id: string;
  changes: RuleFieldChange[];
}

export interface ScoreBand {
  minScore: number;
  maxScore: number | null;
}

export type SegmentFieldChange =
  | ({ field: 'band' } & Change<ScoreBand>)
  | ({ field: 'policyRef' } & Change<string>)
  | ({ field: 'reviewIntervalMonths' } & Change<number>)
  | ({ field: 'policy' } & Change<SegmentPolicy>);

export interface SegmentChange {
  name: string;
  changes: SegmentFieldChange[];
}

export interface NamedList extends ModelList {
  name: string;
}

export type ListFieldChange =
  | ({ field: 'asOf' } & Change<string>)
  | ({ field: 'source' } & Change<string>)
  /** List values are a set: a change of order alone is not a change. Both arrays are sorted. */
  | { field: 'values'; added: string[]; removed: string[] };

export interface ListChange {
  name: string;
  changes: ListFieldChange[];
}

/** The keys present in both versions, in each version's order, when that relative order changed. */
export interface Reordering {
  before: string[];
  after: string[];
}

export interface CollectionDiff<Item, Changed> {
  added: Item[];
  removed: Item[];
  changed: Changed[];
  /**
   * Rule order decides the order of fired rules and which rule an override is attributed to;
   * segment order is severity; variable order is the order of reported missing variables.
   */
  reordered: Reordering | null;
}

export interface ModelDiff {
  from: ModelRef;
  to: ModelRef;
  metadata: MetadataChange[];
  variables: CollectionDiff<ModelVariable, VariableChange>;
  rules: CollectionDiff<ModelRule, RuleChange>;
  segments: CollectionDiff<ModelSegment, SegmentChange>;
  lists: { added: NamedList[]; removed: NamedList[]; changed: ListChange[] };
  /** True when variables, rules, segments or lists differ (identity and metadata aside). */
  contentChanged: boolean;
}

/** Code-unit order: the same everywhere, whatever the locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Equality of JSON values (object key order and undefined-valued keys ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!sameJson(ra[k], rb[k])) return false;
  return true;
}

interface Pairing<T> {
  added: T[];
  removed: T[];
  /** [before, after], in the order of `after`. */
  pairs: [T, T][];
  reordered: Reordering | null;
}

function pairByKey<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): Pairing<T> {
  const pool = new Map<string, number[]>();
  before.forEach((item, i) => {
    const k = key(item);
    const queue = pool.get(k);
    if (queue === undefined) pool.set(k, [i]);
    else queue.push(i);
  });
  const added: T[] = [];
  const pairs: [T, T][] = [];
  const pairedBefore: number[] = [];
  for (const item of after) {
    const i = pool.get(key(item))?.shift();
    const previous = i === undefined ? undefined : before[i];
    if (i === undefined || previous === undefined) {
      added.push(item);
      continue;
    }
    pairs.push([previous, item]);
    pairedBefore.push(i);
  }
  const paired = new Set(pairedBefore);
  const removed = before.filter((_, i) => !paired.has(i));
  const afterOrder = pairs.map(([, a]) => key(a));
  const beforeOrder = [...pairedBefore].sort((x, y) => x - y).map((i) => key(before[i] as T));
  const reordered = afterOrder.every((k, i) => k === beforeOrder[i])
    ? null
    : { before: beforeOrder, after: afterOrder };
  return { added, removed, pairs, reordered };
}

function variableChanges(a: ModelVariable, b: ModelVariable): VariableFieldChange[] {
  const out: VariableFieldChange[] = [];
  if (a.type !== b.type) out.push({ field: 'type', before: a.type, after: b.type });
  if (a.description !== b.description) {
    out.push({ field: 'description', before: a.description, after: b.description });
  }
  if (!sameJson(a.source, b.source)) out.push({ field: 'source', before: a.source, after: b.source });
  if (!sameJson(a.missing, b.missing)) out.push({ field: 'missing', before: a.missing, after: b.missing });
  const pa = a.protected === true;
  const pb = b.protected === true;
  if (pa !== pb) out.push({ field: 'protected', before: pa, after: pb });
  if (!sameJson(a.scale ?? null, b.scale ?? null))
    out.push({ field: 'scale', before: a.scale ?? null, after: b.scale ?? null });
  return out;
}

function ruleChanges(a: ModelRule, b: ModelRule): RuleFieldChange[] {
  const out: RuleFieldChange[] = [];
  if (a.when !== b.when) out.push({ field: 'when', before: a.when, after: b.when });
  if (a.points !== b.points) out.push({ field: 'points', before: a.points, after: b.points });
  if (a.reasonCode !== b.reasonCode) {
    out.push({ field: 'reasonCode', before: a.reasonCode, after: b.reasonCode });
  }
  if (a.description !== b.description) {
    out.push({ field: 'description', before: a.description, after: b.description });
  }
  const oa = a.overrideSegment ?? null;
  const ob = b.overrideSegment ?? null;
  if (oa !== ob) out.push({ field: 'overrideSegment', before: oa, after: ob });
  return out;
}

function segmentChanges(a: ModelSegment, b: ModelSegment): SegmentFieldChange[] {
  const out: SegmentFieldChange[] = [];
  if (a.minScore !== b.minScore || a.maxScore !== b.maxScore) {
    out.push({
      field: 'band',
      before: { minScore: a.minScore, maxScore: a.maxScore },
      after: { minScore: b.minScore, maxScore: b.maxScore },
    });
  }
  if (a.policyRef !== b.policyRef) out.push({ field: 'policyRef', before: a.policyRef, after: b.policyRef });
  if (a.reviewIntervalMonths !== b.reviewIntervalMonths) {
    out.push({
      field: 'reviewIntervalMonths',
      before: a.reviewIntervalMonths,
      after: b.reviewIntervalMonths,
    });
  }
  const pa = segmentPolicyOf(a);
  const pb = segmentPolicyOf(b);
  if (JSON.stringify(pa) !== JSON.stringify(pb)) out.push({ field: 'policy', before: pa, after: pb });
  return out;
}

function listChanges(a: ModelList, b: ModelList): ListFieldChange[] {
  const out: ListFieldChange[] = [];
  if (a.asOf !== b.asOf) out.push({ field: 'asOf', before: a.asOf, after: b.asOf });
  if (a.source !== b.source) out.push({ field: 'source', before: a.source, after: b.source });
  const va = new Set(a.values);
  const vb = new Set(b.values);
  const added = [...vb].filter((v) => !va.has(v)).sort(compareCodeUnits);
  const removed = [...va].filter((v) => !vb.has(v)).sort(compareCodeUnits);
  if (added.length > 0 || removed.length > 0) out.push({ field: 'values', added, removed });
  return out;
}

function collection<T, F, C>(
  before: readonly T[],
  after: readonly T[],
  key: (item: T) => string,
  changes: (a: T, b: T) => F[],
  wrap: (key: string, changes: F[]) => C,
): CollectionDiff<T, C> {
  const { added, removed, pairs, reordered } = pairByKey(before, after, key);
  const changed: C[] = [];
  for (const [a, b] of pairs) {
    const c = changes(a, b);
    if (c.length > 0) changed.push(wrap(key(b), c));
  }
  return { added, removed, changed, reordered };
}

/** What changed from `from` to `to`. */
export function diffModels(from: RiskModel, to: RiskModel): ModelDiff {
  const metadata: MetadataChange[] = [];
  for (const field of ['author', 'changeNote', 'createdAt'] as const) {
    const before = from.metadata[field];
    const after = to.metadata[field];
    if (before !== after) metadata.push({ field, before, after });
  }

  const variables = collection(
    from.variables,
    to.variables,
    (v) => v.name,
    variableChanges,
    (name, changes) => ({ name, changes }),
  );
  const rules = collection(
    from.rules,
    to.rules,
    (r) => r.id,
    ruleChanges,
    (id, changes) => ({ id, changes }),
  );
  const segments = collection(
    from.segments,
    to.segments,
    (s) => s.name,
    segmentChanges,
    (name, changes) => ({ name, changes }),
  );

  const named = (lists: RiskModel['lists']): NamedList[] =>
    Object.keys(lists)
      .sort(compareCodeUnits)
      .map((name) => ({ name, ...(lists[name] as ModelList) }));
  const listPairing = pairByKey(named(from.lists), named(to.lists), (l) => l.name);
  const changedLists: ListChange[] = [];
  for (const [a, b] of listPairing.pairs) {
    const changes = listChanges(a, b);
    if (changes.length > 0) changedLists.push({ name: b.name, changes });
  }
  const lists = { added: listPairing.added, removed: listPairing.removed, changed: changedLists };

  const collectionChanged = (c: CollectionDiff<unknown, unknown>) =>
    c.added.length > 0 || c.removed.length > 0 || c.changed.length > 0 || c.reordered !== null;
  const contentChanged =
    collectionChanged(variables) ||
    collectionChanged(rules) ||
    collectionChanged(segments) ||
    lists.added.length > 0 ||
    lists.removed.length > 0 ||
    lists.changed.length > 0;

  const ref = (m: RiskModel): ModelRef => ({ modelId: m.modelId, version: m.version, status: m.status });
  return structuredClone({
    from: ref(from),
    to: ref(to),
    metadata,
    variables,
    rules,
    segments,
    lists,
    contentChanged,
  });
}

export { type DiffFormat, PLAIN_DIFF_FORMAT, summariseDiff } from './diff-summary.js';
