import { describe, expect, it } from 'vitest';
import type {
  Assignment,
  CurrentVersions,
  DecisionFreshness,
  SegmentationJob,
} from '../../shared/domain/ports.js';
import { aggregateTransactions } from '../../shared/domain/segmentation/aggregates.js';
import { expectsOtherVersions } from '../../shared/domain/segmentation/batch.js';
import {
  readDecisionInputs,
  storedDecisionInputs,
} from '../../shared/domain/segmentation/decision-inputs.js';
import {
  firstOutcomeChange,
  inputChanges,
  isDue,
  nextInputChange,
} from '../../shared/domain/segmentation/freshness.js';
import { currentVersions } from '../../shared/domain/segmentation/published-document.js';

const now = new Date('2026-11-25T12:00:00.000Z');

describe('nextInputChange', () => {
  it('is the first window boundary a transaction crosses: entering, leaving 30 days, leaving 90 days', () => {
    // A payment 40 days old leaves the 90-day window in 50 days; one 10 days old leaves 30 days in 20.
    expect(
      nextInputChange({
        now,
        transactionTimes: ['2026-10-16T12:00:00.000Z', '2026-11-15T12:00:00.000Z'],
        responseTimes: [],
      }),
    ).toBe('2026-12-15T12:00:00.001Z');
    // Dated tomorrow: it counts five minutes before its timestamp (clock skew tolerance).
    expect(nextInputChange({ now, transactionTimes: ['2026-11-26T12:00:00.000Z'], responseTimes: [] })).toBe(
      '2026-11-26T11:55:00.001Z',
    );
  });

  it('counts survey responses leaving the 90-day window, pin expiries and cooldown ends', () => {
    const base = { now, transactionTimes: [] };
    expect(nextInputChange({ ...base, responseTimes: ['2026-09-01T00:00:00.000Z'] })).toBe(
      '2026-11-30T00:00:00.001Z',
    );
    expect(nextInputChange({ ...base, responseTimes: [], pinExpiresAt: '2026-11-27T00:00:00.000Z' })).toBe(
      '2026-11-27T00:00:00.001Z',
    );
    expect(
      nextInputChange({
        ...base,
        responseTimes: [],
        held: { since: '2026-11-20T00:00:00.000Z', cooldownDays: 30 },
      }),
    ).toBe('2026-12-20T00:00:00.001Z');
  });

  it('is null when nothing ages: no transactions, responses, pin or cooldown in the windows', () => {
    expect(nextInputChange({ now, transactionTimes: [], responseTimes: [] })).toBeNull();
    // A boundary already behind us is not a future change.
    expect(
      nextInputChange({ now, transactionTimes: ['2026-01-01T00:00:00.000Z'], responseTimes: [] }),
    ).toBeNull();
  });
});

const isoTimes = (moments: ArrayLike<number>) => Array.from(moments, (t) => new Date(t).toISOString());

describe('inputChanges', () => {
  it('lists every future boundary once, in order', () => {
    expect(
      isoTimes(
        inputChanges({
          now,
          transactionTimes: [
            '2026-11-15T12:00:00.000Z',
            '2026-10-16T12:00:00.000Z',
            '2026-11-15T12:00:00.000Z',
          ],
          responseTimes: ['2026-11-15T12:00:00.000Z'],
        }),
      ),
    ).toEqual([
      '2026-12-15T12:00:00.001Z', // 10-day-old payments leave the 30-day window
      '2027-01-14T12:00:00.001Z', // the 40-day-old one leaves 90 days
      '2027-02-13T12:00:00.001Z', // the 10-day-old ones and the response leave 90 days
    ]);
  });

  it('counts a boundary reached this very millisecond: the payment leaves one millisecond later', () => {
    const thirtyDaysAgo = new Date(now.getTime() - 30 * 86_400_000).toISOString();
    expect(isoTimes(inputChanges({ now, transactionTimes: [thirtyDaysAgo] }))[0]).toBe(
      '2026-11-25T12:00:00.001Z',
    );
  });
});

