import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseDetail } from '../../shared/domain/events/schemas.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const run = promisify(execFile);
const doc = localDynamo();
afterAll(() => doc.destroy());

const runScheduler = async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', resolve('infra/local/invoke.ts'), 'kycReviewScheduler'],
    { env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir } },
  );
  return JSON.parse(stdout.slice(stdout.lastIndexOf('{\n'))) as Record<string, number>;
};
const events = async (detailType: string) => {
  const res = await fetch(`${inject('runtime').adminUrl}/events?detailType=${detailType}`);
  return (await res.json()) as { 'detail-type': string; detail: { subject: string } }[];
};
const auditActions = async (pseudonym: string) =>
  (
    (
      await doc.send(
        new QueryCommand({
          TableName: env().TABLE_AUDIT,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'stream' },
          ExpressionAttributeValues: { ':s': pseudonym },
        }),
      )
    ).Items ?? []
  ).map((i) => i.action as string);

let pseudonym: string;
const externalId = `KYC-${runId()}`;
const customer = (extra: Record<string, unknown> = {}) => ({
  externalId,
  type: 'individual',
  jurisdictions: ['DE'],
  // Consent to feedback: closing a review then requests a survey.
  lawfulBasis: { ...lawfulBasis, feedback: { ...lawfulBasis.risk_assessment, basis: 'consent' } },
  ...extra,
});
const sevenYearsAgo = new Date(Date.now() - 7 * 365 * 86_400_000).toISOString();

beforeAll(async () => {
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: [customer()],
  });
  pseudonym = res.body.results[0].pseudonym;
  await eventually(
    async () =>
      (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item,
  );
  // The customer's last KYC review closed seven years ago: overdue under every segment policy.
  await doc.send(
    new PutCommand({
      TableName: env().TABLE_KYC_REVIEWS,
      Item: { pseudonym, lastReviewAt: sevenYearsAgo, basis: 'review', caseId: null },
    }),
  );
}, 60_000);

