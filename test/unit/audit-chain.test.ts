import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, linkRecords, recordHash, verifyChain } from '../../shared/domain/audit-trail/chain.js';
import type { CheckpointSigner } from '../../shared/domain/audit-trail/signer.js';
import {
  type AuditTrailStore,
  type Checkpoint,
  takeCheckpoint,
  verifyAuditTrail,
} from '../../shared/domain/audit-trail/verify.js';

const chain = '2026-11-25#writerA';
const event = (n: number) => ({
  stream: `k1.subject${n % 3}`,
  eventId: `event-${n}`,
  at: `2026-11-25T10:00:${String(n).padStart(2, '0')}.000Z`,
  day: '2026-11-25',
  action: 'segment.assigned',
  reasonCodes: ['HIGH_RISK_JURISDICTION'],
  details: { score: 42.5, nested: { b: 1, a: [1, 2] } },
});

function chainOf(n: number) {
  return linkRecords(
    { chain, seq: 0, hash: GENESIS_HASH },
    Array.from({ length: n }, (_, i) => event(i + 1)),
  );
}

describe('linkRecords', () => {
  it('numbers records from the head and links each to the hash of the one before', () => {
    const { linked, head } = chainOf(3);
    expect(linked.map((r) => r.chainPosition)).toEqual(['000000000001', '000000000002', '000000000003']);
    expect(linked[0]?.prevHash).toBe(GENESIS_HASH);
    expect(linked[1]?.prevHash).toBe(linked[0]?.hash);
    expect(linked[2]?.prevHash).toBe(linked[1]?.hash);
    expect(head).toEqual({ chain, seq: 3, hash: linked[2]?.hash });
  });

  it('continues an existing chain from its head', () => {
    const first = chainOf(2);
    const next = linkRecords(first.head, [event(3)]);
    expect(next.linked[0]?.chainPosition).toBe('000000000003');
    expect(next.linked[0]?.prevHash).toBe(first.head.hash);
  });

  it('hashes content independently of key order', () => {
    const { linked } = chainOf(1);
    const record = linked[0] as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(record).reverse());
    expect(recordHash(reversed)).toBe(record.hash);
  });
});

