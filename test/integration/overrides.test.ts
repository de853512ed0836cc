import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());
const assignmentOf = async (pseudonym: string) =>
  (
    await doc.send(
      new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym }, ConsistentRead: true }),
    )
  ).Item;

describe('manual overrides', () => {
  it('lets a compliance officer pin a segment with a reason code, then lift it; both audited', async () => {
    // Prepare: a sanctioned customer, critical by the model.
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [
        {
          externalId: `O-${runId()}`,
          type: 'individual',
          jurisdictions: ['DE'],
          flags: { sanctionsHit: true },
          lawfulBasis,
        },
      ],
    });
    const pseudonym = res.body.results[0].pseudonym as string;
    await eventually(() => assignmentOf(pseudonym));
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const pin = { segment: 'high', reasonCode: 'MODEL_ERROR', expiresAt };

    // Act
    const asAnalyst = await api('analyst', 'PUT', `/v1/customers/${pseudonym}/pin`, pin);
    const invalid = await api('compliance', 'PUT', `/v1/customers/${pseudonym}/pin`, {
      ...pin,
      segment: 'mild',
    });
    const pinned = await api('compliance', 'PUT', `/v1/customers/${pseudonym}/pin`, pin);
    const held = await eventually(async () => {
      const a = await assignmentOf(pseudonym);
      return a?.pinned ? a : undefined;
    });
    const lifted = await api('compliance', 'DELETE', `/v1/customers/${pseudonym}/pin`);
    const restored = await eventually(async () => {
      const a = await assignmentOf(pseudonym);
      return a && !a.pinned ? a : undefined;
    });
    const again = await api('compliance', 'DELETE', `/v1/customers/${pseudonym}/pin`);
    const explained = await api('compliance', 'GET', `/v1/customers/${pseudonym}/segment`);

    // Assess
    expect(asAnalyst.status).toBe(403);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0]).toMatchObject({ path: 'segment', code: 'UNKNOWN_SEGMENT' });
    expect(pinned.status).toBe(200);
    expect(held).toMatchObject({
      segment: 'high',
      modelSegment: 'critical',
      pinned: { segment: 'high', reasonCode: 'MODEL_ERROR', pinnedBy: 'local-compliance' },
    });
    expect(lifted.status).toBe(200);
    expect(restored).toMatchObject({ segment: 'critical', previousSegment: 'high' });
    expect(again.status).toBe(404);
    expect(explained.body.segment).toBe('critical');
    const audit = await doc.send(
      new QueryCommand({
        TableName: env().TABLE_AUDIT,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: { ':s': pseudonym },
      }),
    );
    const actions = (audit.Items ?? []).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['segment.pinned', 'segment.unpinned', 'segment.changed']),
    );
    expect((audit.Items ?? []).find((e) => e.action === 'segment.pinned')?.details).toMatchObject({
      segment: 'high',
      modelSegment: 'critical',
      reasonCode: 'MODEL_ERROR',
    });
  });
});
