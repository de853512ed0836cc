import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

/** Deliveries are signed with the reference library, not with riskloop's own code. */
async function deliver(
  provider: string,
  payload: unknown,
  secret: string,
  options: { id?: string; at?: Date; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify(payload);
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, JSON.stringify(payload));
  const res = await fetch(`${inject('runtime').apiUrl}/v1/webhooks/surveys/${provider}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  return { status: res.status, body: (await res.json()) as Record<string, any>, id };
}

const feedbackOf = async (pseudonym: string) =>
  (
    await doc.send(
      new QueryCommand({
        TableName: env().TABLE_FEEDBACK,
        KeyConditionExpression: 'pseudonym = :p',
        ExpressionAttributeValues: { ':p': pseudonym },
      }),
    )
  ).Items ?? [];

describe('survey webhooks', () => {
  let secret = '';
  const id = runId();
  const consenting = `W-${id}-yes`;
  const refusing = `W-${id}-no`;
  let pseudonym = '';

  beforeAll(async () => {
    const rotated = await api('admin', 'POST', '/v1/webhooks/surveys/riskloop/secrets', {});
    secret = rotated.body.secret;
    // The webhook function re-reads its secrets on a bad signature at most every 5 s; if another
    // test's hostile delivery just made it refresh, the new secret is refused until then (a real
    // sender retries). Wait it out rather than race it.
    await new Promise((r) => setTimeout(r, 5_100));
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [
        {
          externalId: consenting,
          type: 'individual',
          jurisdictions: ['DE'],
          lawfulBasis: {
            ...lawfulBasis,
            feedback: { basis: 'consent', recordedAt: '2026-01-01T00:00:00Z', source: 'app', version: 'v1' },
          },
        },
        { externalId: refusing, type: 'individual', jurisdictions: ['DE'], lawfulBasis },
      ],
    });
    pseudonym = res.body.results[0].pseudonym;
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`)).status === 200 ? true : undefined,
    );
  });

  it('links a signed response, seals the comment, derives themes and re-segments the customer', async () => {
    // Prepare
    const comment = `Blocked account again, they asked for my passport twice ${id}`;
    const response = {
      type: 'survey.response',
      surveyId: 'onboarding-nps',
      respondent: { externalId: consenting },
      submittedAt: new Date().toISOString(),
      nps: 3,
      comment,
      answers: [
        { questionId: 'employment', type: 'choice', value: 'self-employed' },
        { questionId: 'story', type: 'text', value: `free text ${id}` },
      ],
    };

    // Act
    const first = await deliver('riskloop', response, secret);
    const replay = await deliver('riskloop', response, secret, { id: first.id });
    const unconsented = await deliver(
      'riskloop',
      { ...response, respondent: { externalId: refusing } },
      secret,
    );

    // Assess
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'linked', linked: true });
    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe('duplicate');
    expect(unconsented.body).toMatchObject({
      status: 'counted',
      linked: false,
      reason: 'NO_FEEDBACK_CONSENT',
    });
    const stored = await feedbackOf(pseudonym);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      nps: 3,
      npsSkipped: false,
      themes: expect.arrayContaining(['account_blocked']),
    });
    expect(JSON.stringify(stored)).not.toContain(id);
    expect(stored[0]?.comment).toMatchObject({ v: 1 });
    // The comment is nowhere in clear: not in the logs, not in the queue bodies.
    expect(readFileSync(inject('runtimeLogFile'), 'utf8')).not.toContain(id);
    expect(await (await fetch(`${inject('runtime').adminUrl}/queue-messages`)).text()).not.toContain(
      'passport',
    );
    const assignment = await eventually(async () => {
      const a = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
      return a.body.inputs?.feedback?.npsScore === 3 ? a.body : undefined;
    });
    expect(assignment.inputs.feedback).toMatchObject({ npsScore: 3, frictionThemes90d: 1, responses90d: 1 });
    // Persona attributes: choice and rating answers become self-reported risk inputs; free text never.
    expect(assignment.inputs.feedback.selfReported).toEqual({ employment: 'self-employed' });
    const nps = await api('analyst', 'GET', '/v1/feedback/nps');
    const low = nps.body.segments.find((s: { segment: string }) => s.segment === 'low');
    expect(low.detractors).toBeGreaterThanOrEqual(1);
  });

  it('refuses unsigned, tampered, wrongly signed and stale deliveries with 401, and unknown providers with 404', async () => {
    const response = {
      type: 'survey.response',
      surveyId: 's',
      respondent: { externalId: consenting },
      submittedAt: new Date().toISOString(),
      nps: 10,
    };
    const wrong = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const unsigned = await fetch(`${inject('runtime').apiUrl}/v1/webhooks/surveys/riskloop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(response),
    });
    const tampered = await deliver('riskloop', response, secret, {
      body: JSON.stringify({ ...response, nps: 0 }),
    });
    const wrongSecret = await deliver('riskloop', response, wrong);
    const stale = await deliver('riskloop', response, secret, { at: new Date(Date.now() - 10 * 60_000) });
    const unknown = await deliver('nosuchtool', response, secret);
    expect(unsigned.status).toBe(401);
    expect([tampered.status, wrongSecret.status, stale.status]).toEqual([401, 401, 401]);
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(tampered.body)).not.toContain('survey');
  });

  it('maps a Zigpoll-like payload by configuration, counts surveys sent and reports participation', async () => {
    // Prepare: a secret for the mapped provider, and two more consenting customers.
    const zigpoll = (await api('admin', 'POST', '/v1/webhooks/surveys/zigpoll/secrets', {})).body
      .secret as string;
    const ids = [consenting, `W-${id}-b`, `W-${id}-c`];
    const added = await api('ingest', 'POST', '/v1/customers', {
      records: ids.slice(1).map((externalId) => ({
        externalId,
        type: 'individual',
        jurisdictions: ['DE'],
        lawfulBasis: {
          ...lawfulBasis,
          feedback: {
            basis: 'legitimate_interests',
            recordedAt: '2026-01-01T00:00:00Z',
            source: 'app',
            version: 'v1',
          },
        },
      })),
    });
    for (const r of added.body.results as { pseudonym: string }[]) {
      await eventually(async () =>
        (await api('analyst', 'GET', `/v1/customers/${r.pseudonym}/segment`)).status === 200
          ? true
          : undefined,
      );
    }
    const now = new Date().toISOString();
    const before = await api('analyst', 'GET', '/v1/feedback/nps');
    const lowBefore = before.body.segments.find((x: { segment: string }) => x.segment === 'low');

    // Act
    for (const externalId of ids) {
      await deliver(
        'zigpoll',
        { event: 'poll.sent', pollId: 'p1', participant: { externalId }, createdAt: now },
        zigpoll,
      );
    }
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`)).status === 200 ? true : undefined,
    );
    const answers = await Promise.all(
      [9, 2].map((value, i) =>
        deliver(
          'zigpoll',
          {
            event: 'response.created',
            id: `r${i}`,
            pollId: 'p1',
            participant: { externalId: ids[i + 1] },
            response: { type: 'nps', value },
            createdAt: now,
          },
          zigpoll,
        ),
      ),
    );
    const unmappable = await deliver(
      'zigpoll',
      { event: 'response.created', pollId: 'p1', createdAt: now },
      zigpoll,
    );
    const after = await api('analyst', 'GET', '/v1/feedback/nps');
    const blind = await api('compliance', 'GET', '/v1/feedback/blind-spots');

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(unmappable.status).toBe(422);
    expect(unmappable.body.error.details[0].path).toContain('participant');
    const total = (b: typeof after.body) =>
      b.segments.reduce((n: number, x: { surveyed: number }) => n + x.surveyed, 0) as number;
    expect(total(after.body) - total(before.body)).toBe(3);
    const low = after.body.segments.find((x: { segment: string }) => x.segment === 'low');
    expect(low.promoters - lowBefore.promoters + low.detractors - lowBefore.detractors).toBe(2);
    expect(low.participationRate).toEqual(expect.any(Number));
    expect(after.body.rule).toContain('skipped');
    expect(blind.status).toBe(200);
    expect(Array.isArray(blind.body.blindSpots)).toBe(true);
  });
});
