import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ModelVariable } from '../../shared/domain/risk-model/model.js';
import { explainPrediction } from '../../shared/domain/scoring/explain.js';
import { vectorise } from '../../shared/domain/scoring/features.js';
import { featureLayout, importSpecs, parseImportRequest } from '../../shared/domain/scoring/import.js';
import { sigmoid } from '../../shared/domain/scoring/logistic.js';
import { predictMargin } from '../../shared/domain/scoring/tree-model.js';
import { importXgboostModel } from '../../shared/domain/scoring/xgboost.js';
import { ValidationError } from '../../shared/errors.js';
import { germanCreditVariables, loadGermanCredit, toFeatureSource } from '../helpers/german-credit.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/xgboost/german-credit/${name}`, import.meta.url), 'utf8'));
const expected = fixture('expected.json') as {
  variables: string[];
  rows: number[];
  margin: number[];
  probability: number[];
};
const variables = germanCreditVariables();
const { customers } = loadGermanCredit();

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error('expected a refusal');
};

describe('importing a model trained elsewhere on the declared layout (German Credit, XGBoost 1.7.4)', () => {
  const specs = importSpecs(variables, expected.variables);
  const ensemble = importXgboostModel(fixture('model.json'), { featureNames: featureLayout(specs).columns });

  it('lays out one column per numeric or binary variable and one per level plus (other) for categorical ones', () => {
    const layout = featureLayout(specs);
    const purpose = layout.variables.find((v) => v.variable === 'purpose');
    expect(purpose).toMatchObject({ encoding: 'categorical', count: 12 });
    expect(layout.columns[purpose?.first ?? -1]).toBe('attributes.purpose=car_new');
    expect(layout.columns).toContain('attributes.purpose=(other)');
    expect(layout.variables.find((v) => v.variable === 'durationMonths')).toMatchObject({ count: 1 });
    expect(layout.columns).toHaveLength(layout.variables.reduce((n, v) => n + v.count, 0));
  });

  it('predicts as the library does for the first 100 applicants: probabilities to 1e-6', () => {
    let worst = 0;
    expected.rows.forEach((row, i) => {
      const x = vectorise(specs, toFeatureSource(customers[row - 1] as never), 'nan');
      const margin = predictMargin(ensemble, x);
      worst = Math.max(worst, Math.abs(sigmoid(margin) - (expected.probability[i] as number)));
      // XGBoost adds its 80 leaves in float32, riskloop in double (so explanations add up exactly):
      // the log-odds differ by float32 rounding alone, a few 1e-7 per tree at most.
      expect(Math.abs(margin - (expected.margin[i] as number))).toBeLessThan(80 * 2 ** -23);
    });
    expect(worst).toBeLessThan(1e-6);
  });

  it('explains each prediction exactly, a categorical variable by the level it has', () => {
    const model = { ...ensemble, version: 1 };
    for (const row of expected.rows.slice(0, 20)) {
      const source = toFeatureSource(customers[row - 1] as never);
      const e = explainPrediction(model, specs, source);
      const sum = e.contributions.reduce((s, c) => s + c.contribution, e.baseline.logOdds);
      expect(Math.abs(sum - e.logOdds)).toBeLessThan(1e-9);
      expect(e.method).toBe('tree-shap');
      expect(e.contributions).toHaveLength(specs.length);
      const purpose = e.contributions.find((c) => c.feature === 'purpose');
      expect(purpose?.value).toBe(customers[row - 1]?.attributes?.purpose);
    }
  });

  it('refuses variables it cannot lay out, naming each by position', () => {
    const withUndeclaredLevels: ModelVariable = {
      name: 'segmentCode',
      type: 'string',
      description: 'A code whose levels are not declared',
      source: { kind: 'profile', path: 'attributes.segmentCode' },
      missing: { policy: 'skip-rules' },
    };
    const error = refusal(() =>
      importSpecs(
        [...variables, withUndeclaredLevels],
        ['durationMonths', 'nope', 'personalStatusSex', 'durationMonths'],
      ),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details.map((d) => d.code)).toEqual([
      'UNKNOWN_VARIABLE',
      'PROTECTED_VARIABLE',
      'DUPLICATE_VARIABLE',
    ]);
    const levels = refusal(() => importSpecs([...variables, withUndeclaredLevels], ['segmentCode']));
    expect(levels.details[0]).toMatchObject({ path: 'variables[0]', code: 'LEVELS_NOT_DECLARED' });
  });

  it('lays out by default every variable whose columns are known without data', () => {
    const withLearntLevels: ModelVariable = {
      name: 'nickname',
      type: 'string',
      description: 'Levels learnt in training',
      source: { kind: 'profile', path: 'attributes.nickname' },
      missing: { policy: 'skip-rules' },
    };
    const all = importSpecs([...variables, withLearntLevels], undefined);
    expect(all.map((s) => s.variable)).toEqual(expected.variables);
  });

  it('refuses a variable that reads what a protected one does', () => {
    const alias: ModelVariable = {
      name: 'sexAndStatus',
      type: 'string',
      description: 'Reads the protected attribute under another name',
      source: { kind: 'profile', path: 'attributes.personalStatusSex' },
      missing: { policy: 'skip-rules' },
      scale: { kind: 'categorical', levels: ['male_single', 'female_single'] },
    };
    const error = refusal(() => importSpecs([...variables, alias], ['durationMonths', 'sexAndStatus']));
    expect(error.details[0]).toMatchObject({ path: 'variables[1]', code: 'PROTECTED_VARIABLE' });
    expect(importSpecs([...variables, alias], undefined).some((s) => s.variable === 'sexAndStatus')).toBe(
      false,
    );
  });

  it('refuses a model whose columns do not follow the layout', () => {
    const reordered = importSpecs(variables, [...expected.variables].reverse());
    expect(() =>
      importXgboostModel(fixture('model.json'), { featureNames: featureLayout(reordered).columns }),
    ).toThrow(expect.objectContaining({ code: 'FEATURE_MISMATCH' }));
  });

  it('validates the request before reading the model', () => {
    expect(() => parseImportRequest({ format: 'onnx', model: {} })).toThrow(ValidationError);
    expect(parseImportRequest({ format: 'xgboost-json', model: {} })).toMatchObject({ publish: false });
  });
});
