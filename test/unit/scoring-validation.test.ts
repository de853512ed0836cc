import { describe, expect, it } from 'vitest';
import type { ModelVariable } from '../../shared/domain/risk-model/model.js';
import { assessModel } from '../../shared/domain/scoring/assessment.js';
import { renderScoringDocument } from '../../shared/domain/scoring/document.js';
import {
  declaredFeatureSpecs,
  type FeatureSource,
  featureNames,
  vectorise,
} from '../../shared/domain/scoring/features.js';
import { trainLogistic } from '../../shared/domain/scoring/logistic.js';
import {
  auc,
  aucWithInterval,
  brierScore,
  reliabilityTable,
  stratifiedFolds,
} from '../../shared/domain/scoring/metrics.js';
import { seededRandom } from '../../shared/domain/scoring/random.js';

const random = seededRandom(42);
const labels = Array.from({ length: 400 }, () => (random() < 0.3 ? 1 : 0) as 0 | 1);
const scores = labels.map((l) => Math.round((random() + 0.4 * l) * 20) / 20); // with ties

describe('AUC with DeLong interval', () => {
  it('equals the brute-force placement variance', () => {
    const pos = scores.filter((_, i) => labels[i] === 1);
    const neg = scores.filter((_, i) => labels[i] === 0);
    const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
    const v10 = pos.map((x) => neg.reduce((s, y) => s + psi(x, y), 0) / neg.length);
    const v01 = neg.map((y) => pos.reduce((s, x) => s + psi(x, y), 0) / pos.length);
    const variance = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
    };
    const se = Math.sqrt(variance(v10) / pos.length + variance(v01) / neg.length);
    const r = aucWithInterval(scores, labels);
    expect(r.auc).toBeCloseTo(auc(scores, labels), 12);
    expect(r.upper - r.auc).toBeCloseTo(1.959963984540054 * se, 12);
    expect(r.auc - r.lower).toBeCloseTo(1.959963984540054 * se, 12);
  });

  it('widens with a higher level and stays within [0, 1]', () => {
    const p95 = aucWithInterval(scores, labels, 0.95);
    const p99 = aucWithInterval(scores, labels, 0.99);
    expect(p99.upper - p99.lower).toBeGreaterThan(p95.upper - p95.lower);
    const perfect = aucWithInterval([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]);
    expect(perfect).toMatchObject({ auc: 1, upper: 1 });
  });
});

describe('calibration and folds', () => {
  it('scores Brier as the mean squared error', () => {
    expect(brierScore([0.2, 0.9], [0, 1])).toBeCloseTo((0.04 + 0.01) / 2, 12);
  });

  it('cuts a reliability table into groups of equal size, ordered by prediction', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100);
    const y = p.map((x) => (x >= 0.5 ? 1 : 0));
    const table = reliabilityTable(p, y, 10);
    expect(table).toHaveLength(10);
    expect(table.every((b) => b.customers === 10)).toBe(true);
    expect(table[0]).toMatchObject({ from: 0, to: 0.09, observedRate: 0 });
    expect(table[9]?.observedRate).toBe(1);
  });

  it('deals stratified folds that keep the class balance', () => {
    const fold = stratifiedFolds(labels, 5, 1);
    for (let f = 0; f < 5; f++) {
      const members = labels.filter((_, i) => fold[i] === f);
      const positives = members.filter((l) => l === 1).length;
      expect(Math.abs(members.length - labels.length / 5)).toBeLessThanOrEqual(2);
      expect(Math.abs(positives - labels.filter((l) => l === 1).length / 5)).toBeLessThanOrEqual(1);
    }
    expect(() => stratifiedFolds(labels, 1, 1)).toThrow(RangeError);
  });
});

describe('assessment: fairness, proxies, top features', () => {
  const variable = (
    name: string,
    type: ModelVariable['type'],
    extra: Partial<ModelVariable> = {},
  ): ModelVariable => ({
    name,
    type,
    description: name,
    source: { kind: 'profile', path: `attributes.${name}` },
    missing: { policy: 'skip-rules' },
    ...extra,
  });
  const variables = [
    variable('income', 'number'),
    // A proxy: the same as the protected group, under another name.
    variable('postcodeArea', 'string', { scale: { kind: 'categorical', levels: ['north', 'south'] } }),
    variable('noise', 'number'),
    variable('sex', 'string', { protected: true }),
  ];
  const r = seededRandom(7);
  const examples = Array.from({ length: 600 }, () => {
    const sex = r() < 0.5 ? 'f' : 'm';
    const income = 1000 + 4000 * r();
    const attributes = { income, postcodeArea: sex === 'f' ? 'north' : 'south', noise: r(), sex };
    const risk = -1 - income / 2000 + (sex === 'f' ? 1.5 : 0);
    const label = (r() < 1 / (1 + Math.exp(-risk)) ? 1 : 0) as 0 | 1;
    const source: FeatureSource = {
      profile: { customerType: 'individual', jurisdictions: [], attributes, flags: {} },
    };
    return { source, label };
  });
  const { specs } = declaredFeatureSpecs(
    variables,
    examples.map((e) => e.source),
  );
  const model = trainLogistic(
    examples.map((e) => ({ features: vectorise(specs, e.source), label: e.label })),
    { featureNames: featureNames(specs) },
  );
  const assessment = assessModel(
    model,
    specs,
    examples,
    variables.filter((v) => v.protected),
  );

  it('never makes the protected variable a feature, but compares its groups', () => {
    expect(specs.some((s) => s.variable === 'sex')).toBe(false);
    const sex = assessment.fairness[0];
    expect(sex?.variable).toBe('sex');
    expect(sex?.groups.map((g) => g.group)).toEqual(['f', 'm']);
    expect(sex?.groups.reduce((n, g) => n + g.customers, 0)).toBe(600);
    for (const g of sex?.groups ?? []) expect([...g.quantiles].sort((a, b) => a - b)).toEqual(g.quantiles);
    // The proxy carries the group into the scores: flagged far more often, ratio well below 0.8.
    expect(sex?.disparateImpact).toBeLessThan(0.8);
    expect(sex?.proxies[0]).toMatchObject({ feature: 'postcodeArea' });
    expect(Math.abs(sex?.proxies[0]?.correlation ?? 0)).toBeGreaterThan(0.9);
    expect(sex?.proxies.some((p) => p.feature === 'noise')).toBe(false);
  });

  it('ranks the variables that drive scores and explains three customers', () => {
    expect(assessment.topFeatures[0]?.feature).toMatch(/income|postcodeArea/);
    expect(assessment.examples).toHaveLength(3);
    expect(assessment.calibration).toHaveLength(10);
  });

  it('puts it all in the auditor document, which depends only on the stored version', () => {
    const stored = {
      modelId: 'predictive',
      version: 1,
      status: 'draft' as const,
      model: { ...model, metrics: { ...(model.metrics as object), ...assessment } } as never,
      specs,
      excluded: ['sex'],
      trainedBy: 'admin-1',
      trainedAt: '2026-12-07T00:00:00.000Z',
    };
    const doc = renderScoringDocument(stored);
    expect(doc).toBe(renderScoringDocument(structuredClone(stored)));
    expect(doc).toContain('## Fairness');
    expect(doc).toContain('below 0.8');
    expect(doc).toContain('`postcodeArea`');
    expect(doc).toContain('### Calibration');
    expect(doc).toContain('## Example explanations');
    expect(doc).not.toMatch(/\| `sex` \|/);
  });
});