describe('firstOutcomeChange', () => {
  const times = ['2026-12-01T00:00:00.001Z', '2026-12-10T00:00:00.001Z', '2026-12-20T00:00:00.001Z'];
  const moments = times.map((t) => Date.parse(t));
  const segmentOn = (changeFrom: string) => (moment: Date) =>
    moment.toISOString() >= changeFrom ? 'medium' : 'high';

  it('is the first moment whose outcome differs, skipping moments where only the inputs move', () => {
    expect(firstOutcomeChange(moments, 'high', segmentOn('2026-12-10'))).toBe('2026-12-10T00:00:00.001Z');
  });

  it('is null when no boundary changes the outcome', () => {
    expect(firstOutcomeChange(moments, 'high', () => 'high')).toBeNull();
    expect(firstOutcomeChange([], 'high', () => 'low')).toBeNull();
  });

  it('stops at the lookahead and rechecks from there, without evaluating further', () => {
    const seen: string[] = [];
    const outcomeAt = (moment: Date) => {
      seen.push(moment.toISOString());
      return 'high';
    };
    expect(firstOutcomeChange(moments, 'high', outcomeAt, 2)).toBe('2026-12-20T00:00:00.001Z');
    expect(seen).toEqual(times.slice(0, 2));
  });
});

describe('readDecisionInputs', () => {
  it('folds the inputs as they will be at each later boundary, responses leaving their window too', async () => {
    // Prepare: a cash payment 10 days ago and an answer 80 days ago (it leaves the window in 10 days).
    const txns = [
      { timestamp: '2026-11-15T12:00:00.000Z', amountEur: 500, paymentMethod: 'cash', direction: 'in' },
    ];
    const responses = [
      {
        responseKey: '2026-09-06T12:00:00.000Z#d1',
        submittedAt: '2026-09-06T12:00:00.000Z',
        nps: 3,
        themes: [],
      },
    ];
    const deps = {
      transactions: { listSince: async () => txns },
      feedback: { listSince: async () => responses },
      model: { highRiskCountries: new Set<string>() },
    } as unknown as Parameters<typeof readDecisionInputs>[1];
    const profile = { pseudonym: 'k1.x', jurisdictions: ['DE'] } as unknown as Parameters<
      typeof readDecisionInputs
    >[0];

    // Act
    const inputs = await readDecisionInputs(profile, deps, now);
    const [responseLeaves, paymentLeaves30d] = isoTimes(inputs.timeline?.changes ?? []);
    const later = inputs.timeline?.at(new Date(paymentLeaves30d as string));

    // Assess
    expect([responseLeaves, paymentLeaves30d]).toEqual([
      '2026-12-05T12:00:00.001Z',
      '2026-12-15T12:00:00.001Z',
    ]);
    expect(inputs.changesAt).toBe(responseLeaves);
    expect([inputs.feedback?.responses90d, inputs.transactions.volume30d]).toEqual([1, 500]);
    expect([
      later?.feedback?.responses90d,
      later?.transactions.volume30d,
      later?.transactions.volume90d,
    ]).toEqual([0, 0, 500]);
  });
});

describe('isDue', () => {
  const current: CurrentVersions = { model: 'aml@2', scoringModel: 'pred@1', asOf: now.toISOString() };
  const decided: DecisionFreshness = {
    modelId: 'aml',
    modelVersion: 2,
    recheckAt: '2026-12-01T00:00:00.000Z',
    prediction: { model: 'pred@1' },
  };

  it('skips a decision made by the models in use whose inputs have not changed with time', () => {
    expect(isDue(decided, current)).toBe(false);
    expect(isDue({ ...decided, recheckAt: null }, current)).toBe(false);
  });

  it('goes by dueAt where the decision has one: inputs that changed without changing the outcome wait', () => {
    const inputsChanged = { ...decided, recheckAt: '2026-11-25T11:00:00.000Z' };
    expect(isDue({ ...inputsChanged, dueAt: '2026-12-20T00:00:00.001Z' }, current)).toBe(false);
    expect(isDue({ ...inputsChanged, dueAt: null }, current)).toBe(false);
    expect(isDue({ ...decided, dueAt: '2026-11-25T11:59:59.999Z' }, current)).toBe(true);
  });

  it.each<[string, DecisionFreshness | undefined]>([
    ['no decision yet', undefined],
    ['another risk model version', { ...decided, modelVersion: 1 }],
    ['another predictive model', { ...decided, prediction: { model: 'pred@0' } }],
    [
      'no prediction while a predictive model is in use',
      { modelId: 'aml', modelVersion: 2, recheckAt: null },
    ],
    [
      'inputs changed with time, decided by an older release',
      { ...decided, recheckAt: '2026-11-25T11:59:59.999Z' },
    ],
    [
      'stored before decisions carried recheckAt',
      { modelId: 'aml', modelVersion: 2, prediction: { model: 'pred@1' } },
    ],
  ])('re-evaluates a customer with %s', (_, decision) => {
    expect(isDue(decision, current)).toBe(true);
  });
});

