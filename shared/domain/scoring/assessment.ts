/**
 * What a trained model's document reports beyond its validation figures: calibration, the
 * variables that drive it, example explanations, and fairness across protected groups.
 *
 * Protected attributes are read here, inside the training job, for one documented purpose: to
 * measure whether scores differ between protected groups (records-of-processing: "predictive model
 * fairness"). They never become features, and only group figures leave the job: no customer's
 * protected value is stored or logged.
 */
import type { ModelVariable } from '../risk-model/model.js';
import { type Explanation, explainPrediction, type PredictiveModel } from './explain.js';
import { type FeatureSource, type FeatureSpec, readSource, vectorise } from './features.js';
import { type ReliabilityBin, reliabilityTable, topCount } from './metrics.js';

export interface GroupFigures {
  group: string;
  customers: number;
  meanScore: number;
  /** The group's probabilities at the 10th, 25th, 50th, 75th and 90th percentiles. */
  quantiles: [number, number, number, number, number];
  /** Share of the group among the top 20 % of scores (those a review would pick first). */
  flaggedRate: number;
}

export interface ProtectedFairness {
  variable: string;
  groups: GroupFigures[];
  /** Customers in groups too small to report (fewer than 20, even merged): left out. */
  suppressed: number;
  /** Lowest flagged rate over highest; below 0.8 fails the four-fifths rule of thumb. */
  disparateImpact: number | null;
  /** Features whose columns correlate with this attribute: |r| ≥ 0.3, strongest first. */
  proxies: { feature: string; correlation: number }[];
}

export interface ModelAssessment {
  calibration: ReliabilityBin[];
  /** Mean |contribution| per variable over the held-out customers, largest first. */
  topFeatures: { feature: string; meanAbsContribution: number }[];
  /** Explanations of three typical customers (of the lowest, middle and highest tenth of scores). */
  examples: Omit<Explanation, 'method'>[];
  fairness: ProtectedFairness[];
}

type Example = { source: FeatureSource; label: 0 | 1 };

/** Groups of at least this many customers are reported; smaller ones are merged into `(small groups)`. */
const MIN_GROUP = 20;
const FLAGGED_SHARE = 0.2;
const PROXY_REPORTED = 0.3;
const round = (x: number, places = 4) => Math.round(x * 10 ** places) / 10 ** places;

/** A protected attribute's group for one customer: its level, a quartile band for numbers, or null. */
function groupsOf(variable: ModelVariable, sources: readonly FeatureSource[]): (string | null)[] {
  const ref = { kind: variable.source.kind as 'profile' | 'transactions', path: variable.source.path };
  const values = sources.map((s) => readSource(s, ref));
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length > 0 && numbers.length === values.filter((v) => v !== undefined && v !== null).length) {
    const sorted = [...numbers].sort((a, b) => a - b);
    const cut = [0.25, 0.5, 0.75].map((q) => sorted[Math.floor(q * (sorted.length - 1))] as number);
    // Named by rank, not by their bounds: a bound is one customer's protected value.
    const bands = ['lowest quarter', 'second quarter', 'third quarter', 'highest quarter'];
    return values.map((v) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return null;
      const band = cut.filter((c) => v >= c).length;
      return bands[band] as string;
    });
  }
  return values.map((v) => (v === undefined || v === null ? null : String(v)));
}

function quantilesOf(values: number[]): GroupFigures['quantiles'] {
  const sorted = values.sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.round(q * (sorted.length - 1))] as number);
  return [at(0.1), at(0.25), at(0.5), at(0.75), at(0.9)];
}

/** A made-up customer: each variable at the band's median (numbers, ranks) or most frequent value. */
function typicalSource(specs: readonly FeatureSpec[], sources: readonly FeatureSource[]): FeatureSource {
  const profile: Record<string, unknown> = Object.create(null);
  const transactions: Record<string, unknown> = Object.create(null);
  for (const spec of specs) {
    const values = sources
      .map((s) => readSource(s, spec.source))
      .filter((v) => v !== undefined && v !== null);
    if (values.length === 0) continue;
    let value: unknown;
    if (values.every((v) => typeof v === 'number')) {
      const sorted = (values as number[]).sort((a, b) => a - b);
      value = sorted[Math.floor((sorted.length - 1) / 2)];
    } else {
      const counts = new Map<string, { value: unknown; n: number }>();
      for (const v of values) {
        const key = JSON.stringify(v);
        const entry = counts.get(key) ?? { value: v, n: 0 };
        entry.n++;
        counts.set(key, entry);
      }
      value = [...counts.values()].sort((a, b) => b.n - a.n)[0]?.value;
    }
    // Paths come from validated declarations (no __proto__ segment); the objects have no prototype.
    const segments = spec.source.path.split('.');
    let target = spec.source.kind === 'transactions' ? transactions : profile;
    for (const segment of segments.slice(0, -1)) {
      if (!Object.hasOwn(target, segment)) target[segment] = Object.create(null);
      target = target[segment] as Record<string, unknown>;
    }
    target[segments[segments.length - 1] as string] = value;
  }
  return {
    profile: {
      customerType: typeof profile.customerType === 'string' ? profile.customerType : '',
      jurisdictions: Array.isArray(profile.jurisdictions) ? (profile.jurisdictions as string[]) : [],
      attributes: (profile.attributes ?? Object.create(null)) as FeatureSource['profile']['attributes'],
      flags: (profile.flags ?? Object.create(null)) as FeatureSource['profile']['flags'],
    },
    transactions: transactions as Record<string, number>,
  };
}

