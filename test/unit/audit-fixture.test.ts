/**
 * A trail as version 1 wrote it (test/fixtures/audit-trail-v1.json: the audit table of a local run
 * of commit c35d58a, before staff text became codes and sealed notes) must still verify and read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChainHead } from '../../shared/domain/audit-trail/chain.js';
import type { CheckpointSigner } from '../../shared/domain/audit-trail/signer.js';
import {
  type AuditTrailStore,
  type Checkpoint,
  verifyAuditTrail,
} from '../../shared/domain/audit-trail/verify.js';
import { customerHistory } from '../../shared/domain/insights/history.js';
import type { Assignment } from '../../shared/domain/ports.js';
import { assignmentOf, overrideOf } from '../../shared/domain/segmentation/pin-shapes.js';

type Item = Record<string, unknown>;
const fixture = JSON.parse(readFileSync('test/fixtures/audit-trail-v1.json', 'utf8')) as {
  items: Item[];
  override: Item;
  pinnedAssignment: Item;
};
const legacyReason = 'False positive confirmed by the MLRO, case 2026-114';

function trailOf(items: readonly Item[]) {
  const records = items.filter((i) => i.stream !== 'chains' && i.stream !== 'checkpoints');
  const heads: ChainHead[] = items
    .filter((i) => i.stream === 'chains')
    .map((i) => ({ chain: String(i.eventId), seq: Number(i.headSeq), hash: String(i.headHash) }));
  const checkpoints = items
    .filter((i) => i.stream === 'checkpoints')
    .map(({ stream: _s, eventId: _e, ...c }) => c as unknown as Checkpoint);
  const trail: AuditTrailStore = {
    heads: async (day) => heads.filter((h) => !day || h.chain.startsWith(`${day}#`)),
    legacyChainRecords: async (chain) => records.filter((r) => r.chain === chain && r.chainSeq !== undefined),
    dayRecords: async (day) =>
      records.filter((r) => (r.chainPosition !== undefined ? String(r.chain).slice(0, 10) : r.day) === day),
    checkpoints: async () => checkpoints,
    putCheckpoint: async () => false,
  };
  // The run's local KMS key is gone with it: the stand-in accepts exactly the recorded signature
  // over the recorded digest, so the digests and their links are still checked.
  const signer: CheckpointSigner = {
    sign: async () => {
      throw new Error('not signing here');
    },
    verify: async (digest, signature) =>
      checkpoints.some((c) => c.signature === signature && Buffer.from(c.digest, 'hex').equals(digest)),
  };
  return { trail, signer, records };
}

const day = String(fixture.items.find((i) => typeof i.day === 'string')?.day);
const now = new Date(`${day}T23:00:00.000Z`);

describe('an audit trail of schema version 1', () => {
  it('verifies intact, every record and checkpoint of it', async () => {
    const { trail, signer, records } = trailOf(fixture.items);
    const report = await verifyAuditTrail({ trail, signer }, { now, settleMs: 0 });
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ intact: true, records: records.length, checkpoints: 1 });
    expect(new Set(records.map((r) => r.schemaVersion))).toEqual(new Set([1]));
  });

  it('still names an edit of it', async () => {
    const items = structuredClone(fixture.items);
    const pin = items.find((i) => i.action === 'segment.pinned') as Item & { details: Item };
    pin.details.reason = 'rewritten';
    const { trail, signer } = trailOf(items);
    const report = await verifyAuditTrail({ trail, signer }, { now, settleMs: 0 });
    expect(report.findings).toEqual([
      expect.objectContaining({ problem: 'edited', record: { stream: pin.stream, eventId: pin.eventId } }),
    ]);
  });

  it('reads as history without the free-text reason its pin records carry', async () => {
    const { records } = trailOf(fixture.items);
    const pseudonym = String(fixture.override.pseudonym);
    const history = await customerHistory(
      pseudonym,
      undefined,
      records.filter((r) => r.stream === pseudonym),
      async () => new Map(),
    );
    expect(history.history.map((e) => e.action)).toEqual([
      'segment.assigned',
      'segment.pinned',
      'segment.changed',
      'segment.unpinned',
      'segment.changed',
    ]);
    expect(JSON.stringify(history)).not.toContain('MLRO');
    expect(JSON.stringify(records)).toContain(legacyReason);
  });

  it('reads its pin and assignment items in the current shape', () => {
    expect(overrideOf(fixture.override)).toMatchObject({
      reasonCode: 'UNCODED',
      legacyReason,
      schemaVersion: 1,
    });
    const assignment = assignmentOf(fixture.pinnedAssignment as unknown as Assignment);
    expect(assignment.pinned).toEqual({
      segment: 'high',
      reasonCode: 'UNCODED',
      expiresAt: fixture.override.expiresAt,
      pinnedBy: 'local-compliance',
    });
  });
});
