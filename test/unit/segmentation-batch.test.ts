import { describe, expect, it } from 'vitest';
import type {
  Assignment,
  AuditEvent,
  Override,
  RecheckRefresh,
  SegmentationJob,
  StoredProfile,
  StoredTransaction,
} from '../../shared/domain/ports.js';
import { RuleEvaluationError } from '../../shared/domain/risk-model/index.js';
import { type BatchSegmentationDeps, segmentBatch } from '../../shared/domain/segmentation/batch.js';
import {
  ConcurrentAssignmentError,
  ProfileNotFoundError,
  StaleModelError,
} from '../../shared/domain/segmentation/segment-customer.js';

const pseudonym = (n: number) => `k1.${String(n).padStart(43, 'A')}`;

function profile(n: number, jurisdictions = ['DE']): StoredProfile {
  return {
    pseudonym: pseudonym(n),
    macKeyVersion: 'k1',
    customerType: 'individual',
    jurisdictions,
    attributes: {},
    flags: {},
    lawfulBasis: {},
    contentDigest: `d${n}`,
    version: 1,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
  };
}

/** A new payment of customer 1: cash, just under a reporting threshold. */
const cashPayment = (): StoredTransaction =>
  ({
    pseudonym: pseudonym(1),
    timestamp: '2026-11-25T11:00:00.000Z',
    amountEur: 9_500,
    paymentMethod: 'cash',
  }) as StoredTransaction;

/** In-memory ports plus a model that scores 60 for IR residents, 10 more from EUR 1,000 in 30 days. */
function fakes(profiles: StoredProfile[], pins: Override[] = []) {
  const assignments = new Map<string, Assignment>();
  const audit: AuditEvent[] = [];
  const calls = { evaluate: 0, commitMany: 0, getManyProfiles: 0 };
  const refreshed: RecheckRefresh[] = [];
  const txns: StoredTransaction[] = [];
  /** Transaction reads, and whether each was strongly consistent (the adapters' default). */
  const reads = { transactions: 0, consistent: [] as boolean[] };
  let conflictFor: string | undefined;
  let now = new Date('2026-11-25T12:00:00Z');
  const deps: BatchSegmentationDeps = {
    profiles: {
      getMany: async (keys) => {
        calls.getManyProfiles++;
        return new Map(profiles.filter((p) => keys.includes(p.pseudonym)).map((p) => [p.pseudonym, p]));
      },
    },
    transactions: {
      listSince: async (p, _since, consistent = true) => {
        reads.transactions++;
        reads.consistent.push(consistent);
        return txns.filter((t) => t.pseudonym === p);
      },
    },
    overrides: {
      getMany: async (keys) =>
        new Map(pins.filter((p) => keys.includes(p.pseudonym)).map((p) => [p.pseudonym, p])),
    },
    assignments: {
      get: async (p) => assignments.get(p),
      getMany: async (keys) =>
        new Map(keys.flatMap((k) => (assignments.has(k) ? [[k, assignments.get(k) as Assignment]] : []))),
      commitMany: async (decisions) => {
        calls.commitMany++;
        return decisions.map((d) => {
          if (d.assignment.pseudonym === conflictFor) return 'conflict';
          assignments.set(d.assignment.pseudonym, d.assignment);
          audit.push(d.audit);
          return 'committed';
        });
      },
      refreshRecheckAt: async (updates) => {
        refreshed.push(...updates);
        for (const u of updates) {
          const stored = assignments.get(u.pseudonym);
          if (stored?.revision === u.revision)
            Object.assign(stored, { recheckAt: u.recheckAt, dueAt: u.dueAt });
        }
      },
    },
    model: {
      modelId: 'test-model',
      version: 3,
      highRiskCountries: new Set(['IR']),
      policyOf: (s) => `POLICY-${s}`,
      severityOf: (s) => ['low', 'medium', 'high', 'critical'].indexOf(s),
      downgradeCooldownDays: 30,
      evaluate: (sources) => {
        calls.evaluate++;
        const risky = (sources.profile as { jurisdictions: string[] }).jurisdictions.includes('IR');
        const busy = ((sources.transactions as { volume30d?: number }).volume30d ?? 0) >= 1000;
        return {
          score: (risky ? 60 : 0) + (busy ? 10 : 0),
          segment: risky ? 'high' : 'low',
          firedRules: [
            ...(risky ? [{ ruleId: 'geo', points: 60, reasonCode: 'HIGH_RISK_JURISDICTION' }] : []),
            ...(busy ? [{ ruleId: 'volume', points: 10, reasonCode: 'HIGH_VOLUME' }] : []),
          ],
          missingVariables: [],
          listsAsOf: { highRiskCountries: '2025-10-24' },
        };
      },
    },
    now: () => now,
  };
  return {
    deps,
    assignments,
    audit,
    calls,
    refreshed,
    txns,
    reads,
    conflictOn: (p: string) => (conflictFor = p),
    at: (iso: string) => (now = new Date(iso)),
  };
}

