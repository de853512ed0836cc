/**
 * Four-eyes approval through the protocol: a system of its own (four-eyes on for every action, the local
 * OpenID Connect provider), people signed in at the provider's endpoints, API keys beside them. Each flow:
 * the maker's request waits (202), the same person cannot decide, an API key never approves, a second
 * person's approval carries the action out and is audited with both names, a stale request is refused.
 */

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeState } from '../../infra/local/runtime.js';
import type { Role } from '../../infra/manifest.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/default-model.js';
import { launchLocalSystem } from '../global-setup.js';
import { lawfulBasis } from '../helpers/fixtures.js';
import { type OidcEndpoints, signIn } from '../helpers/oidc.js';

let child: ChildProcess | undefined;
let state: RuntimeState;
let doc: DynamoDBDocumentClient;
const dataDir = mkdtempSync(join(tmpdir(), 'riskloop-four-eyes-'));
const people = ['compliance', 'compliance2', 'admin', 'admin2', 'privacy', 'privacy2'] as const;
type Person = (typeof people)[number];
const tokens = new Map<Person, string>();

beforeAll(async () => {
  // The local provider runs by default; four-eyes is asked for here, as `FOUR_EYES=all npm start` does.
  ({ child, state } = await launchLocalSystem(dataDir, { FOUR_EYES: 'all' }));
  const oidc = state.oidc as OidcEndpoints;
  for (const person of people) tokens.set(person, (await signIn(oidc, person)).access_token);
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: state.endpoints.dynamodb,
    }),
  );
}, 120_000);