describe('currentVersions', () => {
  it('names the published models, or the fallback model and no predictive model before any publication', async () => {
    // Act
    const published = await currentVersions(
      {
        riskModels: { published: async () => ({ modelId: 'aml', version: 4 }) as never },
        scoringModels: { published: async () => ({ modelId: 'pred', version: 2 }) },
      },
      now,
    );
    const none = await currentVersions(
      {
        riskModels: { published: async () => undefined },
        scoringModels: { published: async () => undefined },
      },
      now,
      { modelId: 'aml-default', version: 1 },
    );

    // Assess
    expect(published).toEqual({ model: 'aml@4', scoringModel: 'pred@2', asOf: now.toISOString() });
    expect(none).toEqual({ model: 'aml-default@1', scoringModel: null, asOf: now.toISOString() });
  });
});

describe('expectsOtherVersions', () => {
  const cached = { model: 'aml@2', scoringModel: null };
  const job = (expects?: SegmentationJob['expects']): SegmentationJob => ({
    pseudonym: 'k1.x',
    cause: 'model',
    requestId: 'run-1',
    ...(expects ? { expects } : {}),
  });

  it('asks for a fresh read only when a run found other versions than the worker caches', () => {
    expect(expectsOtherVersions([job(), job(cached)], cached)).toBe(false);
    expect(expectsOtherVersions([job(), job({ model: 'aml@3', scoringModel: null })], cached)).toBe(true);
    expect(expectsOtherVersions([job({ model: 'aml@2', scoringModel: 'pred@1' })], cached)).toBe(true);
  });
});

describe('storedDecisionInputs', () => {
  const features = { customerType: 'individual', jurisdictions: ['DE'], attributes: {}, flags: {} };
  const aggregates = aggregateTransactions([], { now, homeCountries: ['DE'], highRiskCountries: new Set() });
  const previous = {
    recheckAt: null,
    inputs: { profile: features, transactions: { ...aggregates }, counterparties90d: { IR: 2, LU: 1 } },
  } as unknown as Assignment;
  const reuse = (p: Assignment, f: object = features, withFeedback = false) =>
    storedDecisionInputs(p, f, new Set(['IR', 'LU']), withFeedback, now);

  it('reuses the kept aggregates with the high-risk count re-counted under the current list', () => {
    expect(reuse(previous)).toEqual({
      transactions: { ...aggregates, highRiskCountryCount90d: 3 },
      counterparties90d: { IR: 2, LU: 1 },
      changesAt: null,
    });
  });

  it.each<[string, Assignment, object?, boolean?]>([
    ['the kept inputs have aged', { ...previous, recheckAt: '2026-11-25T11:00:00.000Z' }],
    ['the decision predates recheckAt', { ...previous, recheckAt: undefined } as unknown as Assignment],
    ['the profile changed', previous, { ...features, jurisdictions: ['FR'] }],
    ['feedback is read now but was not then', previous, features, true],
    [
      'an aggregate is missing (an older release)',
      { ...previous, inputs: { ...previous.inputs, transactions: { volume30d: 0 } } },
    ],
  ])('reads afresh when %s', (_, p, f, withFeedback) => {
    expect(reuse(p, f, withFeedback)).toBeUndefined();
  });
});
