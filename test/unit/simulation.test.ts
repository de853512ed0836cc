import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../shared/domain/ports.js';
import { compileModel, loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { aggregateTransactions } from '../../shared/domain/segmentation/aggregates.js';
import { simulate } from '../../shared/domain/segmentation/simulate.js';
import { storedDecision } from '../helpers/fixtures.js';

const now = new Date('2026-12-06T12:00:00.000Z');
const quiet = aggregateTransactions([], { now, homeCountries: ['DE'], highRiskCountries: new Set() });

const profile = { customerType: 'individual', jurisdictions: ['DE'], attributes: {}, flags: {} };
const decision = (n: number, recheckAt: string | null | undefined) =>
  storedDecision(
    `k1.${String(n).padStart(43, 'S')}`,
    { profile, transactions: { ...quiet }, counterparties90d: {} },
    recheckAt === undefined ? {} : { recheckAt },
  );

async function* pages(assignments: Assignment[]) {
  yield assignments;
}

describe('simulate', () => {
  it('counts the customers evaluated on inputs that have aged since they were recorded', async () => {
    // Prepare: inputs exact until later, for ever, aged an hour ago, and from before recheckAt
    // existed (unknown: counted as aged).
    const population = [
      decision(1, '2026-12-20T00:00:00.001Z'),
      decision(2, null),
      decision(3, '2026-12-06T11:00:00.000Z'),
      decision(4, undefined),
    ];

    // Act
    const report = await simulate(compileModel(loadDefaultModel()), pages(population), [], { now });

    // Assess
    expect(report).toMatchObject({ population: 4, evaluated: 4, evaluatedOnAgedInputs: 2 });
  });
});
