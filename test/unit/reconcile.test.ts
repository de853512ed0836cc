import { describe, expect, it } from 'vitest';
import type { IngestIntent } from '../../shared/domain/ingestion/intents.js';
import {
  type DirectoryEntry,
  type ReconcileDeps,
  reconcileIngestion,
} from '../../shared/domain/ingestion/reconcile.js';
import type { AuditEvent, SegmentationJob } from '../../shared/domain/ports.js';

const crashAt = '2026-12-07T10:00:00.000Z';
const cutoff = new Date('2026-12-07T10:10:00.000Z');
const now = new Date('2026-12-07T10:15:00.000Z');

/** A crash's leftovers in memory, with the rules of the DynamoDB adapters. */
function leftovers(
  intents: IngestIntent[],
  entries: DirectoryEntry[],
  profiles: string[],
): ReconcileDeps & {
  directory: Map<string, DirectoryEntry>;
  keys: Set<string>;
  jobs: SegmentationJob[];
  audit: { events: AuditEvent[]; append(e: readonly AuditEvent[]): Promise<void> };
  pending: Map<string, IngestIntent>;
} {
  const pending = new Map(intents.map((i) => [i.intentId, i]));
  const directory = new Map(entries.map((e) => [e.lookup, e]));
  const keys = new Set(entries.flatMap((e) => (e.pseudonym ? [e.pseudonym] : [])));
  const accepted = new Set(profiles);
  const jobs: SegmentationJob[] = [];
  const events: AuditEvent[] = [];
  return {
    pending,
    directory,
    keys,
    jobs,
    intents: {
      openedBefore: async (c) => [...pending.values()].filter((i) => i.createdAt < c.toISOString()),
      close: async (id) => void pending.delete(id),
    },
    orphans: {
      entries: async (lookups) => lookups.flatMap((l) => directory.get(l) ?? []),
      accepted: async (ps) => new Set(ps.filter((p) => accepted.has(p))),
      removeUnaccepted: async ({ lookup, pseudonym }) => {
        if (accepted.has(pseudonym) || directory.get(lookup)?.pseudonym !== pseudonym) return false;
        directory.delete(lookup);
        keys.delete(pseudonym);
        return true;
      },
    },
    queue: { enqueue: async (js) => void jobs.push(...js) },
    audit: { events, append: async (e) => void events.push(...e) },
  };
}

describe('reconcileIngestion: repairs what a crashed request left, from its intent', () => {
  it('queues again the customers a crashed request accepted, and removes the ones it never accepted', async () => {
    const deps = leftovers(
      [
        {
          intentId: 'req-1',
          kind: 'customers',
          lookups: ['L-acc', 'L-orphan', 'L-gone'],
          createdAt: crashAt,
        },
      ],
      [
        { lookup: 'L-acc', pseudonym: 'k1.acc', createdAt: crashAt },
        { lookup: 'L-orphan', pseudonym: 'k1.orphan', createdAt: crashAt },
      ],
      ['k1.acc'],
    );

    const done = await reconcileIngestion(deps, { cutoff, now, requestId: 'rec-1' });

    expect(done).toEqual({ intents: 1, requeued: 1, removed: 1, unresolvable: 0 });
    expect(deps.jobs).toEqual([{ pseudonym: 'k1.acc', cause: 'profile', requestId: 'rec-1' }]);
    expect([...deps.directory.keys()]).toEqual(['L-acc']);
    expect([...deps.keys]).toEqual(['k1.acc']);
    expect(deps.pending.size).toBe(0);
    expect(deps.audit.events).toEqual([
      expect.objectContaining({
        eventId: 'ingest.repaired#req-1',
        action: 'ingest.repaired',
        subject: null,
        details: { kind: 'customers', intentRequestId: 'req-1', requeued: 1, removed: 1, unresolvable: 0 },
      }),
    ]);
  });

  it('never removes a customer accepted before the crashed request, nor one whose entry is newer', async () => {
    const deps = leftovers(
      [{ intentId: 'req-2', kind: 'customers', lookups: ['L-old', 'L-new'], createdAt: crashAt }],
      [
        // Accepted long ago, then erased from profiles by nobody: an entry older than the intent stays.
        { lookup: 'L-old', pseudonym: 'k1.old', createdAt: '2026-01-01T00:00:00.000Z' },
        // Created by a later request still running: younger than the cutoff, not this intent's.
        { lookup: 'L-new', pseudonym: 'k1.new', createdAt: '2026-12-07T10:12:00.000Z' },
      ],
      [],
    );

    const done = await reconcileIngestion(deps, { cutoff, now, requestId: 'rec-2' });

    expect(done.removed).toBe(0);
    expect(deps.directory.size).toBe(2);
  });

  it('queues again the customers of a crashed transactions request, and leaves requests still running alone', async () => {
    const deps = leftovers(
      [
        { intentId: 'req-3', kind: 'transactions', pseudonyms: ['k1.a', 'k1.b'], createdAt: crashAt },
        {
          intentId: 'req-4',
          kind: 'transactions',
          pseudonyms: ['k1.c'],
          createdAt: '2026-12-07T10:14:00.000Z',
        },
      ],
      [],
      [],
    );

    const done = await reconcileIngestion(deps, { cutoff, now, requestId: 'rec-3' });

    expect(done).toEqual({ intents: 1, requeued: 2, removed: 0, unresolvable: 0 });
    expect(deps.jobs.map((j) => [j.pseudonym, j.cause])).toEqual([
      ['k1.a', 'transactions'],
      ['k1.b', 'transactions'],
    ]);
    expect([...deps.pending.keys()]).toEqual(['req-4']);
  });

  it('counts, and leaves, directory entries from before pseudonyms were kept in them', async () => {
    const deps = leftovers(
      [{ intentId: 'req-5', kind: 'customers', lookups: ['L-legacy'], createdAt: crashAt }],
      [{ lookup: 'L-legacy', createdAt: crashAt }],
      [],
    );

    const done = await reconcileIngestion(deps, { cutoff, now, requestId: 'rec-5' });

    expect(done.unresolvable).toBe(1);
    expect(deps.directory.size).toBe(1);
  });
});
