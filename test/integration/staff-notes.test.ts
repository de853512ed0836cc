import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../shared/domain/canonical.js';
import { addYears } from '../../shared/domain/privacy/legal-hold.js';
import { scanForLeaks } from '../helpers/leak-scan.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());
const table = (name: string) => env()[name] as string;
const get = async (name: string, key: Record<string, unknown>) =>
  (await doc.send(new GetCommand({ TableName: table(name), Key: key, ConsistentRead: true }))).Item;
const assignmentOf = (pseudonym: string) => get('TABLE_ASSIGNMENTS', { pseudonym });
const trailOf = async (pseudonym: string) =>
  (
    await doc.send(
      new QueryCommand({
        TableName: table('TABLE_AUDIT'),
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: { ':s': pseudonym },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

async function ingest(externalId: string, extra: Record<string, unknown> = {}) {
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: [{ externalId, type: 'individual', jurisdictions: ['FR'], lawfulBasis, ...extra }],
  });
  expect(res.body.results[0].status).toBe('accepted');
  const pseudonym = res.body.results[0].pseudonym as string;
  await eventually(() => assignmentOf(pseudonym));
  return pseudonym;
}

const expiresAt = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

describe('staff free text is personal data', () => {
  it('seals pin and outcome notes: codes for analysts and the trail, text only under the segment policy, shredded on erasure', async () => {
    // Prepare: a customer whose relationship ended long ago, so erasure is not deferred.
    const id = runId();
    const externalId = `NOTE-${id}`;
    const pseudonym = await ingest(externalId, {
      relationshipEndedAt: addYears(new Date(), -20).toISOString(),
    });
    const pinNote = `Spoke to her brother Ivo Marsh-${id} about the wire`;
    const outcomeNote = `Tip-off from the neighbour Alma Quist-${id}`;
    const pinPath = `/v1/customers/${pseudonym}/pin`;
    const read = { pseudonym, purpose: 'investigation' };

    // Act
    const oldShape = await api('compliance', 'PUT', pinPath, {
      segment: 'high',
      reason: pinNote,
      expiresAt: expiresAt(),
    });
    const pinned = await api('compliance', 'PUT', pinPath, {
      segment: 'high',
      reasonCode: 'ADVERSE_MEDIA',
      note: pinNote,
      expiresAt: expiresAt(),
    });
    await eventually(async () => ((await assignmentOf(pseudonym))?.pinned ? true : undefined));
    const recorded = await api('compliance', 'POST', '/v1/audit-outcomes', {
      outcomes: [
        { pseudonym, outcome: 'issue', date: '2026-11-30', source: 'LAW_ENFORCEMENT', note: outcomeNote },
        { pseudonym, outcome: 'issue', date: '2026-11-29', source: outcomeNote },
      ],
    });
    const analystSegment = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
    const analystHistory = await api('analyst', 'GET', `/v1/customers/${pseudonym}/history`);
    const analystRead = await api('analyst', 'POST', '/v1/customers/personal-data', read);
    const complianceRead = await api('compliance', 'POST', '/v1/customers/personal-data', read);
    // A second pin replaces the first; the first note stays on record (sealed, in the trail).
    const secondNote = `Second look by the MLRO at Marsh-${id}`;
    const repinned = await api('compliance', 'PUT', pinPath, {
      segment: 'high',
      reasonCode: 'INVESTIGATION_OPEN',
      note: secondNote,
      expiresAt: expiresAt(),
    });
    const exported = await api('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId });

    // Assess: the answers.
    expect(oldShape.status).toBe(400);
    expect(oldShape.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'reason', code: 'REPLACED_FIELD' })]),
    );
    expect(pinned.status).toBe(200);
    expect(pinned.body).toMatchObject({ reasonCode: 'ADVERSE_MEDIA', noteHash: expect.any(String) });
    expect(recorded.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected']);
    expect(analystSegment.body.pinned).toEqual({
      segment: 'high',
      reasonCode: 'ADVERSE_MEDIA',
      expiresAt: expect.any(String),
      pinnedBy: 'local-compliance',
    });
    expect(analystHistory.status).toBe(200);
    // The segment in force is high, whose policy keeps personal data from analysts: notes included.
    expect(analystRead.status).toBe(403);
    expect(complianceRead.status).toBe(200);
    expect(complianceRead.body.staffNotes).toEqual({
      pin: { reasonCode: 'ADVERSE_MEDIA', pinnedAt: expect.any(String), note: pinNote },
      outcomes: [{ date: '2026-11-30', outcome: 'issue', source: 'LAW_ENFORCEMENT', note: outcomeNote }],
    });
    expect(repinned.status).toBe(200);
    expect(exported.status).toBe(200);
    expect(exported.body.override).toMatchObject({ reasonCode: 'INVESTIGATION_OPEN', note: secondNote });
    expect(
      exported.body.segmentHistory.filter((e: { action: string }) => e.action === 'segment.pinned'),
    ).toEqual([
      expect.objectContaining({ reasonCodes: ['MANUAL_OVERRIDE', 'ADVERSE_MEDIA'], note: pinNote }),
      expect.objectContaining({ reasonCodes: ['MANUAL_OVERRIDE', 'INVESTIGATION_OPEN'], note: secondNote }),
    ]);
    expect(exported.body.outcomes).toEqual([
      { outcome: 'issue', date: '2026-11-30', source: 'LAW_ENFORCEMENT', note: outcomeNote },
    ]);

    // Assess: the trail keeps the code and the hash of the sealed box, which the pin item holds.
    const stored = await get('TABLE_OVERRIDES', { pseudonym });
    const trail = await trailOf(pseudonym);
    const pinRecord = trail.find(
      (e) => e.action === 'segment.pinned' && e.details.reasonCode === 'INVESTIGATION_OPEN',
    );
    const boxHash = createHash('sha256').update(canonicalJson(stored?.note)).digest('hex');
    expect(pinRecord).toMatchObject({
      schemaVersion: 2,
      reasonCodes: ['MANUAL_OVERRIDE', 'INVESTIGATION_OPEN'],
      details: { reasonCode: 'INVESTIGATION_OPEN', noteHash: boxHash, sealedNote: stored?.note },
    });
    expect(repinned.body.noteHash).toBe(boxHash);
    expect(trail.find((e) => e.action === 'personal-data.decrypted')?.details.fields).toEqual(
      expect.arrayContaining(['outcomes.note', 'pin.note']),
    );

    // Assess: the text is nowhere in clear: tables, queues, events, logs, or what analysts were answered.
    const scan = await scanForLeaks({
      needles: { pinNote, outcomeNote, secondNote },
      responses: [oldShape, pinned, repinned, recorded, analystSegment, analystHistory, analystRead],
    });
    expect(scan.seen.tableItems.overrides).toBeGreaterThan(0);
    expect(scan.hits).toEqual([]);

    // Act: erasure.
    const erased = await api('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });

    // Assess: the pin, its note and the key are gone; the trail still holds the codes and hashes.
    expect(erased.status).toBe(200);
    expect(await get('TABLE_OVERRIDES', { pseudonym })).toBeUndefined();
    expect(await get('TABLE_SUBJECT_KEYS', { pseudonym })).toBeUndefined();
    expect(
      (await trailOf(pseudonym))
        .filter((e) => e.action === 'segment.pinned')
        .map((e) => e.details.reasonCode),
    ).toEqual(['ADVERSE_MEDIA', 'INVESTIGATION_OPEN']);
  }, 60_000);

  it('reads pins stored before reasons were coded: UNCODED for analysts, the old text only under the policy', async () => {
    // Prepare: a low-risk customer pinned the old way, its free text copied into the assignment.
    const pseudonym = await ingest(`LEGACY-${runId()}`);
    const legacyText = `Legacy reason naming Petra Lind-${runId()}`;
    const pin = { segment: 'medium', expiresAt: expiresAt(), pinnedBy: 'officer-0' };
    await doc.send(
      new PutCommand({
        TableName: table('TABLE_OVERRIDES'),
        Item: { pseudonym, ...pin, reason: legacyText, pinnedAt: new Date().toISOString() },
      }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: table('TABLE_ASSIGNMENTS'),
        Key: { pseudonym },
        UpdateExpression: 'SET pinned = :p',
        ExpressionAttributeValues: { ':p': { ...pin, reason: legacyText } },
      }),
    );

    const legacySource = `internal audit by Petra's team-${runId()}`;
    await doc.send(
      new PutCommand({
        TableName: table('TABLE_OUTCOMES'),
        Item: {
          pseudonym,
          outcomeId: `legacy-${runId()}`,
          outcome: 'no_issue',
          date: '2026-01-02',
          source: legacySource,
          recordedBy: 'officer-0',
          recordedAt: new Date().toISOString(),
        },
      }),
    );

    // Act
    const analystSegment = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
    const complianceRead = await api('compliance', 'POST', '/v1/customers/personal-data', {
      pseudonym,
      purpose: 'kyc_review',
    });

    // Assess
    expect(analystSegment.status).toBe(200);
    expect(analystSegment.body.pinned).toEqual({ ...pin, reasonCode: 'UNCODED' });
    expect(JSON.stringify(analystSegment.body)).not.toContain('Petra');
    expect(complianceRead.body.staffNotes).toEqual({
      pin: { reasonCode: 'UNCODED', pinnedAt: expect.any(String), note: legacyText },
      outcomes: [{ date: '2026-01-02', outcome: 'no_issue', source: 'UNCODED', note: legacySource }],
    });
  });
});
