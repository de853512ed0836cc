import { describe, expect, it } from 'vitest';
import { EventPublishError, type WorkflowEvent } from '../../shared/domain/events/index.js';
import type { Assignment, SegmentationJob, StoredProfile } from '../../shared/domain/ports.js';
import { type BatchSegmentationDeps, segmentBatch } from '../../shared/domain/segmentation/batch.js';
import { defaultPublishedModel } from '../../shared/domain/segmentation/published-model.js';
import type { AssignmentWithOutbox } from '../../shared/domain/segmentation/segment-customer.js';

const pseudonym = (n: number) => `k1.${String(n).padStart(43, 'C')}`;
const basis = {
  basis: 'legal_obligation',
  recordedAt: '2026-01-01T00:00:00Z',
  source: 't',
  version: 'v1',
} as const;

function profile(n: number, flags: StoredProfile['flags']): StoredProfile {
  return {
    pseudonym: pseudonym(n),
    macKeyVersion: 'k1',
    customerType: 'individual',
    jurisdictions: ['DE'],
    attributes: {},
    flags,
    lawfulBasis: { risk_assessment: basis },
    contentDigest: `d${n}`,
    version: 1,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
  };
}

/** In-memory assignments (with their outbox), the default model, and a bus that can be made to fail. */
function fakes(profiles: StoredProfile[]) {
  const assignments = new Map<string, AssignmentWithOutbox>();
  const published: WorkflowEvent[] = [];
  let failing: 'all' | 'none' | ((e: WorkflowEvent) => boolean) = 'none';
  const deps: BatchSegmentationDeps = {
    profiles: {
      getMany: async (keys) =>
        new Map(profiles.filter((p) => keys.includes(p.pseudonym)).map((p) => [p.pseudonym, p])),
    },
    transactions: { listSince: async () => [] },
    assignments: {
      get: async (p) => assignments.get(p),
      getMany: async (keys) =>
        new Map(keys.flatMap((k) => (assignments.has(k) ? [[k, assignments.get(k) as Assignment]] : []))),
      commitMany: async (decisions) =>
        decisions.map((d) => {
          assignments.set(d.assignment.pseudonym, structuredClone(d.assignment));
          return 'committed';
        }),
      refreshRecheckAt: async () => {},
    },
    model: defaultPublishedModel().published,
    now: () => new Date('2026-11-25T12:00:00Z'),
    events: {
      publisher: {
        publish: async (events) => {
          if (failing === 'all') throw new Error('bus unavailable');
          const refused = typeof failing === 'function' ? events.filter(failing) : [];
          published.push(...events.filter((e) => !refused.includes(e)));
          if (refused.length > 0) throw new EventPublishError(refused.map((e) => e.detail.eventId));
        },
      },
      outbox: {
        markPublished: async (p, revision) => {
          const a = assignments.get(p);
          if (a?.revision === revision) delete a.pendingEvents;
        },
      },
    },
  };
  return {
    deps,
    assignments,
    published,
    fail: (mode: typeof failing) => {
      failing = mode;
    },
  };
}

const job = (n: number): SegmentationJob => ({ pseudonym: pseudonym(n), cause: 'profile', requestId: 'r1' });
const ids = (events: readonly WorkflowEvent[]) => events.map((e) => `${e.detailType}:${e.detail.eventId}`);

describe('segmentBatch: workflow events', () => {
  it('publishes SegmentChanged and EnhancedDueDiligenceRequired after the commit and clears the outbox; a quiet first assignment publishes nothing', async () => {
    // Prepare
    const f = fakes([profile(1, { pep: true }), profile(2, {})]);

    // Act
    const outcomes = await segmentBatch([job(1), job(2)], f.deps);

    // Assess
    expect(outcomes.get(pseudonym(1))).toBe('assigned');
    expect(f.published.map((e) => [e.detailType, e.detail.subject])).toEqual([
      ['SegmentChanged', pseudonym(1)],
      ['EnhancedDueDiligenceRequired', pseudonym(1)],
    ]);
    expect(f.assignments.get(pseudonym(1))?.pendingEvents).toBeUndefined();
    // Customer 2 went into a segment without alertOnEntry: assigned, nothing owed to the bus.
    expect(outcomes.get(pseudonym(2))).toBe('assigned');
    expect(f.assignments.get(pseudonym(2))?.pendingEvents).toBeUndefined();
  });

  it('a failed publication fails the record; the redelivery publishes the same event ids', async () => {
    // Prepare
    const f = fakes([profile(1, { pep: true })]);
    f.fail('all');

    // Act: first delivery commits the decision but cannot publish
    const first = await segmentBatch([job(1)], f.deps);

    // Assess
    expect(first.get(pseudonym(1))).toBeInstanceOf(Error);
    const stored = f.assignments.get(pseudonym(1));
    expect(stored?.revision).toBe(1);
    const owed = ids(stored?.pendingEvents ?? []);
    expect(owed).toHaveLength(2);
    expect(f.published).toEqual([]);

    // Act: the redelivery finds the decision already applied ("unchanged") and publishes what it owes
    f.fail('none');
    const second = await segmentBatch([job(1)], f.deps);

    // Assess
    expect(second.get(pseudonym(1))).toBe('unchanged');
    expect(ids(f.published)).toEqual(owed);
    expect(f.assignments.get(pseudonym(1))?.revision).toBe(1);
    expect(f.assignments.get(pseudonym(1))?.pendingEvents).toBeUndefined();

    // Act: a third delivery has nothing left to publish
    await segmentBatch([job(1)], f.deps);
    expect(f.published).toHaveLength(2);
  });

  it('only customers whose events were refused fail; a later decision carries owed events forward', async () => {
    // Prepare: customer 1's EDD event is refused
    const f = fakes([profile(1, { pep: true }), profile(2, { sanctionsHit: true })]);
    f.fail((e) => e.detailType === 'EnhancedDueDiligenceRequired' && e.detail.subject === pseudonym(1));

    // Act
    const outcomes = await segmentBatch([job(1), job(2)], f.deps);

    // Assess
    expect(outcomes.get(pseudonym(1))).toBeInstanceOf(EventPublishError);
    expect(outcomes.get(pseudonym(2))).toBe('assigned');
    expect(f.assignments.get(pseudonym(2))?.pendingEvents).toBeUndefined();
    const owedIds = ids(f.assignments.get(pseudonym(1))?.pendingEvents ?? []);

    // Act: before any redelivery, the customer's profile changes (sanctions hit): a new decision
    f.fail('none');
    f.deps.profiles = {
      getMany: async () => new Map([[pseudonym(1), profile(1, { pep: true, sanctionsHit: true })]]),
    };
    await segmentBatch([job(1)], f.deps);

    // Assess: the owed events went out with the new decision's SegmentChanged (high → critical)
    const forOne = ids(f.published.filter((e) => e.detail.subject === pseudonym(1)));
    for (const id of owedIds) expect(forOne).toContain(id);
    expect(f.published.at(-1)).toMatchObject({
      detailType: 'SegmentChanged',
      detail: { segmentBefore: 'high', segmentAfter: 'critical', revision: 2 },
    });
    expect(f.assignments.get(pseudonym(1))?.pendingEvents).toBeUndefined();
  });

  it('plans no events without a publisher (simulations, tools)', async () => {
    // Prepare
    const f = fakes([profile(1, { pep: true })]);
    const { events: _unused, ...withoutEvents } = f.deps;

    // Act
    await segmentBatch([job(1)], withoutEvents);

    // Assess
    expect(f.assignments.get(pseudonym(1))?.pendingEvents).toBeUndefined();
    expect(f.published).toEqual([]);
  });
});
