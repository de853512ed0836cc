import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestActor } from '../../shared/domain/actors.js';
import { openJson } from '../../shared/domain/crypto/envelope.js';
import { Pseudonymiser } from '../../shared/domain/crypto/pseudonymiser.js';
import { ingestCustomers, personalDataContext } from '../../shared/domain/ingestion/customers.js';
import type { IngestIntent, IngestIntents } from '../../shared/domain/ingestion/intents.js';
import type { ItemResult } from '../../shared/domain/ingestion/results.js';
import { ingestTransactions } from '../../shared/domain/ingestion/transactions.js';
import type {
  AuditEvent,
  AuditLog,
  KeyService,
  ProfileStore,
  SegmentationJob,
  SegmentationQueue,
  StoredProfile,
  StoredTransaction,
  TransactionStore,
} from '../../shared/domain/ports.js';
import { lawfulBasis } from '../helpers/fixtures.js';
import { InMemorySubjectDirectory } from '../helpers/subject-directory.js';

// ---------------------------------------------------------------------------------------------
// In-memory fakes of the ports
// ---------------------------------------------------------------------------------------------

const pseudonymiser = new Pseudonymiser({ version: 'k1', secret: Buffer.alloc(32, 0x5a) });

class FakeKeys implements KeyService {
  readonly keys = new Map<string, Buffer>();
  async pseudonymiser(): Promise<Pseudonymiser> {
    return pseudonymiser;
  }
  async subjectKeys(pseudonyms: readonly string[], create: boolean): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const p of pseudonyms) {
      if (!this.keys.has(p) && create) this.keys.set(p, randomBytes(32));
      const key = this.keys.get(p);
      if (key) out.set(p, key);
    }
    return out;
  }
}

class FakeProfiles implements ProfileStore {
  readonly items = new Map<string, StoredProfile>();
  readonly puts: StoredProfile[] = [];
  readonly cleared: { pseudonym: string; digest: string }[] = [];
  rejectPuts = false;

  async getMany(pseudonyms: readonly string[]): Promise<Map<string, StoredProfile>> {
    const out = new Map<string, StoredProfile>();
    for (const p of pseudonyms) {
      const item = this.items.get(p);
      if (item) out.set(p, structuredClone(item));
    }
    return out;
  }
  async putMany(profiles: readonly StoredProfile[]): Promise<boolean[]> {
    return Promise.all(profiles.map((p) => this.put(p)));
  }
  async put(profile: StoredProfile): Promise<boolean> {
    this.puts.push(structuredClone(profile));
    if (this.rejectPuts) return false;
    if ((this.items.get(profile.pseudonym)?.version ?? 0) !== profile.version - 1) return false;
    this.items.set(profile.pseudonym, structuredClone(profile));
    return true;
  }
  async clearDigest(pseudonym: string, digest: string): Promise<void> {
    this.cleared.push({ pseudonym, digest });
    const item = this.items.get(pseudonym);
    if (item?.contentDigest === digest) item.contentDigest = '';
  }
  async *scanPseudonyms(): AsyncIterable<string[]> {
    yield [...this.items.keys()];
  }
}

class FakeQueue implements SegmentationQueue {
  readonly jobs: SegmentationJob[] = [];
  readonly calls: (readonly SegmentationJob[])[] = [];
  failure: Error | undefined;
  async enqueue(jobs: readonly SegmentationJob[]): Promise<void> {
    this.calls.push(jobs);
    if (this.failure) throw this.failure;
    this.jobs.push(...jobs);
  }
}

