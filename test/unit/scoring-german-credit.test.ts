/**
 * Real data: the 1,000 labelled applicants of UCI Statlog German Credit, decoded into riskloop
 * customers and audit outcomes, scored by logistic regression without the protected attributes.
 * The metric floors are justified in docs/examples/german-credit.md.
 */
import { describe, expect, it } from 'vitest';
import { customerRecord } from '../../shared/domain/schemas.js';
import {
  buildFeatureSpecs,
  evaluateScores,
  featureNames,
  parseScoringModel,
  predict,
  predictProbability,
  trainLogistic,
  trainValidationSplit,
  vectorise,
} from '../../shared/domain/scoring/index.js';
import {
  GERMAN_CREDIT_ATTRIBUTES,
  germanCreditCsvPath,
  loadGermanCredit,
  PROTECTED_ATTRIBUTES,
  toFeatureSource,
} from '../helpers/german-credit.js';

const data = loadGermanCredit();

/**
 * Floors. Published logistic-regression results on this data set reach a ROC AUC of about 0.75-0.80.
 * Over 200 seeded 70/30 stratified splits this pipeline (protected attributes excluded, l2 = 0.01)
 * scored 0.719-0.832 (mean 0.776, SD 0.023); a 300-row validation set with 90 positives has an AUC
 * standard error of about 0.03 (Hanley-McNeil). 0.70 sits below the worst of those splits and 2.4-3.2
 * standard errors under the mean, so it fails on a real defect (a flipped label, a broken encoding),
 * not on sampling noise. Seed 1 measures 0.805.
 */
const AUC_FLOOR = 0.7;
/**
 * Capture rates must beat random review (which finds 5 / 10 / 20 % of issues) by half as much again.
 * The worst of the 200 splits still reached 1.56× / 1.78× / 1.61× random. The ceiling at 5 % is only
 * 0.05 / 0.30 ≈ 17 %, because 30 % of applicants are bad: a 5 % budget cannot hold most of them.
 */
const CAPTURE_LIFT_FLOOR = 1.5;
const SPLIT_SEED = 1;

describe('German Credit as riskloop input', () => {
  it('maps every row to a valid customer record and an audit outcome', () => {
    expect(data.customers).toHaveLength(1_000);
    for (const record of data.customers) {
      const parsed = customerRecord.safeParse(record);
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    }
    expect(new Set(data.customers.map((c) => c.externalId)).size).toBe(1_000);
    expect(data.outcomes.filter((o) => o.outcome === 'issue')).toHaveLength(300);
    expect(data.outcomes[1]).toEqual({
      externalId: 'GC-2',
      outcome: 'issue',
      date: '2026-01-01',
      source: 'EXTERNAL_AUDIT',
    });
  });

  it('decodes the codes as german.names describes', () => {
    // Line 1: A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201,1
    expect(data.customers[0]).toMatchObject({
      externalId: 'GC-1',
      type: 'individual',
      jurisdictions: ['DE'],
      attributes: {
        checkingAccountStatus: 'below_0_dm',
        durationMonths: 6,
        creditHistory: 'critical_or_credits_elsewhere',
        purpose: 'radio_television',
        creditAmount: 1169,
        savings: 'unknown_or_none',
        employmentSince: 'at_least_7_years',
        installmentRate: 4,
        personalStatusSex: 'male_single',
        otherDebtors: 'none',
        residenceSince: 4,
        property: 'real_estate',
        age: 67,
        otherInstallmentPlans: 'none',
        housing: 'own',
        existingCredits: 2,
        job: 'skilled_employee_official',
        peopleLiable: 1,
        telephone: true,
        foreignWorker: true,
      },
      lawfulBasis: { risk_assessment: { basis: 'legal_obligation' } },
    });
    expect(GERMAN_CREDIT_ATTRIBUTES.filter((a) => a.protected).map((a) => a.name)).toEqual([
      ...PROTECTED_ATTRIBUTES,
    ]);
  });

  it('finds the file through RISKLOOP_GERMAN_CREDIT_CSV when set', () => {
    const previous = process.env.RISKLOOP_GERMAN_CREDIT_CSV;
    try {
      process.env.RISKLOOP_GERMAN_CREDIT_CSV = '/elsewhere/german.csv';
      expect(germanCreditCsvPath()).toBe('/elsewhere/german.csv');
    } finally {
      if (previous === undefined) delete process.env.RISKLOOP_GERMAN_CREDIT_CSV;
      else process.env.RISKLOOP_GERMAN_CREDIT_CSV = previous;
    }
  });
});

describe('Predictive scoring on German Credit', () => {
  const labelled = data.customers.map((record, i) => ({
    source: toFeatureSource(record),
    label: data.outcomes[i]?.outcome === 'issue' ? (1 as const) : (0 as const),
  }));
  const { training, validation } = trainValidationSplit(labelled, 0.3, SPLIT_SEED);
  const specs = buildFeatureSpecs(
    training.map((t) => t.source),
    { exclude: PROTECTED_ATTRIBUTES },
  );
  const names = featureNames(specs);
  const model = trainLogistic(
    training.map((t) => ({ features: vectorise(specs, t.source), label: t.label })),
    { featureNames: names, trainedAt: '2026-01-01T00:00:00Z', version: 1 },
  );
  const scores = validation.map((v) => predictProbability(model, vectorise(specs, v.source)));
  const metrics = evaluateScores(
    scores,
    validation.map((v) => v.label),
  );

  it('splits 70/30 keeping the 30 % bad rate in both parts', () => {
    expect(training).toHaveLength(700);
    expect(validation).toHaveLength(300);
    expect(validation.filter((v) => v.label === 1)).toHaveLength(90);
  });

  it('never uses a protected attribute', () => {
    for (const name of PROTECTED_ATTRIBUTES) {
      expect(names.some((n) => n === `attributes.${name}` || n.startsWith(`attributes.${name}=`))).toBe(
        false,
      );
    }
    expect(names).toContain('attributes.durationMonths');
    expect(names).toContain('attributes.checkingAccountStatus=no_checking_account');
  });

  it(`reaches a validation AUC above ${AUC_FLOOR}`, () => {
    expect(model.metrics?.converged).toBe(true);
    expect(metrics.auc).toBeGreaterThan(AUC_FLOOR);
  });

  it('captures more issues in the top 5 / 10 / 20 % than random review', () => {
    expect(metrics.captureRates.top5).toBeGreaterThan(0.05 * CAPTURE_LIFT_FLOOR);
    expect(metrics.captureRates.top10).toBeGreaterThan(0.1 * CAPTURE_LIFT_FLOOR);
    expect(metrics.captureRates.top20).toBeGreaterThan(0.2 * CAPTURE_LIFT_FLOOR);
  });

  it('stores its validation metrics and explains each prediction', () => {
    const stored = parseScoringModel(
      JSON.parse(JSON.stringify({ ...model, metrics: { ...model.metrics, validation: metrics } })),
    );
    if (stored.kind !== 'logistic') throw new Error('read back as another kind of model');
    expect(stored.metrics?.validation?.auc).toBe(metrics.auc);
    const explained = predict(stored, vectorise(specs, (validation[0] as (typeof validation)[0]).source));
    const sum = explained.contributions.reduce((s, c) => s + c.contribution, explained.intercept);
    expect(sum).toBeCloseTo(explained.logOdds, 10);
    expect(explained.contributions).toHaveLength(names.length);
  });
});
