/**
 * From a customer's feature sources to a numeric vector, by feature specs.
 *
 * A predictive model's specs come from the risk model's variable declarations
 * (`declaredFeatureSpecs`): the declaration says how a variable is encoded, never the data. They
 * are stored with the model, so scoring later encodes a customer exactly as training did: numbers
 * pass through, booleans become 0/1, ordinal levels their rank, categorical values one-hot over
 * their levels with an `(other)` column (the unknown level: a value outside the levels, rare in
 * training, or missing), string lists multi-hot. A missing number, boolean or rank becomes the
 * training mean for the logistic model and NaN for trees, which learn where missing values go.
 * Protected variables are left out before anything is learnt from them.
 *
 * The discovery report (clustering) has no declarations to follow and infers specs from the data
 * (`buildFeatureSpecs`); no decision depends on it.
 */
import type { ModelVariable } from '../risk-model/model.js';

export type ScalarValue = number | string | boolean;

/** Structurally the `profile` and `transactions` of AssessmentInputs (ports.ts). */
export interface FeatureSource {
  profile: {
    customerType: string;
    jurisdictions: readonly string[];
    attributes: Readonly<Record<string, ScalarValue>>;
    flags: Readonly<Record<string, unknown>>;
  };
  transactions?: Readonly<Record<string, number>>;
}

/** Where a value comes from, as in a risk-model variable: `profile` + `attributes.age`, `transactions` + `volume90d`. */
export interface FeatureSourceRef {
  kind: 'profile' | 'transactions';
  path: string;
}

interface SpecBase {
  /** Unique: the profile path (`attributes.age`, `flags.pep`, `customerType`) or `transactions.<name>`. */
  name: string;
  source: FeatureSourceRef;
  /** The risk-model variable declaring it (absent on specs inferred from data). */
  variable?: string;
}

export type FeatureSpec =
  | (SpecBase & { kind: 'numeric'; mean: number })
  | (SpecBase & { kind: 'boolean'; mean: number })
  /** `mean`: the training mean rank, for a missing or unknown level. */
  | (SpecBase & { kind: 'ordinal'; levels: string[]; mean: number })
  /** `declared`: the levels are the declaration's; otherwise those frequent in training. */
  | (SpecBase & { kind: 'categorical'; categories: string[]; declared?: boolean })
  | (SpecBase & { kind: 'set'; categories: string[] });

/** How a missing number, boolean or rank is encoded: the training mean, or NaN for trees. */
export type MissingEncoding = 'mean' | 'nan';

export interface FeatureSpecOptions {
  /**
   * Variables never to use (protected characteristics). A name matches a spec's name, its source
   * path or the last segment of that path, so `age` excludes `attributes.age` wherever it appears.
   */
  exclude?: readonly string[];
  /** Categories seen fewer times than this go to `(other)`. Default 5. */
  minCategoryCount?: number;
  /** At most this many one-hot columns per variable (most frequent first). Default 20. */
  maxCategories?: number;
}

