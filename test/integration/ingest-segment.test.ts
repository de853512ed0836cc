import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

const customer = (externalId: string, extra: Record<string, unknown> = {}) => ({
  externalId,
  type: 'individual',
  personalData: { name: `Test Person ${externalId}`, email: `${externalId.toLowerCase()}@example.test` },
  jurisdictions: ['DE'],
  lawfulBasis,
  ...extra,
});

async function assignmentOf(pseudonym: string) {
  return (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item;
}

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

describe('ingest → segment → audit', () => {
  it('segments every accepted customer and audits every decision', async () => {
    // Prepare
    const id = runId();
    const records = [
      customer(`A-${id}-1`),
      customer(`A-${id}-2`, { type: 'corporate', jurisdictions: ['IR'], flags: { sanctionsHit: true } }),
      customer(`A-${id}-3`, { flags: { pep: true } }),
    ];

    // Act
    const res = await api('ingest', 'POST', '/v1/customers', { records });

    // Assess
    expect(res.status).toBe(207);
    expect(res.body.summary).toEqual({ received: 3, accepted: 3, duplicates: 0, rejected: 0 });
    const pseudonyms: string[] = res.body.results.map((r: { pseudonym: string }) => r.pseudonym);
    for (const p of pseudonyms) expect(p).toMatch(/^k1\.[A-Za-z0-9_-]{43}$/);
    const assignments = await Promise.all(pseudonyms.map((p) => eventually(() => assignmentOf(p))));
    expect(assignments.map((a) => a.segment)).toEqual(['low', 'critical', expect.any(String)]);
    expect(assignments[1]?.reasonCodes).toContain('SANCTIONS_HIT');
    for (const p of pseudonyms) {
      const audit = await auditOf(p);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        action: 'segment.assigned',
        subject: p,
        modelVersion: 'aml-default@1',
      });
    }
  });

  it('explains a segment on the read API and counts segments', async () => {
    // Prepare
    const id = runId();
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [customer(`R-${id}`, { jurisdictions: ['KP'] })],
    });
    const pseudonym = res.body.results[0].pseudonym as string;
    await eventually(() => assignmentOf(pseudonym));

    // Act
    const segment = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
    const counts = await api('analyst', 'GET', '/v1/segments');

    // Assess
    expect(segment.status).toBe(200);
    expect(segment.body.explanation).toContainEqual(
      expect.objectContaining({ reasonCode: 'HIGH_RISK_JURISDICTION', description: expect.any(String) }),
    );
    expect(segment.body.listsAsOf).toEqual({ highRiskCountries: '2025-10-24' });
    expect(counts.status).toBe(200);
    expect(counts.body.total).toBeGreaterThanOrEqual(1);
    expect(counts.body.segments.map((s: { name: string }) => s.name)).toEqual([
      'low',
      'medium',
      'high',
      'critical',
    ]);
  });

  it('rejects a record without a lawful basis for risk assessment and audits why', async () => {
    // Prepare
    const id = runId();
    const records = [
      customer(`L-${id}-ok`),
      customer(`L-${id}-none`, { lawfulBasis: {} }),
      customer(`L-${id}-consent`, {
        lawfulBasis: { risk_assessment: { ...lawfulBasis.risk_assessment, basis: 'consent' } },
      }),
    ];

    // Act
    const res = await api('ingest', 'POST', '/v1/customers', { records });

    // Assess
    expect(res.status).toBe(207);
    expect(res.body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).toEqual([
      'accepted',
      'LAWFUL_BASIS_MISSING',
      'LAWFUL_BASIS_NOT_PERMITTED',
    ]);
    // Never accepted, so no subject: no pseudonym in the answer, and a lookup finds nobody.
    for (const [i, rejected] of res.body.results.slice(1).entries()) {
      expect(rejected.pseudonym).toBeUndefined();
      const lookup = await api('analyst', 'POST', '/v1/customers/lookup', {
        externalId: records[i + 1]?.externalId,
      });
      expect(lookup.status).toBe(404);
    }
  });

  it('treats a re-sent record as a duplicate: no second write, segmentation or audit record', async () => {
    // Prepare
    const id = runId();
    const records = [customer(`D-${id}`, { jurisdictions: ['VE'] })];
    const first = await api('ingest', 'POST', '/v1/customers', { records });
    const pseudonym = first.body.results[0].pseudonym as string;
    await eventually(() => assignmentOf(pseudonym));

    // Act
    const again = await api('ingest', 'POST', '/v1/customers', { records });
    const reordered = await api('ingest', 'POST', '/v1/customers', {
      records: [{ ...records[0], lawfulBasis, jurisdictions: ['VE'], type: 'individual' }],
    });
    await new Promise((r) => setTimeout(r, 2500));

    // Assess
    expect(again.body.results[0]).toEqual({ index: 0, status: 'duplicate', pseudonym });
    expect(reordered.body.results[0].status).toBe('duplicate');
    expect((await assignmentOf(pseudonym))?.revision).toBe(1);
    expect(await auditOf(pseudonym)).toHaveLength(1);
  });

  it('folds transactions into aggregates and audits the segment change with before and after', async () => {
    // Prepare
    const id = runId();
    const ext = `T-${id}`;
    const first = await api('ingest', 'POST', '/v1/customers', { records: [customer(ext)] });
    const pseudonym = first.body.results[0].pseudonym as string;
    const initial = await eventually(() => assignmentOf(pseudonym));
    const now = Date.now();
    const transactions = Array.from({ length: 4 }, (_, i) => ({
      transactionId: `${ext}-tx-${i}`,
      customerExternalId: ext,
      amount: 9500 + i * 50,
      currency: 'EUR',
      timestamp: new Date(now - (i + 1) * 86_400_000).toISOString(),
      direction: 'inbound',
      counterpartyCountry: 'IR',
      paymentMethod: 'cash',
    }));

    // Act
    const res = await api('ingest', 'POST', '/v1/transactions', {
      transactions: [
        ...transactions,
        { ...transactions[0], customerExternalId: `nobody-${id}`, transactionId: `x-${id}` },
      ],
    });
    const changed = await eventually(async () => {
      const a = await assignmentOf(pseudonym);
      return a && a.revision > 1 ? a : undefined;
    });
    const resend = await api('ingest', 'POST', '/v1/transactions', {
      transactions: transactions.slice(0, 1),
    });
    const conflict = await api('ingest', 'POST', '/v1/transactions', {
      transactions: [{ ...transactions[0], amount: 1 }],
    });

    // Assess
    expect(res.body.summary).toEqual({ received: 5, accepted: 4, duplicates: 0, rejected: 1 });
    expect(res.body.results[4].code).toBe('UNKNOWN_CUSTOMER');
    expect(resend.body.results[0].status).toBe('duplicate');
    expect(conflict.body.results[0].code).toBe('TRANSACTION_CONFLICT');
    expect(initial.segment).toBe('low');
    expect(changed.reasonCodes).toEqual(expect.arrayContaining(['STRUCTURING_PATTERN']));
    expect(changed.previousSegment).toBe('low');
    const audit = await auditOf(pseudonym);
    const change = audit.find((a) => a.action === 'segment.changed');
    expect(change?.details).toMatchObject({
      before: { segment: 'low' },
      after: { segment: changed.segment },
    });
  });
});