describe('verifyChain', () => {
  it('finds nothing wrong with an intact chain', () => {
    const { linked, head } = chainOf(5);
    expect(verifyChain(chain, linked, head, undefined)).toEqual([]);
  });

  it('names an edited record', () => {
    const { linked, head } = chainOf(5);
    (linked[2] as Record<string, unknown>).reasonCodes = ['NOTHING_TO_SEE'];
    const findings = verifyChain(chain, linked, head, undefined);
    expect(findings).toEqual([
      expect.objectContaining({
        problem: 'edited',
        seq: 3,
        record: { stream: 'k1.subject0', eventId: 'event-3' },
      }),
    ]);
  });

  it('names the position of a deleted record', () => {
    const { linked, head } = chainOf(5);
    const findings = verifyChain(
      chain,
      linked.filter((r) => r.eventId !== 'event-4'),
      head,
      undefined,
    );
    expect(findings).toEqual([expect.objectContaining({ problem: 'missing', seq: 4 })]);
  });

  it('finds a deleted tail through the head', () => {
    const { linked, head } = chainOf(5);
    const findings = verifyChain(chain, linked.slice(0, 3), head, undefined);
    expect(findings.map((f) => [f.problem, f.seq])).toEqual([
      ['missing', 4],
      ['missing', 5],
    ]);
  });

  it('finds a deleted tail whose head was rolled back, through the checkpoint', () => {
    const { linked, head } = chainOf(5);
    const rolledBack = { chain, seq: 3, hash: String(linked[2]?.hash) };
    const findings = verifyChain(chain, linked.slice(0, 3), rolledBack, [
      { ...head, checkpointAt: '2026-11-25T11:00:00.000Z' },
    ]);
    expect(findings.map((f) => f.problem)).toEqual(['missing', 'missing']);
  });

  it.each([
    [2, 4],
    [1, 2],
  ])('names exactly the two records whose positions %i and %i were swapped', (x, y) => {
    const { linked, head } = chainOf(5);
    const a = linked[x - 1] as Record<string, unknown>;
    const b = linked[y - 1] as Record<string, unknown>;
    [a.chainPosition, b.chainPosition] = [b.chainPosition, a.chainPosition];
    const findings = verifyChain(chain, linked, head, undefined);
    expect(findings.map((f) => [f.problem, f.seq, f.record?.eventId])).toEqual([
      ['reordered', x, `event-${y}`],
      ['reordered', y, `event-${x}`],
    ]);
  });

  it('detects a record rewritten with a recomputed hash through the next link', () => {
    const { linked, head } = chainOf(4);
    const forged: Record<string, unknown> = { ...(linked[1] as Record<string, unknown>), reasonCodes: [] };
    forged.hash = recordHash(forged);
    linked[1] = forged;
    const findings = verifyChain(chain, linked, head, undefined);
    expect(findings).toEqual([expect.objectContaining({ problem: 'broken-link', seq: 3 })]);
  });

  it('detects a whole chain rewritten consistently, through the checkpoint', () => {
    const original = chainOf(3);
    const rewritten = linkRecords({ chain, seq: 0, hash: GENESIS_HASH }, [event(1), event(2), event(9)]);
    const findings = verifyChain(chain, rewritten.linked, rewritten.head, [
      { ...original.head, checkpointAt: '2026-11-25T11:00:00.000Z' },
    ]);
    // With one checkpoint nothing vouches for any earlier record: the rewrite may start at the first.
    expect(findings).toEqual([expect.objectContaining({ problem: 'differs-from-checkpoint', seq: 1 })]);
  });

  it('names the first record after the last checkpoint that still matches', () => {
    const original = chainOf(5);
    const at = (seq: number, checkpointAt: string) => ({
      chain,
      seq,
      hash: String(original.linked[seq - 1]?.hash),
      checkpointAt,
    });
    const rewritten = linkRecords({ chain, seq: 0, hash: GENESIS_HASH }, [
      event(1),
      event(2),
      event(3),
      event(9),
      event(5),
    ]);
    const findings = verifyChain(chain, rewritten.linked, rewritten.head, [
      at(5, '2026-11-25T12:00:00.000Z'),
      at(2, '2026-11-25T11:00:00.000Z'),
    ]);
    expect(findings).toEqual([
      expect.objectContaining({
        problem: 'differs-from-checkpoint',
        seq: 3,
        record: expect.objectContaining({ eventId: 'event-3' }),
        message: expect.stringContaining(
          'Positions up to 2 match the checkpoint of 2026-11-25T11:00:00.000Z',
        ),
      }),
    ]);
  });

  it('reports a chain that vanished after a checkpoint saw it', () => {
    const { head } = chainOf(2);
    const findings = verifyChain(chain, [], undefined, [{ ...head, checkpointAt: 'yesterday' }]);
    expect(findings.map((f) => f.problem)).toEqual(['missing', 'missing', 'head-missing', 'chain-deleted']);
  });
});