/** Every case of a listing, page by page (pages of 2, so the cursor is walked even on a small system). */
async function allCases(query: string): Promise<{ subject: string; caseId: string }[]> {
  const all: { subject: string; caseId: string }[] = [];
  let cursor: string | null = null;
  do {
    const page = await api(
      'compliance',
      'GET',
      `/v1/cases?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.cases.length).toBeLessThanOrEqual(2);
    all.push(...page.body.cases);
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(new Set(all.map((c) => c.caseId)).size).toBe(all.length);
  return all;
}

describe('KYC review scheduler and compliance cases', () => {
  let caseId: string;

  it('finds the overdue review, opens one case and publishes one valid KycReviewDue event', async () => {
    const report = await runScheduler();
    expect(report.overdue).toBeGreaterThanOrEqual(1);

    const mine = (await events('KycReviewDue')).filter((e) => e.detail.subject === pseudonym);
    expect(mine).toHaveLength(1);
    const detail = parseDetail('KycReviewDue', mine[0]?.detail);
    expect(detail.lastReviewAt).toBe(sevenYearsAgo.slice(0, 10));
    expect(detail.overdueDays).toBeGreaterThan(0);

    const open = await allCases('status=open&kind=kyc_review');
    const found = open.find((c) => c.subject === pseudonym);
    expect(found).toMatchObject({ kind: 'kyc_review', status: 'open', reasonCode: 'KYC_REVIEW_DUE' });
    caseId = String(found?.caseId);
  }, 60_000);

  it('opens nothing and publishes nothing again on the next run', async () => {
    await runScheduler();
    expect((await events('KycReviewDue')).filter((e) => e.detail.subject === pseudonym)).toHaveLength(1);
    const open = await allCases('status=open&kind=kyc_review');
    expect(open.filter((c) => c.subject === pseudonym)).toHaveLength(1);
  }, 60_000);

  it('moves a case open → in review → closed, refusing skipped steps and other roles', async () => {
    const path = `/v1/cases/${caseId}/transitions`;
    const close = {
      to: 'closed',
      outcome: { result: 'issue_found', reasonCode: 'SOURCE_OF_FUNDS_UNCLEAR', recordAuditOutcome: true },
    };
    expect((await api('analyst', 'POST', path, { to: 'in_review' })).status).toBe(403);
    const skipped = await api('compliance', 'POST', path, close);
    expect(skipped.status).toBe(409);
    expect(skipped.body.error.code).toBe('INVALID_TRANSITION');
    expect((await api('compliance', 'POST', path, { to: 'in_review', notes: 'free text' })).status).toBe(400);

    expect((await api('compliance', 'POST', path, { to: 'in_review' })).body.status).toBe('in_review');
    const closed = await api('compliance', 'POST', path, close);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      outcome: { result: 'issue_found', auditOutcomeRecorded: true },
    });
    expect(closed.body.pendingEvents).toBeUndefined();
    const surveys = (await events('SurveyRequested')).filter((e) => e.detail.subject === pseudonym);
    expect(surveys.map((e) => parseDetail('SurveyRequested', e.detail).touchpoint)).toContain(
      'kyc_review_completed',
    );
    expect((await api('compliance', 'POST', path, close)).status).toBe(409);
  });

  it('audits every move, feeds the outcome to scoring and restarts the review interval', async () => {
    expect(await auditActions(pseudonym)).toEqual(
      expect.arrayContaining(['case.opened', 'case.in-review', 'case.closed']),
    );
    const outcomes = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_OUTCOMES,
        KeyConditionExpression: 'pseudonym = :p',
        ExpressionAttributeValues: { ':p': pseudonym },
      }),
    );
    expect(outcomes.Items).toEqual([expect.objectContaining({ outcome: 'issue', source: `case:${caseId}` })]);
    const review = await doc.send(new GetCommand({ TableName: env().TABLE_KYC_REVIEWS, Key: { pseudonym } }));
    expect(review.Item).toMatchObject({ basis: 'review', caseId });
    expect(Date.parse(review.Item?.lastReviewAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await runScheduler()).overdue).toBe(0);
  }, 60_000);

  it('opens a case by hand, idempotently for the same trigger, and names unknown cases 404', async () => {
    const body = {
      kind: 'enhanced_due_diligence',
      subject: pseudonym,
      reasonCode: 'EDD_REQUIRED',
      triggerEventId: `evt-${runId()}`,
    };
    const first = await api('compliance', 'POST', '/v1/cases', body);
    expect(first.status).toBe(201);
    const again = await api('compliance', 'POST', '/v1/cases', body);
    expect(again.status).toBe(200);
    expect(again.body.caseId).toBe(first.body.caseId);
    expect((await api('admin', 'GET', `/v1/cases/${first.body.caseId}`)).body.kind).toBe(
      'enhanced_due_diligence',
    );
    expect((await api('compliance', 'GET', '/v1/cases/case_AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect(
      (await api('compliance', 'POST', '/v1/cases', { ...body, subject: 'someone@example.com' })).status,
    ).toBe(400);
  });

  it('exports the cases and KYC review of the subject, and erasure removes them', async () => {
    const exported = await api('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId });
    expect(exported.status).toBe(200);
    expect(exported.body.cases.map((c: { kind: string }) => c.kind).sort()).toEqual([
      'enhanced_due_diligence',
      'kyc_review',
    ]);
    expect(exported.body.kycReview).toMatchObject({ basis: 'review' });

    // The relationship ended long ago: no legal hold, the erasure happens now.
    await api('ingest', 'POST', '/v1/customers', {
      records: [customer({ relationshipEndedAt: '2010-01-31T00:00:00Z' })],
    });
    const erased = await api('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });
    expect(erased.status).toBe(200);
    expect(erased.body.removed).toMatchObject({ cases: 2, kycReview: 1 });
    const left = await api('compliance', 'GET', '/v1/cases?status=closed&kind=kyc_review');
    expect(left.body.cases.filter((c: { subject: string }) => c.subject === pseudonym)).toEqual([]);
    // Erased means erased: nothing new may be recorded about the customer.
    const reopened = await api('compliance', 'POST', '/v1/cases', {
      kind: 'compliance_review',
      subject: pseudonym,
      reasonCode: 'AFTER_ERASURE',
    });
    expect([reopened.status, reopened.body.error?.code]).toEqual([410, 'SUBJECT_ERASED']);
    const pinned = await api('compliance', 'PUT', `/v1/customers/${pseudonym}/pin`, {
      segment: 'high',
      reasonCode: 'OTHER',
      note: 'pinned after the erasure, which must be refused',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect([pinned.status, pinned.body.error?.code]).toEqual([410, 'SUBJECT_ERASED']);
    const outcome = await api('compliance', 'POST', '/v1/audit-outcomes', {
      outcomes: [{ pseudonym, outcome: 'issue', date: '2026-01-15', source: 'INTERNAL_AUDIT' }],
    });
    expect(outcome.body.results[0]).toMatchObject({ status: 'rejected', code: 'SUBJECT_ERASED' });
  });
});
