import { describe, expect, it } from 'vitest';
import {
  buildFeatureSpecs,
  type FeatureSource,
  featureNames,
  OTHER_CATEGORY,
  vectorise,
} from '../../shared/domain/scoring/features.js';

const customer = (
  attributes: Record<string, number | string | boolean>,
  extra: Partial<FeatureSource['profile']> = {},
  transactions?: Record<string, number>,
): FeatureSource => ({
  profile: { customerType: 'individual', jurisdictions: ['DE'], attributes, flags: {}, ...extra },
  ...(transactions ? { transactions } : {}),
});

describe('buildFeatureSpecs and vectorise', () => {
  it('passes numbers through and imputes missing or non-finite values with the training mean', () => {
    const samples = [customer({ income: 10 }), customer({ income: 30 }), customer({})];
    const specs = buildFeatureSpecs(samples).filter((s) => s.name === 'attributes.income');
    expect(specs).toEqual([
      {
        kind: 'numeric',
        name: 'attributes.income',
        source: { kind: 'profile', path: 'attributes.income' },
        mean: 20,
      },
    ]);
    expect(vectorise(specs, customer({ income: 5 }))).toEqual([5]);
    expect(vectorise(specs, customer({}))).toEqual([20]);
    expect(vectorise(specs, customer({ income: 'n/a' }))).toEqual([20]);
  });

  it('turns booleans into 0/1 and imputes the share of true', () => {
    const samples = [
      customer({ owner: true }),
      customer({ owner: false }),
      customer({ owner: true }),
      customer({}),
    ];
    const specs = buildFeatureSpecs(samples).filter((s) => s.name === 'attributes.owner');
    expect(vectorise(specs, customer({ owner: true }))).toEqual([1]);
    expect(vectorise(specs, customer({ owner: false }))).toEqual([0]);
    expect(vectorise(specs, customer({}))[0]).toBeCloseTo(2 / 3, 12);
  });

  it('one-hot encodes strings over the training categories, rare, unseen and missing going to (other)', () => {
    const samples = [
      ...Array.from({ length: 6 }, () => customer({ purpose: 'car' })),
      ...Array.from({ length: 5 }, () => customer({ purpose: 'education' })),
      customer({ purpose: 'yacht' }),
    ];
    const specs = buildFeatureSpecs(samples).filter((s) => s.name === 'attributes.purpose');
    expect(featureNames(specs)).toEqual([
      'attributes.purpose=car',
      'attributes.purpose=education',
      `attributes.purpose=${OTHER_CATEGORY}`,
    ]);
    expect(vectorise(specs, customer({ purpose: 'education' }))).toEqual([0, 1, 0]);
    expect(vectorise(specs, customer({ purpose: 'yacht' }))).toEqual([0, 0, 1]);
    expect(vectorise(specs, customer({ purpose: 'spaceship' }))).toEqual([0, 0, 1]);
    expect(vectorise(specs, customer({}))).toEqual([0, 0, 1]);
    const all = buildFeatureSpecs(samples, { minCategoryCount: 1, maxCategories: 2 });
    expect(all.find((s) => s.name === 'attributes.purpose')).toMatchObject({
      categories: ['car', 'education'],
    });
  });

  it('encodes jurisdictions multi-hot and reads flags and transaction aggregates', () => {
    const samples = Array.from({ length: 5 }, (_, i) =>
      customer(
        {},
        { jurisdictions: i < 4 ? ['DE', 'FR'] : ['DE'], flags: { pep: i === 0, priorIncidents: i } },
        {
          volume90d: 100 * i,
        },
      ),
    );
    const specs = buildFeatureSpecs(samples, { minCategoryCount: 4 });
    expect(featureNames(specs)).toEqual([
      'customerType=individual',
      `customerType=${OTHER_CATEGORY}`,
      'flags.pep',
      'flags.priorIncidents',
      'jurisdictions=DE',
      'jurisdictions=FR',
      `jurisdictions=${OTHER_CATEGORY}`,
      'transactions.volume90d',
    ]);
    const v = vectorise(
      specs,
      customer({}, { jurisdictions: ['FR', 'IR'], flags: { pep: true } }, { volume90d: 5 }),
    );
    expect(v).toEqual([1, 0, 1, 2, 0, 1, 1, 5]);
    expect(specs.find((s) => s.name === 'transactions.volume90d')?.source).toEqual({
      kind: 'transactions',
      path: 'volume90d',
    });
  });

  it('leaves protected variables out, by bare name or by path', () => {
    const samples = [
      customer({ age: 40, gender: 'f', income: 1 }),
      customer({ age: 30, gender: 'm', income: 2 }),
    ];
    const names = featureNames(buildFeatureSpecs(samples, { exclude: ['age', 'attributes.gender'] }));
    expect(names).toContain('attributes.income');
    expect(names.some((n) => n.includes('age') || n.includes('gender'))).toBe(false);
  });

  it('does not depend on sample order and lines vectors up with the names', () => {
    const samples = [
      customer({ b: 1, a: 'x' }),
      customer({ a: 'y', c: true }),
      ...Array.from({ length: 5 }, () => customer({ a: 'x' })),
    ];
    const specs = buildFeatureSpecs(samples);
    expect(buildFeatureSpecs([...samples].reverse())).toEqual(specs);
    expect(vectorise(specs, customer({ b: 3 }))).toHaveLength(featureNames(specs).length);
  });

  it('never reads inherited properties', () => {
    const specs = buildFeatureSpecs([customer({ n: 1 }), customer({ n: 3 })]).filter(
      (s) => s.kind === 'numeric',
    );
    const forged = {
      ...specs[0],
      source: { kind: 'profile', path: 'attributes.__proto__' },
    } as (typeof specs)[0];
    expect(vectorise([forged], customer({ n: 9 }))).toEqual([2]);
  });
});
