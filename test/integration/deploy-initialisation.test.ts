import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { api, deliverSigned, env, localDynamo, runId } from '../helpers/local.js';

/**
 * The deployment initialises the keyring before any request (the local runtime runs the same initialiser
 * handler, through the same custom resource protocol, at start): a lookup or a survey delivery about a
 * customer nobody ever ingested is answered as such, never with a 5xx.
 */
const doc = localDynamo();
afterAll(() => doc.destroy());

describe('deploy-time initialisation, on the running system', () => {
  it('created the pseudonymisation secret and the KEK, each with one audit record by the deployment', async () => {
    for (const keyRef of ['mac#k1', 'kek#kek1']) {
      const item = await doc.send(new GetCommand({ TableName: env().TABLE_KEYRING, Key: { keyRef } }));
      expect(item.Item?.wrapped, keyRef).toEqual(expect.any(String));
    }
    const records = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#stream = :s AND begins_with(eventId, :p)',
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':s': 'system', ':p': 'deployment:keyring:' },
      }),
    );
    expect((records.Items ?? []).map((r) => [r.eventId, r.action, r.actor]).sort()).toEqual([
      ['deployment:keyring:kek#kek1', 'keyring.initialised', { type: 'system', id: 'deployment' }],
      ['deployment:keyring:mac#k1', 'keyring.initialised', { type: 'system', id: 'deployment' }],
    ]);
  });

  it('answers a lookup of a customer never ingested with 404, not 5xx', async () => {
    const res = await api('analyst', 'POST', '/v1/customers/lookup', { externalId: `never-${runId()}` });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('accepts a signed survey delivery about a customer never ingested without a 5xx', async () => {
    // Formbricks: a provider no other test rotates secrets of.
    const secret = (await api('admin', 'POST', '/v1/webhooks/surveys/formbricks/secrets', {})).body
      .secret as string;
    // The webhook function re-reads its secrets on a bad signature at most every 5 s (survey-webhooks.test.ts).
    await new Promise((r) => setTimeout(r, 5_100));
    const payload = {
      webhookId: 'wh1',
      event: 'responseFinished',
      data: {
        id: `r-${runId()}`,
        createdAt: new Date().toISOString(),
        surveyId: 'nps',
        finished: true,
        contact: { id: 'c1', userId: `never-${runId()}` },
        data: { nps: 9 },
      },
    };
    const res = await deliverSigned('formbricks', secret, payload);
    // Verified and answered as a delivery about nobody riskloop knows: counted, never linked.
    expect(res.status).toBe(200);
  });
});