const job = (n: number): SegmentationJob => ({ pseudonym: pseudonym(n), cause: 'profile', requestId: 'r1' });

/** A card payment of customer n on 20 Nov 2026 (it leaves the 30-day window on 20 Dec). */
const payment = (n: number, amountEur: number, extra: Partial<StoredTransaction> = {}) =>
  ({
    pseudonym: pseudonym(n),
    timestamp: '2026-11-20T00:00:00.000Z',
    amountEur,
    paymentMethod: 'card',
    ...extra,
  }) as StoredTransaction;

describe('segmentBatch', () => {
  it('assigns each customer once, with an audit record per decision, in one commit', async () => {
    // Prepare
    const f = fakes([profile(1), profile(2, ['IR'])]);

    // Act
    const outcomes = await segmentBatch([job(1), job(2), job(1)], f.deps);

    // Assess
    expect(outcomes.get(pseudonym(1))).toBe('assigned');
    expect(outcomes.get(pseudonym(2))).toBe('assigned');
    expect(f.calls).toEqual({ evaluate: 2, commitMany: 1, getManyProfiles: 1 });
    expect(f.assignments.get(pseudonym(2))).toMatchObject({
      segment: 'high',
      policyRef: 'POLICY-high',
      reasonCodes: ['HIGH_RISK_JURISDICTION'],
      modelVersion: 3,
      revision: 1,
      previousSegment: null,
    });
    expect(f.audit.map((a) => [a.subject, a.action, a.modelVersion])).toEqual([
      [pseudonym(1), 'segment.assigned', 'test-model@3'],
      [pseudonym(2), 'segment.assigned', 'test-model@3'],
    ]);
  });

  it('writes nothing when the inputs are unchanged (redelivery, re-sent record)', async () => {
    // Prepare
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);

    // Act
    const outcomes = await segmentBatch([job(1)], f.deps);

    // Assess
    expect(outcomes.get(pseudonym(1))).toBe('unchanged');
    expect(f.audit).toHaveLength(1);
    expect(f.calls.commitMany).toBe(1);
  });

  it('rechecks when the outcome can change: a rule stops firing, a pin expires, or never', async () => {
    // Prepare: customers 1 and 4 paid 6 days ago, so both payments leave the 30-day window on
    // 20 Dec; customer 1's EUR 1,500 fires the volume rule until then, customer 4's EUR 100 fires
    // nothing. Customer 2 is pinned until 1 Dec and paid too; customer 3 has nothing that ages.
    const pin: Override = {
      pseudonym: pseudonym(2),
      segment: 'high',
      reasonCode: 'ADVERSE_MEDIA',
      schemaVersion: 2,
      expiresAt: '2026-12-01T00:00:00.000Z',
      pinnedBy: 'officer-1',
      pinnedAt: '2026-11-24T00:00:00.000Z',
    };
    const f = fakes([profile(1), profile(2), profile(3), profile(4)], [pin]);
    for (const [n, amountEur] of [
      [1, 1500],
      [2, 100],
      [4, 100],
    ] as const) {
      f.txns.push(payment(n, amountEur));
    }

    // Act
    await segmentBatch([job(1), job(2), job(3), job(4)], f.deps);

    // Assess: the inputs of 1, 2 and 4 change on 20 Dec; only 1's outcome does, and 2's pin ends first.
    const times = [1, 2, 3, 4].map((n) => {
      const { recheckAt, dueAt } = f.assignments.get(pseudonym(n)) as Assignment;
      return { recheckAt, dueAt };
    });
    expect(times).toEqual([
      { recheckAt: '2026-12-20T00:00:00.001Z', dueAt: '2026-12-20T00:00:00.001Z' },
      { recheckAt: '2026-12-01T00:00:00.001Z', dueAt: '2026-12-01T00:00:00.001Z' },
      { recheckAt: null, dueAt: null },
      { recheckAt: '2026-12-20T00:00:00.001Z', dueAt: null },
    ]);
  });

  it('rechecks at a boundary where a rule would fail, and still decides now; other errors fail now', async () => {
    // Prepare: a model whose rule fails once the 30-day window is empty (say, a ratio over
    // count30d), and one with a bug that throws a TypeError there.
    const failingWhenQuiet = (error: Error) => {
      const f = fakes([profile(1)]);
      f.txns.push(payment(1, 100));
      const model = {
        ...f.deps.model,
        evaluate: (sources: Parameters<typeof f.deps.model.evaluate>[0]) => {
          if ((sources.transactions as { count30d: number }).count30d === 0) throw error;
          return f.deps.model.evaluate(sources);
        },
      };
      return { f, deps: { ...f.deps, model } };
    };
    const rule = failingWhenQuiet(new RuleEvaluationError('ratio', 'division_by_zero'));
    const bug = failingWhenQuiet(new TypeError('x is undefined'));

    // Act
    const ruleOutcomes = await segmentBatch([job(1)], rule.deps);
    const bugOutcomes = await segmentBatch([job(1)], bug.deps);

    // Assess
    expect(ruleOutcomes.get(pseudonym(1))).toBe('assigned');
    expect(rule.f.assignments.get(pseudonym(1))?.dueAt).toBe('2026-12-20T00:00:00.001Z');
    expect(bugOutcomes.get(pseudonym(1))).toBeInstanceOf(TypeError);
    expect(bug.f.assignments.has(pseudonym(1))).toBe(false);
  });

  it('keeps the stored dueAt of an unchanged decision without looking ahead again', async () => {
    // Prepare: decided once; its payment leaves the 30-day window on 20 Dec (dueAt then).
    const f = fakes([profile(1)]);
    f.txns.push(payment(1, 1500));
    await segmentBatch([job(1)], f.deps);
    const evaluations = f.calls.evaluate;

    // Act: a redelivery with nothing changed
    const outcomes = await segmentBatch([job(1)], f.deps);

    // Assess: one evaluation (now), none at later boundaries; nothing to refresh.
    expect(outcomes.get(pseudonym(1))).toBe('unchanged');
    expect(f.calls.evaluate - evaluations).toBe(1);
    expect(f.assignments.get(pseudonym(1))?.dueAt).toBe('2026-12-20T00:00:00.001Z');
    expect(f.refreshed).toEqual([]);
  });

  it('reads afresh for a run job when the decision was made by the models in use', async () => {
    // Prepare: due because a pin expired, say; the kept inputs are exact but carry no history.
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    f.reads.transactions = 0;
    const byRun = { ...job(1), runId: 'run-1', expects: { model: 'test-model@3', scoringModel: null } };

    // Act
    await segmentBatch([byRun], f.deps);

    // Assess: read, so the decision can look ahead for its next outcome change.
    expect(f.reads.transactions).toBe(1);
  });

  it('stores a missing recheckAt once on a decision that is otherwise unchanged', async () => {
    // Prepare: a decision stored before decisions carried recheckAt.
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    delete f.assignments.get(pseudonym(1))?.recheckAt;

    // Act
    const first = await segmentBatch([job(1)], f.deps);
    const second = await segmentBatch([job(1)], f.deps);

    // Assess: one small update, no new decision or audit record.
    expect([first.get(pseudonym(1)), second.get(pseudonym(1))]).toEqual(['unchanged', 'unchanged']);
    expect(f.refreshed).toEqual([{ pseudonym: pseudonym(1), revision: 1, recheckAt: null, dueAt: null }]);
    expect(f.audit).toHaveLength(1);
  });

  it('decides a customer queued because a model changed from the inputs kept with its decision', async () => {
    // Prepare: decided under version 3 with one payment to Luxembourg; version 4 lists LU as high risk.
    const f = fakes([profile(1)]);
    f.txns.push(payment(1, 100, { counterpartyCountry: 'LU' }));
    await segmentBatch([job(1)], f.deps);
    const v4 = { ...f.deps.model, version: 4, highRiskCountries: new Set(['IR', 'LU']) };
    const queuedByRun: SegmentationJob = {
      ...job(1),
      cause: 'model',
      runId: 'run-publish',
      expects: { model: 'test-model@4', scoringModel: null },
    };
    f.reads.transactions = 0;

    // Act
    const outcomes = await segmentBatch([queuedByRun], { ...f.deps, model: v4 });

    // Assess: no transaction read; the high-risk count re-counted under the new list.
    expect(outcomes.get(pseudonym(1))).toBe('confirmed');
    expect(f.reads.transactions).toBe(0);
    expect(f.assignments.get(pseudonym(1))).toMatchObject({
      modelVersion: 4,
      // Kept inputs carry no history: the recheck is when they stop being exact.
      recheckAt: '2026-12-20T00:00:00.001Z',
      dueAt: '2026-12-20T00:00:00.001Z',
      inputs: { counterparties90d: { LU: 1 }, transactions: { count30d: 1, highRiskCountryCount90d: 1 } },
    });
  });

  it('reads the inputs afresh for a trigger, and for a run once the kept inputs have aged', async () => {
    // Prepare
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    const stored = f.assignments.get(pseudonym(1)) as Assignment;
    const v4 = { ...f.deps.model, version: 4 };
    const byRun = { ...job(1), runId: 'run-1', expects: { model: 'test-model@4', scoringModel: null } };
    f.reads.transactions = 0;
    f.reads.consistent = [];

    // Act: a trigger (no expectations); then a run after the kept inputs changed with time.
    await segmentBatch([job(1)], { ...f.deps, model: v4 });
    stored.recheckAt = '2026-11-01T00:00:00.000Z';
    f.assignments.set(pseudonym(1), { ...stored, modelVersion: 3, inputDigest: 'older' });
    await segmentBatch([byRun], { ...f.deps, model: v4 });

    // Assess: the trigger read strongly; the run read an eventually consistent copy first and,
    // having a decision to write, read again strongly before deciding.
    expect(f.reads.consistent).toEqual([true, false, true]);
  });

  it("lets a run's job whose inputs did not move read eventually consistent copies only, and write nothing", async () => {
    // Prepare: decided once; a run over everyone with the same model finds the inputs as they were.
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    const consistency: boolean[] = [];
    const deps: BatchSegmentationDeps = {
      ...f.deps,
      profiles: {
        getMany: (keys, consistent = true) => {
          consistency.push(consistent);
          return f.deps.profiles.getMany(keys);
        },
      },
      assignments: {
        ...f.deps.assignments,
        getMany: (keys, consistent = true) => {
          consistency.push(consistent);
          return f.deps.assignments.getMany(keys);
        },
      },
    };
    f.reads.consistent = [];
    const commits = f.calls.commitMany;
    const byRun = { ...job(1), runId: 'run-1', expects: { model: 'test-model@3', scoringModel: null } };

    // Act
    const results = await segmentBatch([byRun], deps);

    // Assess
    expect(results.get(pseudonym(1))).toBe('unchanged');
    expect([...consistency, ...f.reads.consistent].every((c) => c === false)).toBe(true);
    expect(consistency.length).toBeGreaterThan(0);
    expect(f.calls.commitMany).toBe(commits);
  });

  it('reads afresh when a trigger and a run queued the same customer in one batch', async () => {
    // Prepare: decided under version 3; a new payment arrives while the run for version 4 is queued.
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    f.txns.push(cashPayment());
    const byRun = { ...job(1), runId: 'run-1', expects: { model: 'test-model@4', scoringModel: null } };
    const byTrigger = { ...job(1), cause: 'transactions' as const };
    f.reads.transactions = 0;

    // Act: the run's job comes last in the batch.
    await segmentBatch([byTrigger, byRun], { ...f.deps, model: { ...f.deps.model, version: 4 } });

    // Assess: the new payment is in the decision.
    expect(f.reads.transactions).toBe(1);
    expect(f.assignments.get(pseudonym(1))?.inputs.transactions).toMatchObject({
      count30d: 1,
      nearThresholdCashCount30d: 1,
    });
  });

  it('lets a trigger win over a run by hand in one batch, and reads its inputs strongly', async () => {
    // Prepare: a new payment arrives while a run by hand (runId, no expectations) is queued.
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    f.txns.push(cashPayment());
    f.reads.consistent = [];

    // Act: the run's job comes last in the batch.
    await segmentBatch(
      [
        { ...job(1), cause: 'transactions' },
        { ...job(1), cause: 'manual', runId: 'run-2' },
      ],
      f.deps,
    );

    // Assess
    expect(f.reads.consistent).toEqual([true]);
    expect(f.assignments.get(pseudonym(1))?.inputs.transactions).toMatchObject({ count30d: 1 });
  });

  it("refuses to decide with cached models other than the stored decision's, and survives a failed recheckAt write", async () => {
    // Prepare: customer 1's stored decision names version 5 (a publication this container's cache
    // has not seen); customer 2's was made by the cached models.
    const f = fakes([profile(1), profile(2)]);
    await segmentBatch([job(1), job(2)], f.deps);
    delete f.assignments.get(pseudonym(2))?.recheckAt;
    const failing = {
      ...f.deps.assignments,
      refreshRecheckAt: async () => {
        throw new Error('throttled');
      },
    };
    f.assignments.set(pseudonym(1), { ...(f.assignments.get(pseudonym(1)) as Assignment), modelVersion: 5 });

    // Act
    const cached = await segmentBatch([job(1), job(2)], {
      ...f.deps,
      assignments: failing,
      modelsCached: true,
    });
    const readAfresh = await segmentBatch([job(1)], f.deps);

    // Assess: with models read afresh (not cached), the customer is decided (same inputs: unchanged).
    expect(cached.get(pseudonym(1))).toBeInstanceOf(StaleModelError);
    expect(cached.get(pseudonym(2))).toBe('unchanged');
    expect(readAfresh.get(pseudonym(1))).toBe('unchanged');
  });

  it('records a change with the previous segment and a new revision', async () => {
    // Prepare
    const f = fakes([profile(1)]);
    await segmentBatch([job(1)], f.deps);
    const moved = fakes([profile(1, ['IR'])]);
    for (const [k, v] of f.assignments) moved.assignments.set(k, v);

    // Act
    const outcomes = await segmentBatch([job(1)], moved.deps);

    // Assess
    expect(outcomes.get(pseudonym(1))).toBe('changed');
    expect(moved.assignments.get(pseudonym(1))).toMatchObject({
      segment: 'high',
      previousSegment: 'low',
      revision: 2,
    });
    expect(moved.audit[0]?.details).toMatchObject({ before: { segment: 'low' }, after: { segment: 'high' } });
    expect(moved.audit[0]?.eventId).toMatch(/^segment#00000002#/);
  });

  it('fails only the customers that are missing or lost a race', async () => {
    // Prepare
    const f = fakes([profile(1), profile(2)]);
    f.conflictOn(pseudonym(2));

    // Act
    const outcomes = await segmentBatch([job(1), job(2), job(3)], f.deps);

    // Assess
    expect(outcomes.get(pseudonym(1))).toBe('assigned');
    expect(outcomes.get(pseudonym(2))).toBeInstanceOf(ConcurrentAssignmentError);
    expect(outcomes.get(pseudonym(3))).toBeInstanceOf(ProfileNotFoundError);
    expect([...f.assignments.keys()]).toEqual([pseudonym(1)]);
  });

  it('acknowledges a job whose subject was erased after it was queued, and still fails an orphan', async () => {
    // Prepare: pseudonym 2 was erased (the audit trail says so); pseudonym 3 never existed.
    const f = fakes([profile(1)]);
    const wasErased = async (p: string) => p === pseudonym(2);

    // Act
    const outcomes = await segmentBatch([job(1), job(2), job(3)], { ...f.deps, wasErased });

    // Assess
    expect(outcomes.get(pseudonym(1))).toBe('assigned');
    expect(outcomes.get(pseudonym(2))).toBe('erased');
    expect(outcomes.get(pseudonym(3))).toBeInstanceOf(ProfileNotFoundError);
    expect([...f.assignments.keys()]).toEqual([pseudonym(1)]);
  });

  it('keeps a pinned segment in force, records the model view, and lets the model decide after expiry', async () => {
    // Prepare: the model says high (IR), an officer pinned low until 1 December.
    const pin: Override = {
      pseudonym: pseudonym(1),
      segment: 'low',
      reasonCode: 'DOCUMENTS_VERIFIED',
      schemaVersion: 2,
      expiresAt: '2026-12-01T00:00:00Z',
      pinnedBy: 'officer-1',
      pinnedAt: '2026-11-20T00:00:00Z',
    };
    const f = fakes([profile(1, ['IR'])], [pin]);

    // Act
    await segmentBatch([job(1)], f.deps);
    const pinned = f.assignments.get(pseudonym(1));
    f.at('2026-12-02T00:00:00Z');
    const outcomes = await segmentBatch([job(1)], f.deps);

    // Assess
    expect(pinned).toMatchObject({
      segment: 'low',
      modelSegment: 'high',
      pinned: { segment: 'low', pinnedBy: 'officer-1' },
    });
    expect(outcomes.get(pseudonym(1))).toBe('changed');
    expect(f.assignments.get(pseudonym(1))).toMatchObject({ segment: 'high', modelSegment: 'high' });
    expect(f.assignments.get(pseudonym(1))?.pinned).toBeUndefined();
  });

  it('applies upgrades at once but holds a downgrade until the cooldown has passed', async () => {
    // Prepare: high today (IR resident).
    const risky = fakes([profile(1, ['IR'])]);
    await segmentBatch([job(1)], risky.deps);
    const calm = fakes([profile(1, ['DE'])]);
    for (const [k, v] of risky.assignments) calm.assignments.set(k, v);

    // Act: the model now says low; 10 days later still low; 31 days after the first "low", low applies.
    await segmentBatch([job(1)], calm.deps);
    const held = { ...calm.assignments.get(pseudonym(1)) };
    calm.at('2026-12-05T12:00:00Z');
    expect((await segmentBatch([job(1)], calm.deps)).get(pseudonym(1))).toBe('unchanged');
    calm.at('2026-12-26T12:00:00Z');
    await segmentBatch([job(1)], calm.deps);

    // Assess
    expect(held).toMatchObject({
      segment: 'high',
      modelSegment: 'low',
      downgradePendingSince: '2026-11-25T12:00:00.000Z',
    });
    expect(calm.assignments.get(pseudonym(1))).toMatchObject({ segment: 'low', previousSegment: 'high' });
    expect(calm.assignments.get(pseudonym(1))?.downgradePendingSince).toBeUndefined();
  });
});
