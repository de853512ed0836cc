/**
 * From a customer's feature sources to a numeric vector, by declared feature specs.
 *
 * Specs are learnt from training samples (`buildFeatureSpecs`) and stored with the model, so scoring
 * later encodes a customer exactly as training did: numbers pass through (missing → training mean),
 * booleans become 0/1 (missing → training share of true), strings are one-hot over the categories
 * seen in training with an `(other)` column for rare, unseen or missing values, and string lists
 * (jurisdictions) are multi-hot. Nothing is specific to one data set: attribute names come from the
 * user's data. Protected variables are left out by name before anything is learnt from them.
 */

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
}

export type FeatureSpec =
  | (SpecBase & { kind: 'numeric'; mean: number })
  | (SpecBase & { kind: 'boolean'; mean: number })
  | (SpecBase & { kind: 'categorical'; categories: string[] })
  | (SpecBase & { kind: 'set'; categories: string[] });

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
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
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

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Column names of the vectors `vectorise` produces, e.g. `attributes.purpose=car_new`. */
export function featureNames(specs: readonly FeatureSpec[]): string[] {
  return specs.flatMap((spec) =>
    spec.kind === 'numeric' || spec.kind === 'boolean'
      ? [spec.name]
      : [...spec.categories, OTHER_CATEGORY].map((c) => `${spec.name}=${c}`),
  );
}

/** Encodes one customer; the vector lines up with `featureNames(specs)`. */
export function vectorise(specs: readonly FeatureSpec[], source: FeatureSource): number[] {
  const out: number[] = [];
  for (const spec of specs) {
    const raw = readSource(source, spec.source);
    switch (spec.kind) {
      case 'numeric':
        out.push(typeof raw === 'number' && Number.isFinite(raw) ? raw : spec.mean);
        break;
      case 'boolean':
        out.push(typeof raw === 'boolean' ? (raw ? 1 : 0) : spec.mean);
        break;
      case 'categorical': {
        const value = present(raw) ? (Array.isArray(raw) ? raw.join(',') : String(raw)) : undefined;
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
