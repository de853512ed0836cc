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
  VariableType,
} from './model.js';

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
  | ({ field: 'protected' } & Change<boolean>);

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
  | ({ field: 'reviewIntervalMonths' } & Change<number>);

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

/**
 * How `summariseDiff` writes the parts of a line: plain text by default; `document.ts` passes a
 * Markdown format (code spans, escaped prose).
 */
export interface DiffFormat {
  /** Identifiers, codes, list values, dates: `cash-intensive`, `EDD`. */
  name(text: string): string;
  /** A CEL condition. */
  expr(text: string): string;
  /** Free text (descriptions, change notes, sources), quoted. */
  text(text: string): string;
}

export const PLAIN_DIFF_FORMAT: DiffFormat = {
  name: (t) => t,
  expr: (t) => `\`${t}\``,
  text: (t) => JSON.stringify(t),
};

const METADATA_LABELS: Record<MetadataField, string> = {
  author: 'Author',
  changeNote: 'Change note',
  createdAt: 'Created',
};

function pointsText(points: number): string {
  return `${points >= 0 ? '+' : ''}${points} ${Math.abs(points) === 1 ? 'point' : 'points'}`;
}

function band(b: ScoreBand): string {
  return `[${b.minScore}, ${b.maxScore === null ? '∞' : b.maxScore})`;
}

function missingText(m: MissingPolicy, f: DiffFormat): string {
  return m.policy === 'default' ? `default ${f.name(JSON.stringify(m.value))}` : 'skip the rules that use it';
}

function sourceText(s: ModelVariable['source'], f: DiffFormat): string {
  return `${s.kind} ${f.name(s.path)}`;
}

/**
 * One short line per change, e.g. `Rule cash-intensive: points 15 → 20`. Empty when the two
 * versions have the same identity, metadata and content.
 */
export function summariseDiff(diff: ModelDiff, format: DiffFormat = PLAIN_DIFF_FORMAT): string[] {
  const f = format;
  const names = (xs: readonly string[]) => xs.map((x) => f.name(x)).join(', ');
  const lines: string[] = [];
  if (diff.from.modelId !== diff.to.modelId) {
    lines.push(`Model: ${f.name(diff.from.modelId)} → ${f.name(diff.to.modelId)}`);
  }
  for (const m of diff.metadata) {
    const value = m.field === 'createdAt' ? f.name : f.text;
    lines.push(`${METADATA_LABELS[m.field]}: ${value(m.before)} → ${value(m.after)}`);
  }

  for (const v of diff.variables.added) {
    const flags = v.protected === true ? ', protected' : '';
    lines.push(
      `Variable added: ${f.name(v.name)} (${v.type}, from ${sourceText(v.source, f)}, when missing ${missingText(v.missing, f)}${flags})`,
    );
  }
  for (const v of diff.variables.removed) lines.push(`Variable removed: ${f.name(v.name)}`);
  for (const v of diff.variables.changed) {
    const head = `Variable ${f.name(v.name)}:`;
    for (const c of v.changes) {
      switch (c.field) {
        case 'type':
          lines.push(`${head} type ${c.before} → ${c.after}`);
          break;
        case 'description':
          lines.push(`${head} description ${f.text(c.before)} → ${f.text(c.after)}`);
          break;
        case 'source':
          lines.push(`${head} source ${sourceText(c.before, f)} → ${sourceText(c.after, f)}`);
          break;
        case 'missing':
          lines.push(`${head} when missing ${missingText(c.before, f)} → ${missingText(c.after, f)}`);
          break;
        case 'protected':
          lines.push(`${head} protected ${c.before ? 'yes' : 'no'} → ${c.after ? 'yes' : 'no'}`);
          break;
      }
    }
  }
  if (diff.variables.reordered) {
    const r = diff.variables.reordered;
    lines.push(`Variables reordered: ${names(r.before)} → ${names(r.after)}`);
  }

  for (const r of diff.rules.added) {
    const override = r.overrideSegment === undefined ? '' : `, override ${f.name(r.overrideSegment)}`;
    lines.push(
      `Rule added: ${f.name(r.id)}: ${f.expr(r.when)}, ${pointsText(r.points)}, reason ${f.name(r.reasonCode)}${override}`,
    );
  }
  for (const r of diff.rules.removed) {
    lines.push(`Rule removed: ${f.name(r.id)} (${pointsText(r.points)}, reason ${f.name(r.reasonCode)})`);
  }
  for (const r of diff.rules.changed) {
    const head = `Rule ${f.name(r.id)}:`;
    for (const c of r.changes) {
      switch (c.field) {
        case 'when':
          lines.push(`${head} condition ${f.expr(c.before)} → ${f.expr(c.after)}`);
          break;
        case 'points':
          lines.push(`${head} points ${c.before} → ${c.after}`);
          break;
        case 'reasonCode':
          lines.push(`${head} reason code ${f.name(c.before)} → ${f.name(c.after)}`);
          break;
        case 'description':
          lines.push(`${head} description ${f.text(c.before)} → ${f.text(c.after)}`);
          break;
        case 'overrideSegment': {
          const o = (s: string | null) => (s === null ? 'none' : f.name(s));
          lines.push(`${head} override segment ${o(c.before)} → ${o(c.after)}`);
          break;
        }
      }
    }
  }
  if (diff.rules.reordered) {
    const r = diff.rules.reordered;
    lines.push(`Rules reordered: ${names(r.before)} → ${names(r.after)}`);
  }

  for (const s of diff.segments.added) {
    lines.push(
      `Segment added: ${f.name(s.name)} ${f.name(band(s))}, policy ${f.name(s.policyRef)}, review every ${s.reviewIntervalMonths} months`,
    );
  }
  for (const s of diff.segments.removed) lines.push(`Segment removed: ${f.name(s.name)}`);
  for (const s of diff.segments.changed) {
    const head = `Segment ${f.name(s.name)}:`;
    for (const c of s.changes) {
      switch (c.field) {
        case 'band':
          lines.push(`${head} band ${f.name(band(c.before))} → ${f.name(band(c.after))}`);
          break;
        case 'policyRef':
          lines.push(`${head} policy ${f.name(c.before)} → ${f.name(c.after)}`);
          break;
        case 'reviewIntervalMonths':
          lines.push(`${head} review interval ${c.before} → ${c.after} months`);
          break;
      }
    }
  }
  if (diff.segments.reordered) {
    const r = diff.segments.reordered;
    lines.push(`Segments reordered (severity): ${names(r.before)} → ${names(r.after)}`);
  }

  for (const l of diff.lists.added) {
    lines.push(
      `List added: ${f.name(l.name)} (${l.values.length} values, as of ${f.name(l.asOf)}, source ${f.text(l.source)})`,
    );
  }
  for (const l of diff.lists.removed) lines.push(`List removed: ${f.name(l.name)}`);
  for (const l of diff.lists.changed) {
    const head = `List ${f.name(l.name)}:`;
    for (const c of l.changes) {
      switch (c.field) {
        case 'asOf':
          lines.push(`${head} as of ${f.name(c.before)} → ${f.name(c.after)}`);
          break;
        case 'source':
          lines.push(`${head} source ${f.text(c.before)} → ${f.text(c.after)}`);
          break;
        case 'values':
          if (c.added.length > 0) lines.push(`${head} added ${names(c.added)}`);
          if (c.removed.length > 0) lines.push(`${head} removed ${names(c.removed)}`);
          break;
      }
    }
  }
  return lines;
}