describe('checkpoints and trail verification', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer: CheckpointSigner = {
    sign: async (digest) => ({
      signature: sign(null, digest, privateKey).toString('base64'),
      keyId: 'test-key',
      algorithm: 'ECDSA_SHA_256',
    }),
    verify: async (digest, signature) => verify(null, digest, publicKey, Buffer.from(signature, 'base64')),
  };

  function memoryTrail(
    records: Record<string, unknown>[],
    heads: { chain: string; seq: number; hash: string }[],
  ) {
    const checkpoints: Checkpoint[] = [];
    const trail: AuditTrailStore = {
      heads: async (day) => heads.filter((h) => !day || h.chain.startsWith(`${day}#`)),
      legacyChainRecords: async (c) => records.filter((r) => r.chain === c && r.chainSeq !== undefined),
      // As byDayShard lists them: records linked with chainPosition under their chain's day.
      dayRecords: async (day) =>
        records.filter((r) => (r.chainPosition !== undefined ? String(r.chain).slice(0, 10) : r.day) === day),
      checkpoints: async () => checkpoints,
      putCheckpoint: async (c) => {
        checkpoints.push(c);
        return true;
      },
    };
    return { trail, checkpoints };
  }
  const now = new Date('2026-11-25T12:00:00.000Z');

  it('signs the heads, skips an unchanged trail, and verifies clean', async () => {
    const { linked, head } = chainOf(4);
    const { trail, checkpoints } = memoryTrail(linked, [head]);
    expect((await takeCheckpoint({ trail, signer }, now)).written).toBe(true);
    expect((await takeCheckpoint({ trail, signer }, new Date(now.getTime() + 3_600_000))).written).toBe(
      false,
    );
    expect(checkpoints).toHaveLength(1);
    const report = await verifyAuditTrail({ trail, signer }, { now });
    expect(report).toMatchObject({
      intact: true,
      days: ['2026-11-25'],
      chains: 1,
      records: 4,
      checkpoints: 1,
    });
  });

  it('rejects a checkpoint whose heads were edited, and one removed from between two others', async () => {
    const first = chainOf(2);
    const records = [...first.linked];
    const heads = [first.head];
    const { trail, checkpoints } = memoryTrail(records, heads);
    await takeCheckpoint({ trail, signer }, now);
    const more = linkRecords(first.head, [event(3)]);
    records.push(...more.linked);
    heads[0] = more.head;
    await takeCheckpoint({ trail, signer }, new Date(now.getTime() + 1000));
    const more2 = linkRecords(more.head, [event(4)]);
    records.push(...more2.linked);
    heads[0] = more2.head;
    await takeCheckpoint({ trail, signer }, new Date(now.getTime() + 2000));
    expect((await verifyAuditTrail({ trail, signer }, { now })).intact).toBe(true);

    checkpoints.splice(1, 1);
    const unlinked = await verifyAuditTrail({ trail, signer }, { now });
    expect(unlinked.findings.map((f) => f.problem)).toEqual(['checkpoint-unlinked']);

    (checkpoints[0] as Checkpoint).heads = [{ ...first.head, seq: 1 }];
    const forged = await verifyAuditTrail({ trail, signer }, { now });
    expect(forged.findings.map((f) => f.problem)).toContain('checkpoint-invalid');
  });

  it('names forged records that name a chain without being part of it', async () => {
    // Prepare: an intact chain of 2026-11-25; then, listed under that day, a record claiming a
    // position in another day's chain (whose head exists), and one naming the chain without a
    // position.
    const { linked, head } = chainOf(2);
    const other = linkRecords({ chain: '2026-11-24#writerB', seq: 0, hash: GENESIS_HASH }, [event(5)]);
    const claimsOther = { ...(other.linked[0] as Record<string, unknown>), eventId: 'forged-1' };
    const noPosition = { ...event(6), chain, prevHash: GENESIS_HASH, hash: 'f'.repeat(64) };
    const { trail } = memoryTrail([...linked, ...other.linked, noPosition], [head, other.head]);
    const listed = trail.dayRecords;
    trail.dayRecords = async (day) => [
      ...(await listed(day)),
      ...(day === '2026-11-25' ? [claimsOther] : []),
    ];

    // Act
    const report = await verifyAuditTrail({ trail, signer }, { days: ['2026-11-25'], now });

    // Assess
    expect(report.findings.map((f) => [f.problem, f.record?.eventId])).toEqual([
      ['unchained', 'event-6'],
      ['unchained', 'forged-1'],
    ]);
  });

  it('names a record put beyond the head of a chain whose day has ended', async () => {
    // Prepare: a chain of 2026-11-25 verified the next day, with a record linked after its head.
    const { linked, head } = chainOf(2);
    const extra = linkRecords(head, [event(3)]);
    const { trail } = memoryTrail([...linked, ...extra.linked], [head]);

    // Act: the same day, it may still be growing; the day after, it cannot.
    const sameDay = await verifyAuditTrail({ trail, signer }, { now });
    const nextDay = await verifyAuditTrail({ trail, signer }, { now: new Date('2026-11-26T12:00:00.000Z') });

    // Assess
    expect(sameDay.intact).toBe(true);
    expect(nextDay.findings.map((f) => [f.problem, f.record?.eventId])).toEqual([['unchained', 'event-3']]);
  });

  it('names a record of the day that sits outside every chain', async () => {
    const { linked, head } = chainOf(2);
    const stripped = { ...event(7) };
    const { trail } = memoryTrail([...linked, stripped], [head]);
    const report = await verifyAuditTrail({ trail, signer }, { now });
    expect(report.findings).toEqual([
      expect.objectContaining({
        problem: 'unchained',
        record: { stream: 'k1.subject1', eventId: 'event-7' },
      }),
    ]);
  });
});
