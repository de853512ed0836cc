import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { api, deliverSigned, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

/**
 * Keys named like members of every object, numbers beyond exact range and ill-formed Unicode, through the
 * whole pipeline (ingest → queue → worker → reads, and the survey webhook): each refused with its code
 * where it enters, nothing of it written, its neighbours written and segmented.
 */

const customer = (externalId: string, extra: Record<string, unknown> = {}) => ({
  externalId,
  type: 'individual',
  jurisdictions: ['DE'],
  lawfulBasis,
  ...extra,
});

describe('hostile input through the pipeline', () => {
  const id = runId();

  it('rejects each hostile record of a batch with its code and segments the good one', async () => {
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [
        customer(`H-${id}-good`, { attributes: { segmentHint: 'retail' } }),
        customer(`H-${id}-ctor`, { attributes: { constructor: 'x' } }),
        customer(`H-${id}-big`, { attributes: { balance: 2 ** 53 + 2 } }),
        customer(`H-${id}-\ud800`),
        customer(`H-${id}-\udbff`),
      ],
    });

    expect(res.status).toBe(207);
    const results = res.body.results as {
      status: string;
      pseudonym?: string;
      details?: { code: string }[];
    }[];
    expect(results.map((r) => (r.status === 'rejected' ? r.details?.[0]?.code : r.status))).toEqual([
      'accepted',
      'RESERVED_KEY',
      'UNSAFE_NUMBER',
      'ILL_FORMED_UNICODE',
      'ILL_FORMED_UNICODE',
    ]);
    const good = results[0]?.pseudonym as string;
    const segment = await eventually(async () => {
      const read = await api('analyst', 'GET', `/v1/customers/${good}/segment`);
      return read.status === 200 ? read.body : undefined;
    });
    expect(segment.segment).toEqual(expect.any(String));
    // Nothing of the rejected ones: no directory entry, so no lookup finds them.
    for (const suffix of ['ctor', 'big']) {
      const lookup = await api('analyst', 'POST', '/v1/customers/lookup', {
        externalId: `H-${id}-${suffix}`,
      });
      expect(lookup.status, suffix).toBe(404);
    }
  });

  it('answers 400 with the code for such input anywhere in a request that is not a batch', async () => {
    const res = await api('analyst', 'POST', '/v1/risk-models/validate', JSON.parse('{"toString":{}}'));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ path: 'toString', code: 'RESERVED_KEY' }),
    ]);
  });

  it('refuses a survey answer whose question id is a member of every object, without claiming the delivery', async () => {
    // Rotation keeps the two newest secrets, so survey-webhooks.test.ts's rotation stays valid beside this one.
    const secret = (await api('admin', 'POST', '/v1/webhooks/surveys/riskloop/secrets', {})).body
      .secret as string;
    await new Promise((r) => setTimeout(r, 5_100));
    const deliver = (questionId: string, webhookId: string) =>
      deliverSigned(
        'riskloop',
        secret,
        {
          type: 'survey.response',
          surveyId: 'nps',
          respondent: { externalId: `H-${id}-good` },
          submittedAt: new Date().toISOString(),
          nps: 8,
          answers: [{ questionId, type: 'choice', value: 'yes' }],
        },
        webhookId,
      );
    const webhookId = `msg_${randomUUID()}`;

    const refused = await deliver('constructor', webhookId);
    const corrected = await deliver('employment', webhookId);

    expect(refused.status).toBe(400);
    expect(refused.body.error?.details).toEqual([expect.objectContaining({ code: 'RESERVED_KEY' })]);
    // The refused delivery claimed nothing: the sender's corrected retry is processed, not a duplicate.
    expect(corrected.status).toBe(200);
    expect(corrected.body.status).not.toBe('duplicate');
  });

  it('lets no unauthenticated request write the audit trail', async () => {
    const unsigned = () =>
      fetch(`${inject('runtime').apiUrl}/v1/webhooks/surveys/riskloop`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': `msg_${runId()}`,
          'webhook-timestamp': '1',
        },
        body: '{}',
      }).then((r) => r.status);

    const statuses = await Promise.all(Array.from({ length: 20 }, unsigned));

    expect(new Set(statuses)).toEqual(new Set([401]));
    const doc = localDynamo();
    const records = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#stream = :s AND begins_with(eventId, :p)',
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':s': 'system', ':p': 'webhook.rejected#' },
      }),
    );
    doc.destroy();
    expect(records.Items ?? []).toEqual([]);
  });
});