afterAll(async () => {
  doc?.destroy();
  if (child && child.exitCode === null) {
    await new Promise((resolve) => {
      child?.once('exit', resolve);
      child?.kill('SIGTERM');
    });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Calls the API as a signed-in person, or with a role's API key. */
async function call(who: Person | { key: Role }, method: string, path: string, body?: unknown) {
  const bearer = typeof who === 'string' ? tokens.get(who) : state.credentials[who.key];
  const res = await fetch(`${state.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

const approve = (who: Person | { key: Role }, decide: string, reasonCode = 'REVIEWED_OK') =>
  call(who, 'POST', decide, { decision: 'approve', reasonCode });

const personId = (login: string) => `${state.oidc?.issuer}#${login}`;

async function auditOf(stream: string) {
  const out = await doc.send(
    new QueryCommand({
      TableName: state.env.TABLE_AUDIT,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: { ':s': stream },
    }),
  );
  return out.Items ?? [];
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A new draft of the shipped model (a different change note, so a different content). */
async function draft(changeNote: string): Promise<{ modelId: string; version: number }> {
  const { version: _v, status: _s, ...model } = structuredClone(loadDefaultModel());
  const created = await call('admin', 'POST', '/v1/risk-models', {
    ...model,
    metadata: { ...model.metadata, changeNote },
  });
  expect(created.status).toBe(201);
  return { modelId: created.body.modelId, version: created.body.version };
}

describe('four-eyes: publishing a risk model', () => {
  it('waits for a second administrator; the maker, an API key and a second decision are refused; all audited', async () => {
    // Prepare
    const { modelId, version } = await draft('Four-eyes publication');
    const path = `/v1/risk-models/${modelId}/versions/${version}/publish`;

    // Act
    const requested = await call('admin', 'POST', path, {});
    const again = await call('admin', 'POST', path, {});
    const decide = requested.body.approval.links.decide as string;
    const byMaker = await approve('admin', decide);
    const byKey = await approve({ key: 'admin' }, decide);
    const inboxOfAdmin2 = await call('admin2', 'GET', '/v1/approvals');
    const inboxOfPrivacy = await call('privacy', 'GET', '/v1/approvals');
    const stillDraft = await call('admin2', 'GET', `/v1/risk-models/${modelId}/versions/${version}`);
    const approved = await approve('admin2', decide);
    const twice = await approve('admin2', decide);
    const shown = await call('admin', 'GET', `/v1/approvals/${requested.body.approval.approvalId}`);

    // Assess
    expect(requested.status).toBe(202);
    expect(requested.body.approval).toMatchObject({
      action: 'risk-model.publish',
      target: { modelId, version },
      status: 'pending',
      requestedBy: { principalId: personId('admin'), issuer: state.oidc?.issuer, subject: 'admin' },
    });
    expect(decide).toBe(`/v1/approvals/risk-models/${requested.body.approval.approvalId}`);
    // Asking twice is one request.
    expect(again.body.approval.approvalId).toBe(requested.body.approval.approvalId);
    expect([byMaker.status, byMaker.body.error.code]).toEqual([403, 'SAME_PERSON']);
    expect([byKey.status, byKey.body.error.code]).toEqual([403, 'PERSON_REQUIRED']);
    expect(inboxOfAdmin2.body.approvals.map((a: { approvalId: string }) => a.approvalId)).toContain(
      requested.body.approval.approvalId,
    );
    expect(inboxOfPrivacy.body.approvals).toEqual([]);
    expect(stillDraft.body.status).toBe('draft');
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({
      status: 'approved',
      effected: true,
      decidedBy: { principalId: personId('admin2') },
      reasonCode: 'REVIEWED_OK',
    });
    expect(approved.body.result.published).toMatchObject({ modelId, version });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'APPROVAL_DECIDED']);
    expect(shown.body.status).toBe('approved');
    const trail = await auditOf('system');
    const published = trail.find(
      (r) => r.action === 'model.published' && r.modelVersion === `${modelId}@${version}`,
    );
    expect(published?.actor).toEqual({
      type: 'person',
      id: personId('admin2'),
      issuer: state.oidc?.issuer,
      subject: 'admin2',
      role: 'admin',
      approval: { approvalId: requested.body.approval.approvalId, requestedBy: personId('admin') },
    });
    const actions = trail
      .filter((r) => r.details?.approvalId === requested.body.approval.approvalId)
      .map((r) => [r.action, r.actor.subject]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['approval.requested', 'admin'],
        ['approval.approved', 'admin2'],
        ['approval.effected', 'admin2'],
      ]),
    );
  }, 60_000);

  it('refuses a stale request: another publication meanwhile changed what it would replace', async () => {
    // Prepare: two drafts, both asked for.
    const first = await draft('Stale check, first');
    const second = await draft('Stale check, second');
    const ask = (d: { modelId: string; version: number }) =>
      call('admin', 'POST', `/v1/risk-models/${d.modelId}/versions/${d.version}/publish`, {});
    const [a, b] = [await ask(first), await ask(second)];

    // Act
    const approvedFirst = await approve('admin2', a.body.approval.links.decide);
    const approvedSecond = await approve('admin2', b.body.approval.links.decide);
    const shown = await call('admin2', 'GET', b.body.approval.links.self);

    // Assess
    expect(approvedFirst.status).toBe(200);
    expect([approvedSecond.status, approvedSecond.body.error.code]).toEqual([409, 'APPROVAL_STALE']);
    expect(shown.body.status).toBe('stale');
    const stillDraft = await call(
      'admin',
      'GET',
      `/v1/risk-models/${second.modelId}/versions/${second.version}`,
    );
    expect(stillDraft.body.status).toBe('draft');
  }, 60_000);

  it('lets a second administrator reject a retirement, and the maker withdraw a request', async () => {
    const d = await draft('Reject and withdraw');
    const retire = await call(
      'admin',
      'POST',
      `/v1/risk-models/${d.modelId}/versions/${d.version}/retire`,
      {},
    );
    const rejected = await call('admin2', 'POST', retire.body.approval.links.decide, {
      decision: 'reject',
      reasonCode: 'STILL_NEEDED',
    });
    const publish = await call(
      'admin',
      'POST',
      `/v1/risk-models/${d.modelId}/versions/${d.version}/publish`,
      {},
    );
    const withdrawByOther = await call('admin2', 'POST', publish.body.approval.links.decide, {
      decision: 'withdraw',
      reasonCode: 'NOT_MINE',
    });
    const withdrawn = await call('admin', 'POST', publish.body.approval.links.decide, {
      decision: 'withdraw',
      reasonCode: 'ASKED_TOO_EARLY',
    });
    const noReason = await call('admin2', 'POST', publish.body.approval.links.decide, {
      decision: 'approve',
    });

    expect(rejected.body.approval).toMatchObject({ status: 'rejected', reasonCode: 'STILL_NEEDED' });
    expect(
      (await call('admin', 'GET', `/v1/risk-models/${d.modelId}/versions/${d.version}`)).body.status,
    ).toBe('draft');
    expect([withdrawByOther.status, withdrawByOther.body.error.code]).toEqual([403, 'NOT_THE_MAKER']);
    expect(withdrawn.body.approval.status).toBe('withdrawn');
    expect(noReason.status).toBe(400);
  }, 60_000);
});

describe('four-eyes: pins, legal holds and webhook secrets', () => {
  async function customer(extra: Record<string, unknown> = {}) {
    const externalId = `FE-${Math.random().toString(36).slice(2, 10)}`;
    const res = await call({ key: 'ingest' }, 'POST', '/v1/customers', {
      records: [
        {
          externalId,
          type: 'individual',
          jurisdictions: ['DE'],
          flags: { sanctionsHit: true },
          lawfulBasis,
          ...extra,
        },
      ],
    });
    const pseudonym = res.body.results[0].pseudonym as string;
    await eventually(async () =>
      (await call('compliance', 'GET', `/v1/customers/${pseudonym}/segment`)).status === 200
        ? true
        : undefined,
    );
    return { externalId, pseudonym };
  }
  const expiresAt = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

  it('pins to a lower segment only once a second officer approves; a higher pin needs nobody; a changed pin makes a request stale', async () => {
    const { pseudonym } = await customer();
    const pin = `/v1/customers/${pseudonym}/pin`;

    const lower = await call('compliance', 'PUT', pin, {
      segment: 'high',
      reasonCode: 'MODEL_ERROR',
      expiresAt: expiresAt(),
    });
    const segmentMeanwhile = await call('compliance', 'GET', `/v1/customers/${pseudonym}/segment`);
    const approved = await approve('compliance2', lower.body.approval.links.decide);
    const pinned = await eventually(async () => {
      const s = await call('compliance', 'GET', `/v1/customers/${pseudonym}/segment`);
      return s.body.segment === 'high' ? s.body : undefined;
    });
    // A second lower request, then the pin in force changes: approving it now would approve something else.
    const another = await call('compliance', 'PUT', pin, {
      segment: 'medium',
      reasonCode: 'MODEL_ERROR',
      expiresAt: expiresAt(),
    });
    const lifted = await call('compliance', 'DELETE', pin);
    const stale = await approve('compliance2', another.body.approval.links.decide);
    const notLower = await call('compliance', 'PUT', pin, {
      segment: 'critical',
      reasonCode: 'MODEL_ERROR',
      expiresAt: expiresAt(),
    });

    expect(lower.status).toBe(202);
    expect(segmentMeanwhile.body.segment).toBe('critical');
    expect(approved.status).toBe(200);
    expect(approved.body.result).toMatchObject({ segment: 'high', pinnedBy: personId('compliance2') });
    expect(pinned.segment).toBe('high');
    expect(another.status).toBe(202);
    expect(lifted.status).toBe(200);
    expect([stale.status, stale.body.error.code]).toEqual([409, 'APPROVAL_STALE']);
    expect([notLower.status, notLower.body.segment]).toEqual([200, 'critical']);
    const trail = await auditOf(pseudonym);
    expect(trail.find((r) => r.action === 'segment.pinned')?.actor).toMatchObject({
      subject: 'compliance2',
      approval: { requestedBy: personId('compliance') },
    });
    expect(trail.map((r) => r.action)).toEqual(
      expect.arrayContaining(['approval.requested', 'approval.approved', 'approval.stale']),
    );
  }, 60_000);

  it('erases a customer under a legal hold only once a second privacy officer approves lifting it', async () => {
    const { externalId, pseudonym } = await customer();
    const body = { customerExternalId: externalId, liftHold: { reasonCode: 'COURT_ORDER' } };

    const plain = await call('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });
    const requested = await call('privacy', 'POST', '/v1/subjects/erasure', body);
    const byMaker = await approve('privacy', requested.body.approval.links.decide);
    const approved = await approve('privacy2', requested.body.approval.links.decide);
    const gone = await call('compliance', 'GET', `/v1/customers/${pseudonym}/segment`);

    expect(plain.body.status).toBe('deferred');
    expect(requested.status).toBe(202);
    expect(requested.body.approval).toMatchObject({ action: 'legal-hold.lift', target: { pseudonym } });
    // The request names the subject by pseudonym only, never by the id it was asked with.
    expect(JSON.stringify(requested.body)).not.toContain(externalId);
    expect(byMaker.body.error.code).toBe('SAME_PERSON');
    expect(approved.status).toBe(200);
    expect(approved.body.result.status).toBe('erased');
    expect([404, 410]).toContain(gone.status);
    const erased = (await auditOf(pseudonym)).find((r) => r.action === 'subject.erased');
    expect(erased?.reasonCodes).toEqual(['LEGAL_HOLD_LIFTED', 'COURT_ORDER']);
    expect(erased?.actor).toMatchObject({
      subject: 'privacy2',
      approval: { requestedBy: personId('privacy') },
    });
  }, 60_000);

  it('rotates a webhook secret asked for by a machine once a person approves; the secret goes to the approver only', async () => {
    const requested = await call({ key: 'admin' }, 'POST', '/v1/webhooks/surveys/zigpoll/secrets');
    const approved = await approve('admin', requested.body.approval.links.decide);

    expect(requested.status).toBe(202);
    expect(JSON.stringify(requested.body)).not.toContain('whsec_');
    expect(requested.body.approval.requestedBy.issuer).toBeUndefined();
    expect(approved.status).toBe(200);
    expect(approved.body.result.secret).toMatch(/^whsec_/);
  }, 60_000);

  it('refuses publish: true on training and import here: publication goes through a request', async () => {
    const trained = await call('admin', 'POST', '/v1/scoring-models', { publish: true });
    expect(trained.status).toBe(400);
    expect(trained.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'publish', code: 'APPROVAL_REQUIRED' })]),
    );
  });
});
