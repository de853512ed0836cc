import { describe, expect, it } from 'vitest';
import defaultModel from '../../shared/data/risk-models/default.json' with { type: 'json' };
import { diffModels, summariseDiff } from '../../shared/domain/risk-model/diff.js';
import type { ModelVariable, RiskModel } from '../../shared/domain/risk-model/model.js';
import { riskModelSchema } from '../../shared/domain/risk-model/schema.js';
import { explainPrediction } from '../../shared/domain/scoring/explain.js';
import {
  declaredFeatureSpecs,
  type FeatureSource,
  featureNames,
  vectorise,
} from '../../shared/domain/scoring/features.js';
import { trainLogistic } from '../../shared/domain/scoring/logistic.js';

const variable = (over: Partial<ModelVariable> & Pick<ModelVariable, 'name' | 'type'>): ModelVariable => ({
  description: 'test',
  source: { kind: 'profile', path: `attributes.${over.name}` },
  missing: { policy: 'skip-rules' },
  ...over,
});

const education = variable({
  name: 'education',
  type: 'number',
  scale: { kind: 'categorical', levels: ['1', '2', '3', '4'] },
});
const incomeBand = variable({
  name: 'incomeBand',
  type: 'string',
  scale: { kind: 'ordinal', levels: ['low', 'medium', 'high'] },
});
const limit = variable({ name: 'limit', type: 'number' });
const sex = variable({ name: 'sex', type: 'string', protected: true });
const source = (attributes: Record<string, number | string | boolean>): FeatureSource => ({
  profile: { customerType: 'individual', jurisdictions: [], attributes, flags: {} },
});

describe('variable declarations decide the encoding', () => {
  const samples = [
    source({ education: 2, incomeBand: 'high', limit: 1000, sex: 'f', favouriteColour: 'blue' }),
    source({ education: 6, incomeBand: 'low', limit: 3000, sex: 'm' }),
    source({ education: 1, limit: 2000 }),
  ];
  const { specs, undeclared } = declaredFeatureSpecs([education, incomeBand, limit, sex], samples);

  it('reads codes sent as numbers as levels, never as quantities, with an unknown level', () => {
    expect(featureNames(specs)).toEqual([
      'attributes.education=1',
      'attributes.education=2',
      'attributes.education=3',
      'attributes.education=4',
      'attributes.education=(other)',
      'attributes.incomeBand',
      'attributes.limit',
    ]);
    // Code 6 is not a declared level: the unknown level, as a missing value is.
    expect(vectorise(specs, samples[1] as FeatureSource).slice(0, 5)).toEqual([0, 0, 0, 0, 1]);
    expect(vectorise(specs, source({})).slice(0, 5)).toEqual([0, 0, 0, 0, 1]);
    expect(vectorise(specs, samples[0] as FeatureSource).slice(0, 5)).toEqual([0, 1, 0, 0, 0]);
  });

  it('ranks ordinal levels in their declared order; a missing rank is the mean for logistic, NaN for trees', () => {
    expect(vectorise(specs, samples[0] as FeatureSource)[5]).toBe(2);
    expect(vectorise(specs, samples[1] as FeatureSource)[5]).toBe(0);
    expect(vectorise(specs, samples[2] as FeatureSource)[5]).toBe(1); // mean of 2 and 0
    expect(vectorise(specs, samples[2] as FeatureSource, 'nan')[5]).toBeNaN();
  });

  it('never uses a protected attribute under another name', () => {
    const alias = variable({
      name: 'gender',
      type: 'string',
      source: { kind: 'profile', path: 'attributes.sex' },
    });
    const { specs: aliased } = declaredFeatureSpecs([alias, sex, limit], samples);
    expect(aliased.map((s) => s.variable)).toEqual(['limit']);
  });

  it('reserves (other) for the unknown level', () => {
    const model = {
      ...structuredClone(defaultModel),
      variables: [
        ...defaultModel.variables,
        { ...education, scale: { kind: 'categorical', levels: ['1', '(other)'] } },
      ],
    };
    expect(riskModelSchema.safeParse(model).success).toBe(false);
  });

  it('never uses a protected variable, and names attributes nobody declared', () => {
    expect(specs.some((s) => s.variable === 'sex')).toBe(false);
    expect(undeclared).toEqual(['attributes.favouriteColour']);
  });

  it('validates a scale against the type and the levels', () => {
    const model = (v: object) => ({
      ...structuredClone(defaultModel),
      variables: [...defaultModel.variables, v],
    });
    const bad = [
      { ...education, name: 'a', type: 'boolean' },
      { ...limit, name: 'b', type: 'string', scale: { kind: 'numeric' } },
      { ...education, name: 'c', scale: { kind: 'categorical', levels: ['1', '1'] } },
      { ...education, name: 'd', scale: { kind: 'ordinal', levels: ['only'] } },
    ];
    for (const v of bad) expect(riskModelSchema.safeParse(model(v)).success, v.name).toBe(false);
    expect(riskModelSchema.safeParse(model(education)).success).toBe(true);
  });

  it('shows a scale change in the diff', () => {
    const before = {
      ...structuredClone(defaultModel),
      variables: [...defaultModel.variables, limit],
    } as RiskModel;
    const after = {
      ...before,
      version: 2,
      variables: [...defaultModel.variables, { ...limit, scale: { kind: 'ordinal', levels: ['1', '2'] } }],
    } as RiskModel;
    expect(summariseDiff(diffModels(before, after))).toContain(
      'Variable limit: scale none → "ordinal: 1 < 2"',
    );
  });
});

describe('logistic explanations', () => {
  const rows = Array.from({ length: 200 }, (_, i) =>
    source({ education: (i % 4) + 1, incomeBand: ['low', 'medium', 'high'][i % 3] as string, limit: i * 10 }),
  );
  const { specs } = declaredFeatureSpecs([education, incomeBand, limit], rows);
  const model = trainLogistic(
    rows.map((r, i) => ({ features: vectorise(specs, r), label: (i % 4) + (i % 3) > 3 ? 1 : 0 })),
    { featureNames: featureNames(specs) },
  );

  it('add up: baseline + contributions = log-odds, one per variable, each with its value', () => {
    const e = explainPrediction(model, specs, source({ education: 9, incomeBand: 'medium', limit: 55 }));
    const sum = e.contributions.reduce((s, c) => s + c.contribution, e.baseline.logOdds);
    expect(Math.abs(sum - e.logOdds)).toBeLessThan(1e-9);
    expect(e.method).toBe('coefficients');
    expect(e.contributions.map((c) => c.feature).sort()).toEqual(['education', 'incomeBand', 'limit']);
    expect(e.contributions.find((c) => c.feature === 'education')?.value).toBe('(other)');
    expect(e.contributions.find((c) => c.feature === 'incomeBand')?.value).toBe('medium');
    const limitPart = e.contributions.find((c) => c.feature === 'limit');
    expect(limitPart?.value).toBe(55);
    expect(limitPart?.probabilityChange).toBeCloseTo(
      1 / (1 + Math.exp(-(e.baseline.logOdds + (limitPart?.contribution ?? 0)))) - e.baseline.probability,
      12,
    );
  });
});
