import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../shared/domain/ports.js';
import { compileModel, loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { checkDraft, unsavedDraft } from '../../shared/domain/risk-model/lifecycle.js';
import { aggregateTransactions } from '../../shared/domain/segmentation/aggregates.js';
import { mergeReports, simulate, withListShifts } from '../../shared/domain/segmentation/simulate.js';
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

describe('a simulation fanned out over scan shards', () => {
  it('merges the parts of the population into exactly the report of the whole', async () => {
    // Prepare: customers in DE and FR; the candidate puts DE on the high-risk list, so some move.
    const population = Array.from({ length: 30 }, (_, i) =>
      storedDecision(
        `k1.${String(i).padStart(43, 'P')}`,
        {
          profile: { ...profile, jurisdictions: [i % 3 === 0 ? 'DE' : 'FR'] },
          transactions: { ...quiet },
          counterparties90d: {},
        },
        { recheckAt: null },
      ),
    );
    const shifts = [{ kind: 'addToList' as const, list: 'highRiskCountries', values: ['DE'] }];
    const candidate = compileModel(withListShifts(loadDefaultModel(), shifts));

    // Act
    const whole = await simulate(candidate, pages(population), shifts, { now, sampleSize: 5 });
    const parts = await Promise.all(
      [population.slice(0, 7), population.slice(7, 19), population.slice(19)].map((part) =>
        simulate(candidate, pages(part), shifts, { now, sampleSize: 5, partial: true }),
      ),
    );
    const merged = mergeReports(parts, 5);

    // Assess
    expect(whole.moved).toBeGreaterThan(0);
    expect(merged).toEqual(whole);
  });
});

describe('an unsaved draft, as POST /v1/risk-models/simulate runs it', () => {
  // A client cannot set a draft's version, status or creation time: /validate ignores them, so must simulate.
  const draft = (metadata: Record<string, unknown>) => ({
    ...structuredClone(loadDefaultModel()),
    version: undefined,
    status: undefined,
    metadata: { author: 'compliance@bank.example', changeNote: 'Try a change', ...metadata },
  });

  it('compiles whenever /validate calls it valid, whatever metadata.createdAt the client sent', () => {
    for (const createdAt of [undefined, '', 'yesterday']) {
      // Prepare
      const input = draft(createdAt === undefined ? {} : { createdAt });
      expect(checkDraft(input, now)).toEqual([]);

      // Act
      const document = unsavedDraft(input, now);

      // Assess: what the handler compiles (an unsaved draft is version 0, compiled as 1)
      expect(document).toMatchObject({
        version: 0,
        status: 'draft',
        metadata: { createdAt: now.toISOString() },
      });
      expect(() => compileModel({ ...document, version: 1 })).not.toThrow();
    }
  });

  it('refuses what /validate refuses, with the same paths, as a 400', () => {
    const input = { ...draft({}), segments: [] };
    const paths = checkDraft(input, now).map((i) => i.path);
    expect(paths).toContain('segments');

    expect(() => unsavedDraft(input, now)).toThrow(
      expect.objectContaining({
        status: 400,
        details: paths.map((path) => expect.objectContaining({ path })),
      }),
    );
  });
});
