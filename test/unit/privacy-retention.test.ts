import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/domain/ports.js';
import {
  type RetentionProfile,
  type RetentionStamp,
  type RetentionStore,
  retentionExpiresAt,
  retentionGraceDays,
  runRetention,
} from '../../shared/domain/privacy/retention.js';
import { defaultSegmentPolicy, type ModelSegment } from '../../shared/domain/risk-model/model.js';

const policy = (years: number) => ({ ...defaultSegmentPolicy, retentionYearsAfterRelationship: years });
const epoch = (iso: string) => Date.parse(iso) / 1000;
const grace = retentionGraceDays * 86_400;

const segments: ModelSegment[] = [
  { name: 'low', minScore: 0, maxScore: 50, policyRef: 'CDD', reviewIntervalMonths: 36, policy: policy(5) },
  {
    name: 'high',
    minScore: 50,
    maxScore: null,
    policyRef: 'EDD',
    reviewIntervalMonths: 12,
    policy: policy(10),
  },
];

describe('retentionExpiresAt (the TTL backstop)', () => {
  it('is the relationship end plus the segment policy years plus the grace period, in epoch seconds', () => {
    const profile = { relationshipEndedAt: '2026-03-15T08:30:00.000Z' };

    expect(retentionExpiresAt(profile, policy(5))).toBe(epoch('2031-03-15T08:30:00.000Z') + grace);
    expect(retentionExpiresAt(profile, policy(10))).toBe(epoch('2036-03-15T08:30:00.000Z') + grace);
  });

  it('gives two segments with different retention years different expiries', () => {
    const profile = { relationshipEndedAt: '2026-03-15T08:30:00.000Z' };
    const [low, high] = segments.map((s) => retentionExpiresAt(profile, s.policy ?? defaultSegmentPolicy));

    expect(low).toBeDefined();
    expect(high).toBeGreaterThan(low ?? Number.POSITIVE_INFINITY);
  });

  it('counts calendar years across leap days: 29 February plus a year is 1 March', () => {
    const leapDay = { relationshipEndedAt: '2024-02-29T00:00:00.000Z' };

    expect(retentionExpiresAt(leapDay, policy(1))).toBe(epoch('2025-03-01T00:00:00.000Z') + grace);
    expect(retentionExpiresAt(leapDay, policy(4))).toBe(epoch('2028-02-29T00:00:00.000Z') + grace);
  });

  it('gives a customer whose relationship has not ended no expiry', () => {
    expect(retentionExpiresAt({}, policy(5))).toBeUndefined();
  });

  it('leaves the audited job a full grace period before TTL may delete anything', () => {
    const end = '2020-01-01T00:00:00.000Z';

    expect(retentionExpiresAt({ relationshipEndedAt: end }, policy(0))).toBe(epoch(end) + grace);
    expect(retentionGraceDays).toBeGreaterThanOrEqual(7);
  });
});

/** The retention view in memory: what the job stamps, unstamps and erases. */
class FakeRetentionStore implements RetentionStore {
  readonly stamps = new Map<string, number>();
  readonly unstamped: string[] = [];
  constructor(
    readonly profiles: Map<string, RetentionProfile>,
    readonly segmentOf: Map<string, string>,
    readonly stampedKeys: string[] = [],
  ) {}
  async *endedRelationships() {
    yield [...this.profiles.values()].filter((p) => p.relationshipEndedAt);
  }
  async *stampedSubjects() {
    yield this.stampedKeys;
  }
  async relationshipsOf(pseudonyms: readonly string[]) {
    return new Map(
      pseudonyms.flatMap((p) => (this.profiles.has(p) ? [[p, this.profiles.get(p)]] : [])) as [
        string,
        RetentionProfile,
      ][],
    );
  }
  async segmentsOf() {
    return this.segmentOf;
  }
  async stamp(stamps: readonly RetentionStamp[]) {
    for (const s of stamps) this.stamps.set(s.pseudonym, s.retainUntil);
    return stamps.length;
  }
  async unstamp(subjects: readonly { pseudonym: string }[]) {
    this.unstamped.push(...subjects.map((s) => s.pseudonym));
    return subjects.length;
  }
}

describe('runRetention', () => {
  it('erases customers whose retention ended, stamps the others per segment, unstamps returning ones', async () => {
    // Prepare: ended 6 years ago (low: 5 years, due), ended 6 years ago but high (10 years, kept),
    // ended last year (kept), active again (stamped key, no end date), active (never stamped).
    const now = new Date('2026-11-25T12:00:00Z');
    const profiles = new Map<string, RetentionProfile>([
      [
        'p-due',
        { pseudonym: 'p-due', relationshipEndedAt: '2020-06-01T00:00:00.000Z', subjectLookup: 'l-due' },
      ],
      ['p-high', { pseudonym: 'p-high', relationshipEndedAt: '2020-06-01T00:00:00.000Z' }],
      ['p-recent', { pseudonym: 'p-recent', relationshipEndedAt: '2025-11-01T00:00:00.000Z' }],
      ['p-back', { pseudonym: 'p-back', subjectLookup: 'l-back' }],
      ['p-active', { pseudonym: 'p-active' }],
    ]);
    const store = new FakeRetentionStore(
      profiles,
      new Map([
        ['p-due', 'low'],
        ['p-high', 'high'],
      ]),
      ['p-high', 'p-back'],
    );
    const shredded: string[] = [];
    const forgotten: string[] = [];
    const audit: AuditEvent[] = [];

    // Act
    const totals = await runRetention(
      {
        store,
        segments: async () => segments,
        eraser: {
          shred: async (p) => {
            shredded.push(p);
            return {
              subjectKey: 1,
              profile: 1,
              transactions: 0,
              assignment: 1,
              override: 0,
              feedback: 0,
              outcomes: 0,
              erasureRequest: 0,
              cases: 0,
              kycReview: 0,
            };
          },
          forget: async (l) => {
            forgotten.push(l);
            return 1;
          },
        },
        audit: { append: async (events) => void audit.push(...events) },
      },
      now,
      'run-1',
    );

    // Assess
    expect(shredded).toEqual(['p-due']);
    expect(forgotten).toEqual(['l-due']);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'subject.erased',
        subject: 'p-due',
        actor: { type: 'system', id: 'privacy-scheduler' },
        reasonCodes: ['RETENTION_ENDED'],
        details: expect.objectContaining({ purpose: 'retention-ended' }),
      }),
    ]);
    expect(Object.fromEntries(store.stamps)).toEqual({
      'p-high': epoch('2030-06-01T00:00:00.000Z') + grace,
      // No assignment: the default policy (5 years).
      'p-recent': epoch('2030-11-01T00:00:00.000Z') + grace,
    });
    expect(store.unstamped).toEqual(['p-back']);
    expect(totals).toEqual({ ended: 3, erased: 1, itemsStamped: 2, reactivated: 1, itemsUnstamped: 1 });
  });
});
