import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as adapters from '../../shared/adapters/compose.js';
import { openJson, type SealedBox } from '../../shared/domain/crypto/envelope.js';
import { personalDataContext } from '../../shared/domain/ingestion/customers.js';
import { runDeferredErasures } from '../../shared/domain/privacy/erasure.js';
import { addYears, policyOfSegment, publishedSegments } from '../../shared/domain/privacy/legal-hold.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/index.js';
import { scanForLeaks } from '../helpers/leak-scan.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

// The scheduler's domain function runs here, composed exactly as its handler composes it, so the
// test can hand it a clock past the hold instead of waiting years.
let schedulerDeps: Parameters<typeof runDeferredErasures>[0];
let keys: ReturnType<typeof adapters.keys>;
beforeAll(() => {
  Object.assign(process.env, env());
  const settings = env();
  const privacy = adapters.privacy(settings);
  schedulerDeps = {
    profiles: adapters.profiles(settings),
    assignments: adapters.assignments(settings),
    segments: publishedSegments(adapters.riskModels(settings)),
    requests: privacy,
    eraser: privacy,
    audit: adapters.audit(settings),
  };
  keys = adapters.keys(settings);
});

const yearsAgo = (n: number) => addYears(new Date(), -n).toISOString();

function customer(externalId: string, extra: Record<string, unknown> = {}) {
  return {
    externalId,
    type: 'individual',
    personalData: {
      name: `Erasmus Forgetmenot ${externalId}`,
      email: `${externalId.toLowerCase()}@forget.example`,
      dateOfBirth: '1980-02-03',
    },
    jurisdictions: ['FR'],
    lawfulBasis,
    ...extra,
  };
}

async function ingest(record: ReturnType<typeof customer>): Promise<string> {
  const res = await api('ingest', 'POST', '/v1/customers', { records: [record] });
  expect(res.status).toBe(207);
  expect(res.body.results[0].status).toBe('accepted');
  return res.body.results[0].pseudonym as string;
}

const get = async (table: string, key: Record<string, unknown>) =>
  (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
const assignmentOf = (pseudonym: string) => get(env().TABLE_ASSIGNMENTS as string, { pseudonym });

async function auditOf(pseudonym: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: env().TABLE_AUDIT,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: { ':s': pseudonym },
    }),
  );
  return out.Items ?? [];
}

async function sendTransaction(externalId: string, transactionId: string, amount: number) {
  const res = await api('ingest', 'POST', '/v1/transactions', {
    transactions: [
      {
        transactionId,
        customerExternalId: externalId,
        amount,
        currency: 'EUR',
        timestamp: new Date(Date.now() - 86_400_000).toISOString(),
        direction: 'inbound',
        counterpartyCountry: 'BE',
        paymentMethod: 'card',
      },
    ],
  });
  expect(res.body.results[0].status).toBe('accepted');
}

describe('data subject rights: access', () => {
  it('lets only the privacy officer call the subject routes', async () => {
    const body = { customerExternalId: `nobody-${runId()}` };
    for (const role of ['analyst', 'compliance', 'ingest', 'admin'] as const) {
      expect((await api(role, 'POST', '/v1/subjects/erasure', body)).status, role).toBe(403);
      expect((await api(role, 'POST', '/v1/subjects/export', body)).status, role).toBe(403);
    }
    const unknown = await api('privacy', 'POST', '/v1/subjects/export', body);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'No such subject' });
    expect(JSON.stringify(unknown.body)).not.toContain(body.customerExternalId);
    const strict = await api('privacy', 'POST', '/v1/subjects/erasure', { ...body, reason: 'x' });
    expect(strict.status).toBe(400);
  });
});