export const OTHER_CATEGORY = '(other)';
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Reads a value by source reference; own properties only. */
export function readSource(source: FeatureSource, ref: FeatureSourceRef): unknown {
  let current: unknown = ref.kind === 'transactions' ? source.transactions : source.profile;
  for (const segment of ref.path.split('.')) {
    if (FORBIDDEN.has(segment) || current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function refsOf(source: FeatureSource): FeatureSourceRef[] {
  const refs: FeatureSourceRef[] = [
    { kind: 'profile', path: 'customerType' },
    { kind: 'profile', path: 'jurisdictions' },
  ];
  for (const key of Object.keys(source.profile.attributes))
    refs.push({ kind: 'profile', path: `attributes.${key}` });
  for (const key of Object.keys(source.profile.flags)) refs.push({ kind: 'profile', path: `flags.${key}` });
  for (const key of Object.keys(source.transactions ?? {})) refs.push({ kind: 'transactions', path: key });
  return refs;
}

const specName = (ref: FeatureSourceRef) =>
  ref.kind === 'transactions' ? `transactions.${ref.path}` : ref.path;

function isExcluded(ref: FeatureSourceRef, exclude: ReadonlySet<string>): boolean {
  const last = ref.path.split('.').at(-1) ?? ref.path;
  return exclude.has(specName(ref)) || exclude.has(ref.path) || exclude.has(last);
}

const present = (v: unknown): boolean =>
  v !== undefined && v !== null && !(typeof v === 'number' && !Number.isFinite(v));

function frequentCategories(values: readonly string[], minCount: number, maxCategories: number): string[] {
  const counts = new Map<string, number>();
  // A value spelt like the unknown level's column belongs in it.
  for (const v of values) if (v !== OTHER_CATEGORY) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .filter(([, count]) => count >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxCategories)
    .map(([value]) => value)
    .sort();
}

/** Learns one spec per variable found in the samples (minus the excluded ones), sorted by name. */
export function buildFeatureSpecs(
  samples: readonly FeatureSource[],
  options: FeatureSpecOptions = {},
): FeatureSpec[] {
  const { minCategoryCount = 5, maxCategories = 20 } = options;
  const exclude = new Set(options.exclude ?? []);
  const observed = new Map<string, { source: FeatureSourceRef; values: unknown[] }>();
  for (const sample of samples) {
    for (const ref of refsOf(sample)) {
      if (isExcluded(ref, exclude)) continue;
      const name = specName(ref);
      const entry = observed.get(name) ?? { source: ref, values: [] };
      observed.set(name, entry);
      const value = readSource(sample, ref);
      if (present(value)) entry.values.push(value);
    }
  }
  const specs: FeatureSpec[] = [];
  for (const [name, { source, values }] of [...observed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (values.length === 0) continue;
    if (values.every((v) => typeof v === 'number')) {
      specs.push({ kind: 'numeric', name, source, mean: mean(values as number[]) });
    } else if (values.every((v) => typeof v === 'boolean')) {
      specs.push({ kind: 'boolean', name, source, mean: mean(values.map((v) => (v ? 1 : 0))) });
    } else if (values.every(Array.isArray)) {
      const items = (values as unknown[][]).flatMap((list) => list.map(String));
      specs.push({
        kind: 'set',
        name,
        source,
        categories: frequentCategories(items, minCategoryCount, maxCategories),
      });
    } else {
      const strings = values.map((v) => (Array.isArray(v) ? v.join(',') : String(v)));
      specs.push({
        kind: 'categorical',
        name,
        source,
        categories: frequentCategories(strings, minCategoryCount, maxCategories),
      });
    }
  }
  return specs;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** A value's text for matching levels: a number by its decimal text, so code 2 matches "2". */
const levelText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** The paths protected variables read (`attributes.age`), as feature names. */
export const protectedPaths = (variables: readonly ModelVariable[]): string[] =>
  variables
    .filter((v) => v.protected === true)
    .map((v) => specName({ kind: v.source.kind as FeatureSourceRef['kind'], path: v.source.path }));

export interface DeclaredSpecs {
  specs: FeatureSpec[];
  /** Attributes seen in the samples that no variable declares: not used; declare them to use them. */
  undeclared: string[];
}

/**
 * One spec per declared variable a predictive model may read (profile and transaction sources, not
 * protected, not excluded), encoded as its type and scale say; only means and the levels of
 * strings without declared levels are learnt from the samples.
 */
export function declaredFeatureSpecs(
  variables: readonly ModelVariable[],
  samples: readonly FeatureSource[],
  options: FeatureSpecOptions = {},
): DeclaredSpecs {
  const { minCategoryCount = 5, maxCategories = 20 } = options;
  // A protected attribute stays out under any name: another variable reading its path is excluded too.
  const exclude = new Set([...(options.exclude ?? []), ...protectedPaths(variables)]);
  const specs: FeatureSpec[] = [];
  const declaredPaths = new Set<string>();
  for (const v of variables) {
    if (v.source.kind !== 'profile' && v.source.kind !== 'transactions') continue;
    const source: FeatureSourceRef = { kind: v.source.kind, path: v.source.path };
    const name = specName(source);
    declaredPaths.add(name);
    if (v.protected === true || exclude.has(v.name) || isExcluded(source, exclude)) continue;
    if (specs.some((s) => s.name === name)) continue; // two variables reading one path: one feature
    const values = samples.map((sample) => readSource(sample, source)).filter(present);
    const base = { name, source, variable: v.name };
    const scale = v.scale;
    if (v.type === 'boolean') {
      const booleans = values.filter((x) => typeof x === 'boolean');
      specs.push({ ...base, kind: 'boolean', mean: mean(booleans.map((b) => (b ? 1 : 0))) });
    } else if (scale?.kind === 'ordinal') {
      const ranks = values.flatMap((x) => {
        const rank = scale.levels.indexOf(levelText(x) ?? '');
        return rank === -1 ? [] : [rank];
      });
      specs.push({ ...base, kind: 'ordinal', levels: [...scale.levels], mean: mean(ranks) });
    } else if (scale?.kind === 'categorical') {
      specs.push({ ...base, kind: 'categorical', categories: [...scale.levels], declared: true });
    } else if (v.type === 'number') {
      const numbers = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      specs.push({ ...base, kind: 'numeric', mean: mean(numbers) });
    } else if (v.type === 'list<string>') {
      const items = values.flatMap((x) => (Array.isArray(x) ? x.map(String) : []));
      specs.push({
        ...base,
        kind: 'set',
        categories: frequentCategories(items, minCategoryCount, maxCategories),
      });
    } else {
      const strings = values.flatMap((x) => (typeof x === 'string' ? [x] : []));
      specs.push({
        ...base,
        kind: 'categorical',
        categories: frequentCategories(strings, minCategoryCount, maxCategories),
      });
    }
  }
  const undeclared = new Set<string>();
  for (const sample of samples)
    for (const key of Object.keys(sample.profile.attributes))
      if (!declaredPaths.has(`attributes.${key}`)) undeclared.add(`attributes.${key}`);
  return { specs, undeclared: [...undeclared].sort() };
}

/** Column names of the vectors `vectorise` produces, e.g. `attributes.purpose=car_new`. */
export function featureNames(specs: readonly FeatureSpec[]): string[] {
  return specs.flatMap((spec) =>
    spec.kind === 'numeric' || spec.kind === 'boolean' || spec.kind === 'ordinal'
      ? [spec.name]
      : [...spec.categories, OTHER_CATEGORY].map((c) => `${spec.name}=${c}`),
  );
}

/** How many columns each spec takes in a vector, in spec order. */
export function columnCounts(specs: readonly FeatureSpec[]): number[] {
  return specs.map((spec) =>
    spec.kind === 'numeric' || spec.kind === 'boolean' || spec.kind === 'ordinal'
      ? 1
      : spec.categories.length + 1,
  );
}

/** Categorical text of a value: a declared spec matches numbers by their decimal text. */
const categoryOf = (spec: { declared?: boolean }, raw: unknown): string | undefined =>
  !present(raw)
    ? undefined
    : spec.declared
      ? levelText(raw)
      : Array.isArray(raw)
        ? raw.join(',')
        : String(raw);

/**
 * What a model saw of one variable, for explanations: the number or boolean, the level (the
 * unknown level as `(other)`), the list's levels; null when missing. Never more than the model read.
 */
export function displayValue(
  spec: FeatureSpec,
  source: FeatureSource,
): number | boolean | string | string[] | null {
  const raw = readSource(source, spec.source);
  switch (spec.kind) {
    case 'numeric':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : null;
    case 'ordinal': {
      const text = levelText(raw);
      return text === undefined ? null : spec.levels.includes(text) ? text : OTHER_CATEGORY;
    }
    case 'categorical': {
      const value = categoryOf(spec, raw);
      return value === undefined ? null : spec.categories.includes(value) ? value : OTHER_CATEGORY;
    }
    case 'set': {
      const items = Array.isArray(raw) ? raw.map(String) : [];
      const known = spec.categories.filter((c) => items.includes(c));
      return items.some((item) => !spec.categories.includes(item)) ? [...known, OTHER_CATEGORY] : known;
    }
  }
}

/** Encodes one customer; the vector lines up with `featureNames(specs)`. */
export function vectorise(
  specs: readonly FeatureSpec[],
  source: FeatureSource,
  missing: MissingEncoding = 'mean',
): number[] {
  const out: number[] = [];
  const orMissing = (mean: number) => (missing === 'nan' ? Number.NaN : mean);
  for (const spec of specs) {
    const raw = readSource(source, spec.source);
    switch (spec.kind) {
      case 'numeric':
        out.push(typeof raw === 'number' && Number.isFinite(raw) ? raw : orMissing(spec.mean));
        break;
      case 'boolean':
        out.push(typeof raw === 'boolean' ? (raw ? 1 : 0) : orMissing(spec.mean));
        break;
      case 'ordinal': {
        const rank = spec.levels.indexOf(levelText(raw) ?? '');
        out.push(rank === -1 ? orMissing(spec.mean) : rank);
        break;
      }
      case 'categorical': {
        const value = categoryOf(spec, raw);
        const index = value === undefined ? -1 : spec.categories.indexOf(value);
        for (let c = 0; c < spec.categories.length; c++) out.push(c === index ? 1 : 0);
        out.push(index === -1 ? 1 : 0);
        break;
      }
      case 'set': {
        const items = Array.isArray(raw) ? raw.map(String) : [];
        for (const category of spec.categories) out.push(items.includes(category) ? 1 : 0);
        out.push(items.some((item) => !spec.categories.includes(item)) ? 1 : 0);
        break;
      }
    }
  }
  return out;
}