function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] as number;
    my += ys[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

function fairnessOf(
  variable: ModelVariable,
  examples: readonly Example[],
  scores: readonly number[],
  specs: readonly FeatureSpec[],
  encoded: readonly number[][],
): ProtectedFairness | undefined {
  const groups = groupsOf(
    variable,
    examples.map((e) => e.source),
  );
  if (groups.every((g) => g === null)) return undefined;
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const flagged = new Uint8Array(scores.length);
  for (const i of order.slice(0, topCount(scores.length, FLAGGED_SHARE))) flagged[i] = 1;
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = g ?? '(missing)';
    const members = byGroup.get(key) ?? [];
    members.push(i);
    byGroup.set(key, members);
  });
  // Groups too small to report without pointing at a few customers are merged, and left out
  // (counted in `suppressed`) if still too small merged.
  const small = [...byGroup].filter(([, m]) => m.length < MIN_GROUP);
  for (const [key] of small) byGroup.delete(key);
  const merged = small.flatMap(([, m]) => m);
  if (merged.length >= MIN_GROUP) byGroup.set('(small groups)', merged);
  const suppressed = merged.length >= MIN_GROUP ? 0 : merged.length;
  const figures = [...byGroup]
    .map(([group, members]) => ({
      group,
      customers: members.length,
      meanScore: round(members.reduce((a, i) => a + (scores[i] as number), 0) / members.length),
      quantiles: quantilesOf(members.map((i) => scores[i] as number)),
      flaggedRate: round(members.reduce((a, i) => a + (flagged[i] as number), 0) / members.length),
    }))
    .sort((a, b) => (a.group < b.group ? -1 : 1));
  const rates = figures.filter((f) => f.group !== '(missing)').map((f) => f.flaggedRate);
  const highest = Math.max(...rates);
  // Proxies: each protected group as a 0/1 indicator against each feature column.
  const indicators = [...byGroup].map(([, members]) => {
    const x = new Float64Array(examples.length);
    for (const i of members) x[i] = 1;
    return x;
  });
  const proxies: { feature: string; correlation: number }[] = [];
  let column = 0;
  for (const spec of specs) {
    const width =
      spec.kind === 'numeric' || spec.kind === 'boolean' || spec.kind === 'ordinal'
        ? 1
        : spec.categories.length + 1;
    let strongest = 0;
    for (let c = column; c < column + width; c++) {
      const values = encoded.map((row) => row[c] as number);
      for (const indicator of indicators) {
        const r = pearson(values, indicator);
        if (Math.abs(r) > Math.abs(strongest)) strongest = r;
      }
    }
    column += width;
    if (Math.abs(strongest) >= PROXY_REPORTED)
      proxies.push({ feature: spec.variable ?? spec.name, correlation: round(strongest, 3) });
  }
  proxies.sort((a, b) => Math.abs(b.correlation) - Math.abs(a.correlation));
  return {
    variable: variable.name,
    groups: figures,
    suppressed,
    disparateImpact: rates.length > 1 && highest > 0 ? round(Math.min(...rates) / highest) : null,
    proxies,
  };
}

/**
 * Assesses a model on held-out customers: calibration, top features, three example explanations,
 * and fairness per protected variable the risk model declares.
 */
export function assessModel(
  model: PredictiveModel,
  specs: readonly FeatureSpec[],
  heldOut: readonly Example[],
  protectedVariables: readonly ModelVariable[],
): ModelAssessment {
  const explanations = heldOut.map((e) => explainPrediction(model, specs, e.source));
  const probabilities = explanations.map((e) => e.probability);
  const labels = heldOut.map((e) => e.label);
  const totals = new Map<string, number>();
  for (const e of explanations)
    for (const c of e.contributions)
      totals.set(c.feature, (totals.get(c.feature) ?? 0) + Math.abs(c.contribution));
  const topFeatures = [...totals]
    .map(([feature, sum]) => ({ feature, meanAbsContribution: round(sum / Math.max(1, heldOut.length)) }))
    .sort((a, b) => b.meanAbsContribution - a.meanAbsContribution || (a.feature < b.feature ? -1 : 1));
  const byScore = probabilities
    .map((_, i) => i)
    .sort((a, b) => (probabilities[a] as number) - (probabilities[b] as number));
  // Not real customers (their values would stay in a document hashed at publication, beyond an
  // erasure's reach): the typical customer of the lowest, middle and highest tenth of scores, each
  // variable at its median (numbers) or most frequent value, explained by the model.
  const tenth = Math.max(1, Math.floor(byScore.length / 10));
  const middle = Math.floor((byScore.length - tenth) / 2);
  const bands = [
    byScore.slice(0, tenth),
    byScore.slice(middle, middle + tenth),
    byScore.slice(byScore.length - tenth),
  ];
  const examples = bands
    .filter((band) => band.length > 0)
    .map((band) => {
      const typical = typicalSource(
        specs,
        band.map((i) => (heldOut[i] as Example).source),
      );
      const { method: _method, ...shown } = explainPrediction(model, specs, typical);
      return { ...shown, contributions: shown.contributions.slice(0, 8) };
    });
  const encoded = heldOut.map((e) => vectorise(specs, e.source, 'mean'));
  const fairness = protectedVariables
    .filter((v) => v.source.kind === 'profile' || v.source.kind === 'transactions')
    .flatMap((v) => fairnessOf(v, heldOut, probabilities, specs, encoded) ?? []);
  return {
    calibration: reliabilityTable(probabilities, labels).map((b) => ({
      ...b,
      from: round(b.from),
      to: round(b.to),
      meanPredicted: round(b.meanPredicted),
      observedRate: round(b.observedRate),
    })),
    topFeatures,
    examples,
    fairness,
  };
}