describe('data subject rights: erasure without a hold, and export', () => {
  it('exports everything decrypted, then crypto-shreds the subject so nothing links back', async () => {
    // Prepare: a customer whose relationship ended long ago, with a transaction.
    const id = runId();
    const externalId = `ERASE-${id}`;
    const relationshipEndedAt = yearsAgo(20);
    const record = customer(externalId, { relationshipEndedAt });
    const pseudonym = await ingest(record);
    await eventually(() => assignmentOf(pseudonym));
    await sendTransaction(externalId, `ERASE-TXN-${id}`, 4321);
    await eventually(async () => ((await assignmentOf(pseudonym))?.revision === 2 ? true : undefined));
    const sealed = (await get(env().TABLE_PROFILES as string, { pseudonym }))?.personalData as SealedBox;
    const keyBefore = (await keys.subjectKeys([pseudonym], false)).get(pseudonym);

    // Act: export, then erase.
    const exported = await api('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId });
    const erased = await api('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });

    // Assess the export: decrypted personal data, transactions, segment with reasons, history, bases.
    expect(exported.status).toBe(200);
    expect(exported.headers.get('cache-control')).toBe('no-store');
    expect(exported.body.subject).toEqual({ pseudonym });
    expect(exported.body.profile.personalData).toEqual(record.personalData);
    expect(exported.body.profile.relationshipEndedAt).toBe(relationshipEndedAt);
    expect(exported.body.transactions).toEqual([
      expect.objectContaining({
        amount: 4321,
        currency: 'EUR',
        direction: 'inbound',
        counterpartyCountry: 'BE',
      }),
    ]);
    expect(exported.body.segment).toMatchObject({
      segment: expect.any(String),
      reasonCodes: expect.any(Array),
    });
    expect(exported.body.segmentHistory.map((h: { action: string }) => h.action)[0]).toBe('segment.assigned');
    expect(exported.body.processing).toEqual([
      expect.objectContaining({ purpose: 'risk_assessment', lawfulBasis: lawfulBasis.risk_assessment }),
    ]);
    expect(exported.body.erasureRequests).toEqual([]);

    // Assess the erasure: what was removed, per category.
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      status: 'erased',
      removed: {
        subjectKey: 1,
        profile: 1,
        transactions: 1,
        assignment: 1,
        override: 0,
        feedback: 0,
        outcomes: 0,
        erasureRequest: 0,
        cases: 0,
        kycReview: 0,
        directoryEntry: 1,
      },
    });
    // The subject is gone for the API...
    expect(
      (await api('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId })).status,
    ).toBe(404);
    expect(
      (await api('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId })).status,
    ).toBe(404);
    // ...and crypto-shredded: the key that opened the sealed data exists nowhere any more.
    expect(keyBefore && openJson(keyBefore, sealed, personalDataContext(pseudonym))).toEqual(
      record.personalData,
    );
    expect(await get(env().TABLE_SUBJECT_KEYS as string, { pseudonym })).toBeUndefined();
    const fresh = adapters.keys(env());
    expect((await fresh.subjectKeys([pseudonym], false)).has(pseudonym)).toBe(false);

    const needles = {
      externalId,
      name: record.personalData.name,
      email: record.personalData.email,
      pseudonym,
    };

    // The audit trail keeps the decisions and the erasure, under the now unlinkable pseudonym, with no personal data.
    const trail = await auditOf(pseudonym);
    const erasure = trail.find((e) => e.action === 'subject.erased');
    expect(erasure).toMatchObject({
      actor: { type: 'principal', id: 'local-privacy', role: 'privacy' },
      details: { purpose: 'erasure-request', removed: erased.body.removed },
    });
    expect(trail.find((e) => e.action === 'subject.exported')?.details).toMatchObject({
      purpose: 'subject-access-request',
      decrypted: { personalData: 1 },
    });
    const trailText = JSON.stringify(trail);
    for (const value of [externalId, record.personalData.name, record.personalData.email])
      expect(trailText.includes(value)).toBe(false);

    // A later ingest of the same id starts a new subject.
    const again = await ingest(customer(externalId));
    expect(again).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    expect(again).not.toBe(pseudonym);

    // Nowhere but the audit trail (and the history of queue messages and events sent before the
    // erasure) holds the id, the personal data or the old pseudonym; not in a URL of the access log either.
    const scan = await scanForLeaks({
      needles,
      allow: { pseudonym: ['audit', 'queues', 'events'] },
    });
    expect(scan.text.logs).toContain('/v1/subjects/erasure');
    expect(scan.text.logs).toContain('erasure request handled');
    expect(scan.hits).toEqual([]);
  }, 60_000);
});

describe('data subject rights: erasure under a legal hold', () => {
  it('defers erasure during AML record keeping, keeps the data, and the scheduler erases it later', async () => {
    // Prepare: the relationship ended a year ago, so the records must be kept some years more.
    const id = runId();
    const externalId = `HOLD-${id}`;
    const ended = yearsAgo(1);
    const pseudonym = await ingest(customer(externalId, { relationshipEndedAt: ended }));
    const assignment = await eventually(() => assignmentOf(pseudonym));
    const years = policyOfSegment(
      loadDefaultModel().segments,
      assignment.segment,
    ).retentionYearsAfterRelationship;
    const until = addYears(new Date(ended), years).toISOString();

    // Act
    const deferred = await api('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });
    const stillThere = await api('privacy', 'POST', '/v1/subjects/export', {
      customerExternalId: externalId,
    });
    const today = await runDeferredErasures(schedulerDeps, new Date(), `today-${id}`);
    const keptToday = await get(env().TABLE_SUBJECT_KEYS as string, { pseudonym });
    const request = await get(env().TABLE_ERASURE_REQUESTS as string, { pseudonym });
    await runDeferredErasures(schedulerDeps, new Date(Date.parse(until) + 86_400_000), `later-${id}`);

    // Assess
    expect(deferred.status).toBe(202);
    expect(deferred.body).toEqual({
      status: 'deferred',
      hold: { reason: 'AML record keeping', until, retentionYears: years },
    });
    expect(stillThere.status).toBe(200);
    expect(stillThere.body.profile.personalData.name).toContain(externalId);
    expect(stillThere.body.erasureRequests).toEqual([
      expect.objectContaining({ status: 'deferred', hold: deferred.body.hold }),
    ]);
    expect(request).toMatchObject({ pseudonym, hold: deferred.body.hold });
    expect(JSON.stringify(request)).not.toContain(externalId);
    expect(today.pending).toBeGreaterThanOrEqual(1);
    expect(keptToday).toBeDefined();
    // After the hold: erased by the scheduler, request included, audited as the system.
    expect(await get(env().TABLE_SUBJECT_KEYS as string, { pseudonym })).toBeUndefined();
    expect(await get(env().TABLE_PROFILES as string, { pseudonym })).toBeUndefined();
    expect(await get(env().TABLE_ERASURE_REQUESTS as string, { pseudonym })).toBeUndefined();
    expect(
      (await api('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId })).status,
    ).toBe(404);
    const trail = await auditOf(pseudonym);
    expect(trail.find((e) => e.action === 'subject.erasure-deferred')?.details).toMatchObject({
      purpose: 'erasure-request',
      hold: deferred.body.hold,
    });
    expect(trail.find((e) => e.action === 'subject.erased')).toMatchObject({
      actor: { type: 'system', id: 'privacy-scheduler' },
      details: { removed: expect.objectContaining({ subjectKey: 1, profile: 1, erasureRequest: 1 }) },
    });
  }, 60_000);

  it('holds an active relationship with no end date, and erases once its end is ingested and passed', async () => {
    // Prepare
    const externalId = `ACTIVE-${runId()}`;
    const pseudonym = await ingest(customer(externalId));
    await eventually(() => assignmentOf(pseudonym));

    // Act
    const deferred = await api('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });
    await runDeferredErasures(schedulerDeps, addYears(new Date(), 50), `active-${externalId}`);
    const heldStill = await get(env().TABLE_SUBJECT_KEYS as string, { pseudonym });
    // The relationship ends (long ago, as far as the retention period is concerned).
    const ended = await ingest(customer(externalId, { relationshipEndedAt: yearsAgo(30) }));
    await runDeferredErasures(schedulerDeps, new Date(), `ended-${externalId}`);

    // Assess
    expect(deferred.status).toBe(202);
    expect(deferred.body.hold).toMatchObject({ reason: 'relationship active', until: null });
    expect(heldStill).toBeDefined();
    expect(ended).toBe(pseudonym);
    expect(await get(env().TABLE_SUBJECT_KEYS as string, { pseudonym })).toBeUndefined();
    expect(await get(env().TABLE_ERASURE_REQUESTS as string, { pseudonym })).toBeUndefined();
  }, 60_000);
});