class FakeAudit implements AuditLog {
  readonly events: AuditEvent[] = [];
  async append(events: readonly AuditEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

class FakeTransactions implements TransactionStore {
  readonly items = new Map<string, StoredTransaction>();
  async putIfAbsent(txns: readonly StoredTransaction[]): Promise<Map<string, string>> {
    const existing = new Map<string, string>();
    for (const t of txns) {
      const stored = this.items.get(t.txnRef);
      if (stored) existing.set(t.txnRef, stored.contentDigest);
      else this.items.set(t.txnRef, structuredClone(t));
    }
    return existing;
  }
  async listSince(pseudonym: string, sinceIso: string): Promise<StoredTransaction[]> {
    return [...this.items.values()].filter((t) => t.pseudonym === pseudonym && t.timestamp >= sinceIso);
  }
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/** Intents in memory: the open ones are what a crash would leave for the reconciler. */
class FakeIntents implements IngestIntents {
  readonly pending = new Map<string, IngestIntent>();
  readonly opened: IngestIntent[] = [];
  async open(intent: IngestIntent): Promise<void> {
    this.pending.set(intent.intentId, intent);
    this.opened.push(intent);
  }
  async close(intentId: string): Promise<void> {
    this.pending.delete(intentId);
  }
}
let intents = new FakeIntents();

const now = new Date('2026-06-01T12:00:00Z');
const ctx: RequestActor = { principalId: 'principal-1', role: 'ingest', requestId: 'req-1', now };
let subjects = new InMemorySubjectDirectory();
/** Pseudonyms come from the subject directory (a random salt per subject), so tests read them there. */
const pseudonymOf = (externalId: string) => subjects.pseudonymOf(pseudonymiser, externalId);

function customer(externalId: string, overrides: Record<string, unknown> = {}) {
  return {
    externalId,
    type: 'individual',
    personalData: {
      name: `Name of ${externalId}`,
      email: `${externalId.toLowerCase()}@example.com`,
      phone: '+442071234567',
    },
    jurisdictions: ['GB'],
    lawfulBasis,
    ...overrides,
  };
}

function transaction(
  transactionId: string,
  customerExternalId: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    transactionId,
    customerExternalId,
    amount: 108,
    currency: 'USD',
    timestamp: '2026-05-30T10:00:00Z',
    direction: 'inbound',
    counterpartyCountry: 'US',
    paymentMethod: 'wire',
    ...overrides,
  };
}

const byIndex = (results: ItemResult[]) => [...results].sort((a, b) => a.index - b.index);

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

describe('ingestCustomers', () => {
  let keys: FakeKeys;
  let profiles: FakeProfiles;
  let queue: FakeQueue;
  let audit: FakeAudit;
  const ingest = (items: unknown[]) =>
    ingestCustomers(items, { keys, profiles, queue, audit, subjects, intents }, ctx);

  beforeEach(() => {
    intents = new FakeIntents();
    subjects = new InMemorySubjectDirectory();
    keys = new FakeKeys();
    profiles = new FakeProfiles();
    queue = new FakeQueue();
    audit = new FakeAudit();
  });

  it('accepts valid records, stores and queues them by pseudonym', async () => {
    // Act
    const results = await ingest([customer('C-1'), customer('C-2')]);

    // Assess
    expect(byIndex(results)).toEqual([
      { index: 0, status: 'accepted', pseudonym: pseudonymOf('C-1') },
      { index: 1, status: 'accepted', pseudonym: pseudonymOf('C-2') },
    ]);
    expect([...profiles.items.keys()].sort()).toEqual([pseudonymOf('C-1'), pseudonymOf('C-2')].sort());
    expect(queue.jobs).toHaveLength(2);
    expect(queue.jobs).toEqual(
      expect.arrayContaining([
        { pseudonym: pseudonymOf('C-1'), cause: 'profile', requestId: 'req-1' },
        { pseudonym: pseudonymOf('C-2'), cause: 'profile', requestId: 'req-1' },
      ]),
    );
    expect(audit.events).toEqual([]);
  });

  it('never lets one bad record block the others', async () => {
    // Prepare
    const invalid = customer('C-2', { type: 'robot', personalData: { email: 'not-an-email' } });

    // Act
    const results = byIndex(await ingest([customer('C-1'), invalid, customer('C-3')]));

    // Assess
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    const rejected = results[1];
    // An invalid record is only looked up in the subject directory: a never-seen id gets no subject.
    expect(rejected).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    expect(rejected).not.toHaveProperty('pseudonym');
    expect(subjects.existing(pseudonymiser, 'C-2')).toBeUndefined();
    expect(rejected?.status === 'rejected' && rejected.details?.map((d) => d.path).sort()).toEqual([
      'personalData.email',
      'type',
    ]);
    expect(profiles.items.size).toBe(2);
    expect(queue.jobs.map((j) => j.pseudonym).sort()).toEqual(
      [pseudonymOf('C-1'), pseudonymOf('C-3')].sort(),
    );
  });

  it('rejects a non-object item without a pseudonym and keeps going', async () => {
    const results = byIndex(await ingest(['just a string', null, customer('C-1')]));

    expect(results[0]).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    expect(results[0]).not.toHaveProperty('pseudonym');
    expect(results[1]).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    expect(results[2]).toMatchObject({ status: 'accepted' });
  });

  it('rejects a record without a permitted lawful basis, audits it without personal data, and creates no subject', async () => {
    // Prepare
    const record = customer('C-secret-77', {
      lawfulBasis: {
        risk_assessment: {
          basis: 'consent',
          recordedAt: '2026-01-01T00:00:00Z',
          source: 'web',
          version: 'v1',
        },
      },
    });

    // Act
    const results = await ingest([record, customer('C-1')]);

    // Assess
    expect(byIndex(results)[0]).toEqual({
      index: 0,
      status: 'rejected',
      code: 'LAWFUL_BASIS_NOT_PERMITTED',
      message: expect.any(String),
    });
    // Never accepted, so never in the directory: no lookup can find it.
    expect(subjects.existing(pseudonymiser, 'C-secret-77')).toBeUndefined();
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      action: 'ingest.rejected',
      subject: null,
      reasonCodes: ['LAWFUL_BASIS_NOT_PERMITTED'],
      actor: { type: 'principal', id: 'principal-1', role: 'ingest' },
      requestId: 'req-1',
    });
    const serialized = JSON.stringify(audit.events);
    expect(serialized).not.toContain('Name of C-secret-77');
    expect(serialized).not.toContain('c-secret-77@example.com');
    expect(serialized).not.toContain('C-secret-77');
    expect(serialized).not.toContain('+442071234567');
    expect(profiles.items.size).toBe(1);
    expect(queue.jobs.map((j) => j.pseudonym)).toEqual([pseudonymOf('C-1')]);
  });

  it('audits a known customer re-sent without a lawful basis under its pseudonym', async () => {
    await ingest([customer('C-5')]);

    const results = await ingest([customer('C-5', { lawfulBasis: {} })]);

    expect(byIndex(results)[0]).toMatchObject({ status: 'rejected', pseudonym: pseudonymOf('C-5') });
    expect(audit.events.at(-1)?.subject).toBe(pseudonymOf('C-5'));
  });

  it('gives a re-sent rejection the same audit event id, so the audit store can ignore the retry', async () => {
    const record = customer('C-9', { lawfulBasis: {} });

    await ingest([record]);
    await ingest([record]);

    expect(audit.events).toHaveLength(2);
    expect(audit.events[0]?.reasonCodes).toEqual(['LAWFUL_BASIS_MISSING']);
    expect(audit.events[1]?.eventId).toBe(audit.events[0]?.eventId);
  });

  it('treats the same content sent twice as a duplicate: no second write, nothing queued', async () => {
    // Prepare
    await ingest([customer('C-1')]);
    const putsBefore = profiles.puts.length;
    const jobsBefore = queue.jobs.length;

    // Act: same content, keys in another order
    const { lawfulBasis, ...rest } = customer('C-1');
    const results = await ingest([{ lawfulBasis, ...rest }]);

    // Assess
    expect(results).toEqual([{ index: 0, status: 'duplicate', pseudonym: pseudonymOf('C-1') }]);
    expect(profiles.puts).toHaveLength(putsBefore);
    expect(queue.jobs).toHaveLength(jobsBefore);
  });

  it('accepts changed content for a known customer as a new version', async () => {
    await ingest([customer('C-1')]);

    const results = await ingest([customer('C-1', { jurisdictions: ['GB', 'IE'] })]);

    expect(results).toEqual([{ index: 0, status: 'accepted', pseudonym: pseudonymOf('C-1') }]);
    expect(profiles.items.get(pseudonymOf('C-1'))).toMatchObject({ version: 2, jurisdictions: ['GB', 'IE'] });
    expect(queue.jobs).toHaveLength(2);
  });

  it('rejects a repeated externalId within one batch', async () => {
    const results = byIndex(
      await ingest([customer('C-1'), customer('C-1', { jurisdictions: ['FR'] }), customer('C-2')]),
    );

    expect(results[0]).toMatchObject({ status: 'accepted' });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      code: 'DUPLICATE_IN_BATCH',
      pseudonym: pseudonymOf('C-1'),
    });
    expect(results[2]).toMatchObject({ status: 'accepted' });
    expect(profiles.items.get(pseudonymOf('C-1'))?.jurisdictions).toEqual(['GB']);
  });

  it('treats externalIds that differ only by surrounding spaces as the same customer', async () => {
    const results = byIndex(
      await ingest([customer('C-1'), customer(' C-1 ', { personalData: { name: 'Someone' } })]),
    );

    expect(results[1]).toMatchObject({ status: 'rejected', code: 'DUPLICATE_IN_BATCH' });
  });

  it('stores personal data only sealed under the subject key, bound to the subject', async () => {
    // Prepare
    const record = customer('C-pd-42');

    // Act
    await ingest([record]);

    // Assess
    const pseudonym = pseudonymOf('C-pd-42');
    const stored = profiles.items.get(pseudonym);
    const serialized = JSON.stringify(stored);
    expect(serialized).not.toContain('Name of C-pd-42');
    expect(serialized).not.toContain('c-pd-42@example.com');
    expect(serialized).not.toContain('+442071234567');
    expect(serialized).not.toContain('C-pd-42');
    const key = keys.keys.get(pseudonym) as Buffer;
    const box = stored?.personalData;
    expect(box).toBeDefined();
    if (!box) return;
    expect(openJson(key, box, personalDataContext(pseudonym))).toEqual(record.personalData);
    expect(() => openJson(key, box, personalDataContext(pseudonymOf('C-other')))).toThrow();
  });

  it('stores no sealed box for a record without personal data', async () => {
    const { personalData: _pd, ...record } = customer('C-1');

    await ingest([record]);

    expect(profiles.items.get(pseudonymOf('C-1'))).not.toHaveProperty('personalData');
  });

  it('reports a lost write race as CONCURRENT_UPDATE and queues nothing for it', async () => {
    profiles.rejectPuts = true;

    const results = await ingest([customer('C-1')]);

    expect(results).toEqual([
      expect.objectContaining({
        status: 'rejected',
        code: 'CONCURRENT_UPDATE',
        pseudonym: pseudonymOf('C-1'),
      }),
    ]);
    expect(queue.jobs).toEqual([]);
  });

  it('when the profile write fails, queues nothing and rethrows', async () => {
    // Prepare
    const failure = new Error('DynamoDB throttled');
    profiles.putMany = async () => {
      throw failure;
    };

    // Act
    const attempt = ingest([customer('C-1'), customer('C-2')]);

    // Assess
    await expect(attempt).rejects.toBe(failure);
    expect(queue.jobs).toEqual([]);
    expect(profiles.items.size).toBe(0);
  });

  it('when the profile write fails half-way, clears the digests it wrote, so a retry segments everyone', async () => {
    // Prepare: profiles go out one conditional put each; the second one fails after the first is stored.
    const failure = new Error('DynamoDB 5xx');
    profiles.putMany = async (batch) => {
      await profiles.put(batch[0] as StoredProfile);
      throw failure;
    };

    // Act
    const attempt = ingest([customer('C-1'), customer('C-2')]);

    // Assess: the stored one is no longer marked as ingested; the retry accepts and queues both.
    await expect(attempt).rejects.toBe(failure);
    expect(queue.jobs).toEqual([]);
    expect(profiles.items.get(pseudonymOf('C-1'))?.contentDigest).toBe('');
    profiles.putMany = FakeProfiles.prototype.putMany;
    const retry = await ingest([customer('C-1'), customer('C-2')]);
    expect(retry.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(queue.jobs.map((j) => j.pseudonym).sort()).toEqual(
      [pseudonymOf('C-1'), pseudonymOf('C-2')].sort(),
    );
  });

  it('when queueing fails, clears the written digests and rethrows, so a retry is not a duplicate', async () => {
    // Prepare
    const failure = new Error('SQS unavailable');
    queue.failure = failure;

    // Act
    const attempt = ingest([customer('C-1'), customer('C-2')]);

    // Assess
    await expect(attempt).rejects.toBe(failure);
    expect(profiles.cleared.map((c) => c.pseudonym).sort()).toEqual(
      [pseudonymOf('C-1'), pseudonymOf('C-2')].sort(),
    );
    for (const { pseudonym, digest } of profiles.cleared) {
      expect(digest).not.toBe('');
      expect(profiles.puts.find((p) => p.pseudonym === pseudonym)?.contentDigest).toBe(digest);
    }

    queue.failure = undefined;
    const retry = await ingest([customer('C-1'), customer('C-2')]);
    expect(retry.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(queue.jobs).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

describe('ingestTransactions', () => {
  let keys: FakeKeys;
  let profiles: FakeProfiles;
  let transactions: FakeTransactions;
  let queue: FakeQueue;
  const ingest = (items: unknown[]) =>
    ingestTransactions(items, { keys, profiles, transactions, queue, subjects, intents }, ctx);

  function knownCustomer(externalId: string): void {
    const pseudonym = pseudonymOf(externalId);
    profiles.items.set(pseudonym, {
      pseudonym,
      macKeyVersion: 'k1',
      customerType: 'individual',
      jurisdictions: ['GB'],
      attributes: {},
      flags: {},
      lawfulBasis: {},
      contentDigest: 'digest',
      version: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
  }

  beforeEach(() => {
    intents = new FakeIntents();
    subjects = new InMemorySubjectDirectory();
    keys = new FakeKeys();
    profiles = new FakeProfiles();
    transactions = new FakeTransactions();
    queue = new FakeQueue();
    knownCustomer('C-1');
    knownCustomer('C-2');
  });

  it('records a transaction under keyed references and converts the amount to EUR', async () => {
    // Act
    const results = await ingest([transaction('T-secret-1', 'C-1')]);

    // Assess
    expect(results).toEqual([{ index: 0, status: 'accepted', pseudonym: pseudonymOf('C-1') }]);
    const [stored] = [...transactions.items.values()];
    expect(stored).toMatchObject({
      pseudonym: pseudonymOf('C-1'),
      txnRef: pseudonymiser.pseudonym('transaction', 'T-secret-1'),
      amount: 108,
      currency: 'USD',
      amountEur: 100,
      timestamp: '2026-05-30T10:00:00.000Z',
    });
    expect(JSON.stringify(stored)).not.toContain('T-secret-1');
    expect(JSON.stringify(stored)).not.toContain('"C-1"');
  });

  it('rejects a transaction of an unknown customer and keeps the others', async () => {
    const results = byIndex(await ingest([transaction('T-1', 'C-unknown'), transaction('T-2', 'C-1')]));

    expect(results[0]).toMatchObject({ status: 'rejected', code: 'UNKNOWN_CUSTOMER' });
    expect(results[1]).toMatchObject({ status: 'accepted' });
    expect(transactions.items.size).toBe(1);
  });

  it('rejects a timestamp more than five minutes in the future', async () => {
    const results = byIndex(
      await ingest([
        transaction('T-1', 'C-1', { timestamp: '2026-06-01T12:05:01Z' }),
        transaction('T-2', 'C-1', { timestamp: '2026-06-01T12:05:00Z' }),
      ]),
    );

    expect(results[0]).toMatchObject({ status: 'rejected', code: 'FUTURE_TIMESTAMP' });
    expect(results[1]).toMatchObject({ status: 'accepted' });
  });

  it('rejects an invalid record with field paths, and keeps the others', async () => {
    const results = byIndex(
      await ingest([transaction('T-1', 'C-1', { currency: 'XYZ' }), transaction('T-2', 'C-1')]),
    );

    expect(results[0]).toMatchObject({ status: 'rejected', code: 'VALIDATION_FAILED' });
    expect(results[0]?.status === 'rejected' && results[0].details?.map((d) => d.path)).toContain('currency');
    expect(results[1]).toMatchObject({ status: 'accepted' });
  });

  it('treats the same transaction sent twice as a duplicate and stores it once', async () => {
    // Prepare
    await ingest([transaction('T-1', 'C-1')]);

    // Act: same content, keys in another order
    const { amount, ...rest } = transaction('T-1', 'C-1');
    const results = await ingest([{ ...rest, amount }]);

    // Assess
    expect(results).toEqual([{ index: 0, status: 'duplicate', pseudonym: pseudonymOf('C-1') }]);
    expect(transactions.items.size).toBe(1);
  });

  it('queues a duplicate again, so a retry after a failed enqueue still re-segments the customer', async () => {
    // Prepare: the first attempt stores the transaction but cannot queue
    queue.failure = new Error('SQS unavailable');
    await expect(ingest([transaction('T-1', 'C-1')])).rejects.toThrow('SQS unavailable');
    queue.failure = undefined;

    // Act
    const results = await ingest([transaction('T-1', 'C-1')]);

    // Assess
    expect(results).toEqual([{ index: 0, status: 'duplicate', pseudonym: pseudonymOf('C-1') }]);
    expect(queue.jobs).toEqual([
      { pseudonym: pseudonymOf('C-1'), cause: 'transactions', requestId: 'req-1' },
    ]);
  });

  it('rejects the same transactionId with different content as a conflict, not an overwrite', async () => {
    await ingest([transaction('T-1', 'C-1')]);

    const results = await ingest([transaction('T-1', 'C-1', { amount: 5000 })]);

    expect(results).toEqual([expect.objectContaining({ status: 'rejected', code: 'TRANSACTION_CONFLICT' })]);
    expect([...transactions.items.values()][0]?.amount).toBe(108);
    expect(queue.jobs).toHaveLength(1);
  });

  it('rejects a repeated transactionId within one batch', async () => {
    const results = byIndex(await ingest([transaction('T-1', 'C-1'), transaction('T-1', 'C-1')]));

    expect(results[0]).toMatchObject({ status: 'accepted' });
    expect(results[1]).toMatchObject({ status: 'rejected', code: 'DUPLICATE_IN_BATCH' });
  });

  it('queues one re-segmentation per affected customer', async () => {
    // Act
    await ingest([
      transaction('T-1', 'C-1'),
      transaction('T-2', 'C-1'),
      transaction('T-3', 'C-2'),
      transaction('T-4', 'C-1'),
      transaction('T-5', 'C-unknown'),
    ]);

    // Assess
    expect(queue.calls).toHaveLength(1);
    expect([...queue.jobs].sort((a, b) => a.pseudonym.localeCompare(b.pseudonym))).toEqual(
      [
        { pseudonym: pseudonymOf('C-1'), cause: 'transactions', requestId: 'req-1' },
        { pseudonym: pseudonymOf('C-2'), cause: 'transactions', requestId: 'req-1' },
      ].sort((a, b) => a.pseudonym.localeCompare(b.pseudonym)),
    );
  });

  it('propagates a queue failure', async () => {
    queue.failure = new Error('SQS unavailable');

    await expect(ingest([transaction('T-1', 'C-1')])).rejects.toThrow('SQS unavailable');
  });
});

describe('hostile records in a batch (keys, numbers, Unicode)', () => {
  let keys: FakeKeys;
  let profiles: FakeProfiles;
  let queue: FakeQueue;
  let audit: FakeAudit;

  beforeEach(() => {
    intents = new FakeIntents();
    subjects = new InMemorySubjectDirectory();
    keys = new FakeKeys();
    profiles = new FakeProfiles();
    queue = new FakeQueue();
    audit = new FakeAudit();
  });

  it('rejects each with its code, writes nothing for it, and writes and queues the good ones', async () => {
    const results = await ingestCustomers(
      [
        customer('C-good'),
        customer('C-ctor', { attributes: { constructor: 'x' } }),
        customer('C-big', { attributes: { balance: 2 ** 53 + 2 } }),
        customer('C-\ud800'),
        customer('C-\udc00'),
      ],
      { keys, profiles, queue, audit, subjects, intents },
      ctx,
    );

    const codes = byIndex(results).map((r) =>
      r.status === 'rejected' ? [...new Set((r.details ?? []).map((d) => d.code))].join(',') : r.status,
    );
    expect(codes).toEqual([
      'accepted',
      'RESERVED_KEY',
      'UNSAFE_NUMBER',
      'ILL_FORMED_UNICODE',
      'ILL_FORMED_UNICODE',
    ]);
    expect([...profiles.items.keys()]).toEqual([pseudonymOf('C-good')]);
    expect(queue.jobs.map((j) => j.pseudonym)).toEqual([pseudonymOf('C-good')]);
    // Nothing of the bad records: no subject key, no directory entry (two lone surrogates would share one).
    expect([...keys.keys.keys()]).toEqual([pseudonymOf('C-good')]);
    expect(subjects.salts.size).toBe(1);
  });

  it('rejects a transaction with ill-formed text and keeps its neighbours', async () => {
    await ingestCustomers([customer('C-1')], { keys, profiles, queue, audit, subjects, intents }, ctx);
    const transactions = new FakeTransactions();

    const results = await ingestTransactions(
      [transaction('T-1', 'C-1'), transaction('T-\ud800', 'C-1')],
      { keys, profiles, transactions, queue, subjects, intents },
      ctx,
    );

    expect(byIndex(results).map((r) => r.status)).toEqual(['accepted', 'rejected']);
  });
});

describe('intents: what a crash between the writes leaves for the reconciler', () => {
  let keys: FakeKeys;
  let profiles: FakeProfiles;
  let queue: FakeQueue;
  let audit: FakeAudit;

  beforeEach(() => {
    intents = new FakeIntents();
    subjects = new InMemorySubjectDirectory();
    keys = new FakeKeys();
    profiles = new FakeProfiles();
    queue = new FakeQueue();
    audit = new FakeAudit();
  });

  it('records the lookups of the customers it may create before writing, and removes them once queued', async () => {
    await ingestCustomers(
      [customer('C-1'), customer('C-2', { lawfulBasis: {} }), customer('C-3')],
      { keys, profiles, queue, audit, subjects, intents },
      ctx,
    );

    expect(intents.opened).toEqual([
      {
        intentId: 'req-1',
        kind: 'customers',
        // Only the records that will be accepted: a rejected one never gets a subject.
        lookups: [pseudonymiser.subjectLookup('C-1'), pseudonymiser.subjectLookup('C-3')],
        createdAt: now.toISOString(),
      },
    ]);
    expect(intents.pending.size).toBe(0);
  });

  it('keeps the intent when the request fails after writing, so the reconciler can finish it', async () => {
    queue.failure = new Error('SQS unavailable');

    await expect(
      ingestCustomers([customer('C-1')], { keys, profiles, queue, audit, subjects, intents }, ctx),
    ).rejects.toThrow('SQS unavailable');

    expect([...intents.pending.values()].map((i) => i.lookups)).toEqual([
      [pseudonymiser.subjectLookup('C-1')],
    ]);
    expect(profiles.items.size).toBe(1);
  });

  it('opens none when nothing in the batch can be written', async () => {
    await ingestCustomers(
      [customer('C-1', { type: 'robot' })],
      { keys, profiles, queue, audit, subjects, intents },
      ctx,
    );

    expect(intents.opened).toEqual([]);
  });

  it('records the customers whose transactions it writes, and keeps them when the queue send fails', async () => {
    await ingestCustomers([customer('C-1')], { keys, profiles, queue, audit, subjects, intents }, ctx);
    const transactions = new FakeTransactions();
    queue.failure = new Error('SQS unavailable');

    await expect(
      ingestTransactions(
        [transaction('T-1', 'C-1')],
        { keys, profiles, transactions, queue, subjects, intents },
        ctx,
      ),
    ).rejects.toThrow('SQS unavailable');

    expect([...intents.pending.values()]).toEqual([
      {
        intentId: 'req-1',
        kind: 'transactions',
        pseudonyms: [pseudonymOf('C-1')],
        createdAt: now.toISOString(),
      },
    ]);
  });
});
