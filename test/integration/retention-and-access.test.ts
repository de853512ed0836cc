import { readFileSync } from 'node:fs';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as adapters from '../../shared/adapters/compose.js';
import { policyOfSegment, publishedSegments } from '../../shared/domain/privacy/legal-hold.js';
import {
  type RetentionDeps,
  retentionExpiresAt,
  runRetention,
} from '../../shared/domain/privacy/retention.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

// The scheduler's retention run, composed as its handler composes it, so the test can hand it a clock.
let retentionDeps: RetentionDeps;
beforeAll(() => {
  Object.assign(process.env, env());
  const settings = env();
  const privacy = adapters.privacy(settings);
  retentionDeps = {
    store: adapters.retention(settings),
    segments: publishedSegments(adapters.riskModels(settings)),
    eraser: privacy,
    audit: adapters.audit(settings),
  };
});

/**
 * Relationships of these tests ended in 1970 and the job runs "in" 1972 and 1975: the local system is
 * shared with other test files whose customers ended decades later, so no run here can erase theirs.
 */
const ended1970 = '1970-03-01T00:00:00.000Z';
const beforeEnd = new Date('1972-01-01T00:00:00Z');
const afterEnd = new Date('1975-03-02T00:00:00Z');

const table = (name: string) => env()[name] as string;
const get = async (tableName: string, key: Record<string, unknown>) =>
  (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
const assignmentOf = (pseudonym: string) => get(table('TABLE_ASSIGNMENTS'), { pseudonym });
const queryOf = async (tableName: string, keyName: string, value: string) =>
  (
    await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': keyName },
        ExpressionAttributeValues: { ':v': value },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

function customer(externalId: string, extra: Record<string, unknown> = {}) {
  return {
    externalId,
    type: 'individual',
    personalData: { name: `Rhoda Retain ${externalId}`, email: `${externalId.toLowerCase()}@retain.example` },
    jurisdictions: ['FR'],
    lawfulBasis,
    ...extra,
  };
}

async function ingest(record: Record<string, unknown>): Promise<string> {
  const res = await api('ingest', 'POST', '/v1/customers', { records: [record] });
  expect(res.status).toBe(207);
  expect(res.body.results[0].status).toBe('accepted');
  return res.body.results[0].pseudonym as string;
}

describe('retention: TTL backstop and the daily job', () => {
  it('stamps every item of an ended relationship with its retention end, then erases it when the period is over', async () => {
    // Prepare: a customer whose relationship ended, with a pin, an audit outcome and a feedback item.
    const id = runId();
    const externalId = `RETAIN-${id}`;
    const pseudonym = await ingest(customer(externalId, { relationshipEndedAt: ended1970 }));
    await eventually(() => assignmentOf(pseudonym));
    const pin = {
      segment: 'high',
      reasonCode: 'INVESTIGATION_OPEN',
      note: 'Retention test pin',
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    };
    expect((await api('compliance', 'PUT', `/v1/customers/${pseudonym}/pin`, pin)).status).toBe(200);
    const pinned = await eventually(async () => {
      const a = await assignmentOf(pseudonym);
      return a?.segment === 'high' ? a : undefined;
    });
    const outcome = { externalId, outcome: 'issue', date: '1969-05-01', source: 'INTERNAL_AUDIT' };
    expect((await api('compliance', 'POST', '/v1/audit-outcomes', { outcomes: [outcome] })).status).toBe(207);
    // A linked survey response, seeded directly (the webhook path is covered by its own tests): its
    // own expiry, two years after the response, is later than this customer's retention end.
    const feedbackExpiry = Math.floor(Date.now() / 1000) + 730 * 86_400;
    await doc.send(
      new PutCommand({
        TableName: table('TABLE_FEEDBACK'),
        Item: {
          pseudonym,
          responseKey: `seeded-${id}`,
          provider: 'riskloop',
          surveyId: 'retention-test',
          submittedAt: '1969-06-01T00:00:00.000Z',
          themes: [],
          segment: 'low',
          expiresAt: feedbackExpiry,
        },
      }),
    );
    const profile = await get(table('TABLE_PROFILES'), { pseudonym });
    const lookup = profile?.subjectLookup as string;
    const policy = policyOfSegment(loadDefaultModel().segments, pinned.segment);
    const expected = retentionExpiresAt({ relationshipEndedAt: ended1970 }, policy) as number;

    // Act: the daily run before the retention end.
    await runRetention(retentionDeps, beforeEnd, `before-${id}`);
    const stamped = {
      profile: await get(table('TABLE_PROFILES'), { pseudonym }),
      subjectKey: await get(table('TABLE_SUBJECT_KEYS'), { pseudonym }),
      directory: await get(table('TABLE_SUBJECT_INDEX'), { lookup }),
      assignment: await assignmentOf(pseudonym),
      override: await get(table('TABLE_OVERRIDES'), { pseudonym }),
      outcomes: await queryOf(table('TABLE_OUTCOMES'), 'pseudonym', pseudonym),
      feedback: await queryOf(table('TABLE_FEEDBACK'), 'pseudonym', pseudonym),
    };
    const keptExport = await api('privacy', 'POST', '/v1/subjects/export', {
      customerExternalId: externalId,
    });

    // Assess: every item carries the backstop (end + 5 years + 30 days), and nothing was deleted.
    expect(lookup).toMatch(/\S+/);
    expect(expected).toBe(Date.parse('1975-03-01T00:00:00Z') / 1000 + 30 * 86_400);
    expect(stamped.profile?.retainUntil).toBe(expected);
    expect(stamped.subjectKey?.retainUntil).toBe(expected);
    expect(stamped.directory?.retainUntil).toBe(expected);
    expect(stamped.assignment?.retainUntil).toBe(expected);
    expect(stamped.override?.retainUntil).toBe(expected);
    // The pin's own expiry (an ISO date) is untouched: the TTL is a different attribute.
    expect(stamped.override?.expiresAt).toBe(pin.expiresAt);
    expect(stamped.outcomes.map((o) => o.retainUntil)).toEqual([expected]);
    // Feedback keeps its TTL attribute, brought forward to the retention backstop.
    expect(stamped.feedback.map((f) => f.expiresAt)).toEqual([expected]);
    expect(keptExport.status).toBe(200);
    expect(keptExport.body.profile.personalData.name).toContain(externalId);

    // Act: the daily run after the retention end (TTL never ran: DynamoDB Local does not expire items).
    await runRetention(retentionDeps, afterEnd, `after-${id}`);

    // Assess: erased everywhere, key gone, the old id unknown, audited as the system with its reason.
    expect(await get(table('TABLE_SUBJECT_KEYS'), { pseudonym })).toBeUndefined();
    expect(await get(table('TABLE_PROFILES'), { pseudonym })).toBeUndefined();
    expect(await get(table('TABLE_SUBJECT_INDEX'), { lookup })).toBeUndefined();
    expect(await get(table('TABLE_OVERRIDES'), { pseudonym })).toBeUndefined();
    expect(await queryOf(table('TABLE_OUTCOMES'), 'pseudonym', pseudonym)).toEqual([]);
    expect(await queryOf(table('TABLE_FEEDBACK'), 'pseudonym', pseudonym)).toEqual([]);
    const fresh = adapters.keys(env());
    expect((await fresh.subjectKeys([pseudonym], false)).has(pseudonym)).toBe(false);
    expect(
      (await api('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId })).status,
    ).toBe(404);
    const trail = await queryOf(table('TABLE_AUDIT'), 'stream', pseudonym);
    expect(trail.find((e) => e.action === 'subject.erased')).toMatchObject({
      actor: { type: 'system', id: 'privacy-scheduler' },
      reasonCodes: ['RETENTION_ENDED'],
      details: {
        purpose: 'retention-ended',
        removed: expect.objectContaining({
          subjectKey: 1,
          profile: 1,
          override: 1,
          outcomes: 1,
          feedback: 1,
        }),
      },
    });
    expect(trail.find((e) => e.action === 'subject.erased')?.details.removed.directoryEntry).toBe(1);
  }, 60_000);

  it('removes the backstop when a customer whose relationship ended comes back', async () => {
    // Prepare: ended, stamped by a run.
    const externalId = `RETURN-${runId()}`;
    const pseudonym = await ingest(customer(externalId, { relationshipEndedAt: ended1970 }));
    await eventually(() => assignmentOf(pseudonym));
    await runRetention(retentionDeps, beforeEnd, `stamp-${externalId}`);
    const stampedKey = await get(table('TABLE_SUBJECT_KEYS'), { pseudonym });

    // Act: the relationship is active again (re-sent without an end date); the next run.
    expect(await ingest(customer(externalId))).toBe(pseudonym);
    await runRetention(retentionDeps, beforeEnd, `return-${externalId}`);

    // Assess: no item of an active customer may expire.
    expect(stampedKey?.retainUntil).toEqual(expect.any(Number));
    const lookup = (await get(table('TABLE_PROFILES'), { pseudonym }))?.subjectLookup as string;
    for (const item of [
      await get(table('TABLE_PROFILES'), { pseudonym }),
      await get(table('TABLE_SUBJECT_KEYS'), { pseudonym }),
      await get(table('TABLE_SUBJECT_INDEX'), { lookup }),
      await assignmentOf(pseudonym),
    ]) {
      expect(item).toBeDefined();
      expect(item?.retainUntil).toBeUndefined();
    }
  }, 60_000);
});

describe('access to personal data by segment sensitivity', () => {
  it('lets only the roles of the segment policy decrypt, audits every decryption and refusal with its purpose', async () => {
    // Prepare: a critical customer (sanctions hit in a high-risk country) and a low one.
    const id = runId();
    const criticalRecord = customer(`CRIT-${id}`, {
      type: 'corporate',
      jurisdictions: ['IR'],
      flags: { sanctionsHit: true },
    });
    const lowRecord = customer(`LOW-${id}`);
    const critical = await ingest(criticalRecord);
    const low = await ingest(lowRecord);
    expect((await eventually(() => assignmentOf(critical)))?.segment).toBe('critical');
    expect((await eventually(() => assignmentOf(low)))?.segment).toBe('low');
    const path = '/v1/customers/personal-data';

    // Act
    const analystCritical = await api('analyst', 'POST', path, {
      pseudonym: critical,
      purpose: 'kyc_review',
    });
    const complianceCritical = await api('compliance', 'POST', path, {
      pseudonym: critical,
      purpose: 'enhanced_due_diligence',
    });
    const analystLow = await api('analyst', 'POST', path, { pseudonym: low, purpose: 'kyc_review' });
    const analystClaimsAccessRequest = await api('analyst', 'POST', path, {
      pseudonym: low,
      purpose: 'subject_access_request',
    });
    const officerExport = await api('privacy', 'POST', '/v1/subjects/export', {
      customerExternalId: criticalRecord.externalId,
    });
    const strict = await api('compliance', 'POST', path, {
      pseudonym: critical,
      purpose: 'kyc_review',
      x: 1,
    });
    const noPurpose = await api('compliance', 'POST', path, { pseudonym: critical, purpose: 'curiosity' });
    const ingestRole = await api('ingest', 'POST', path, { pseudonym: critical, purpose: 'kyc_review' });

    // Assess: the answers.
    expect(analystCritical.status).toBe(403);
    expect(analystCritical.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: [{ code: 'SEGMENT_POLICY' }],
    });
    expect(JSON.stringify(analystCritical.body)).not.toContain(criticalRecord.personalData.name);
    expect(complianceCritical.status).toBe(200);
    expect(complianceCritical.headers.get('cache-control')).toBe('no-store');
    expect(complianceCritical.body).toEqual({
      pseudonym: critical,
      segment: 'critical',
      purpose: 'enhanced_due_diligence',
      personalData: criticalRecord.personalData,
      staffNotes: { pin: null, outcomes: [] },
    });
    expect(analystLow.status).toBe(200);
    expect(analystLow.body.personalData).toEqual(lowRecord.personalData);
    expect(analystClaimsAccessRequest.status).toBe(403);
    // The privacy officer is not in the critical policy, yet must answer an access request in full.
    expect(officerExport.status).toBe(200);
    expect(officerExport.body.profile.personalData).toEqual(criticalRecord.personalData);
    expect(strict.status).toBe(400);
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.body.error.details).toEqual([expect.objectContaining({ path: 'purpose' })]);
    expect(ingestRole.status).toBe(403);

    // Assess: the audit trail, with actor, purpose, segment and field names; no values.
    const criticalTrail = await queryOf(table('TABLE_AUDIT'), 'stream', critical);
    const lowTrail = await queryOf(table('TABLE_AUDIT'), 'stream', low);
    expect(criticalTrail.filter((e) => e.action === 'personal-data.refused')).toEqual([
      expect.objectContaining({
        actor: { type: 'principal', id: 'local-analyst', role: 'analyst' },
        reasonCodes: ['ROLE_NOT_IN_SEGMENT_POLICY'],
        details: expect.objectContaining({
          purpose: 'kyc_review',
          segment: 'critical',
          allowedRoles: ['compliance'],
        }),
      }),
    ]);
    const decrypted = criticalTrail.filter((e) => e.action === 'personal-data.decrypted');
    expect(decrypted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: { type: 'principal', id: 'local-compliance', role: 'compliance' },
          details: {
            purpose: 'enhanced_due_diligence',
            segment: 'critical',
            basis: 'segment-policy',
            fields: ['personalData.email', 'personalData.name'],
            opened: 1,
          },
        }),
        expect.objectContaining({
          actor: { type: 'principal', id: 'local-privacy', role: 'privacy' },
          reasonCodes: ['LEGAL_OBLIGATION'],
          details: expect.objectContaining({ purpose: 'subject_access_request', basis: 'legal-obligation' }),
        }),
      ]),
    );
    expect(decrypted).toHaveLength(2);
    expect(lowTrail.filter((e) => e.action === 'personal-data.decrypted')).toHaveLength(1);
    expect(lowTrail.filter((e) => e.action === 'personal-data.refused')).toEqual([
      expect.objectContaining({ reasonCodes: ['PURPOSE_NOT_PERMITTED'] }),
    ]);
    const needles = [criticalRecord, lowRecord].flatMap((r) => [
      r.externalId,
      r.personalData.name,
      r.personalData.email,
    ]);
    const trailText = JSON.stringify([...criticalTrail, ...lowTrail]);
    for (const value of needles) expect(trailText.includes(value), value).toBe(false);

    // No identifier or personal data in the gateway's access log or any handler's log line.
    const logs = readFileSync(inject('runtimeLogFile'), 'utf8');
    expect(logs).toContain('personal data released');
    for (const value of [...needles, critical, low]) expect(logs.includes(value), value).toBe(false);
  }, 60_000);
});
