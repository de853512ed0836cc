import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { scanForLeaks } from '../helpers/leak-scan.js';
import {
  api,
  env,
  eventually,
  kmsStats,
  lawfulBasis,
  localDynamo,
  localSqs,
  runId,
} from '../helpers/local.js';

const doc = localDynamo();
const sqs = localSqs();
afterAll(() => {
  doc.destroy();
  sqs.destroy();
});

async function assignmentOf(pseudonym: string) {
  return (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item;
}

describe('no personal data in clear', () => {
  it('keeps every known identifier out of tables, queue bodies, logs and responses', async () => {
    // Prepare: distinctive personal data, sent through every path (accepted, rejected, invalid, transactions).
    const id = runId();
    const pii = {
      externalId: `PII-EXT-${id}`,
      rejectedId: `PII-REJ-${id}`,
      invalidId: `PII-INV-${id}`,
      name: `Zebulon Quuxworth ${id}`,
      email: `zebulon.${id}@quux.example`,
      phone: '+447700900123',
      dob: '1971-03-14',
      street: `${id} Privet Drive`,
      txnId: `PII-TXN-${id}`,
    };
    const personalData = {
      name: pii.name,
      email: pii.email,
      phone: pii.phone,
      dateOfBirth: pii.dob,
      address: { line1: pii.street, city: 'Little Whinging', country: 'GB' },
    };
    const responses: unknown[] = [];
    const send = async (path: string, body: unknown) => {
      // With an Idempotency-Key, so the idempotency table holds this request too and gets scanned.
      const res = await api('ingest', 'POST', path, body, { 'Idempotency-Key': `${pii.email}-${path}` });
      responses.push(res.body);
      return res;
    };

    // Act
    const accepted = await send('/v1/customers', {
      records: [
        { externalId: pii.externalId, type: 'individual', personalData, jurisdictions: ['GB'], lawfulBasis },
        {
          externalId: pii.rejectedId,
          type: 'individual',
          personalData,
          jurisdictions: ['GB'],
          lawfulBasis: {},
        },
        {
          externalId: pii.invalidId,
          type: 'person',
          personalData: { ...personalData, email: `${pii.email}@@` },
        },
      ],
    });
    const pseudonym = accepted.body.results[0].pseudonym as string;
    await eventually(() => assignmentOf(pseudonym));
    await send('/v1/transactions', {
      transactions: [
        {
          transactionId: pii.txnId,
          customerExternalId: pii.externalId,
          amount: 120,
          currency: 'GBP',
          timestamp: new Date().toISOString(),
          direction: 'outbound',
          paymentMethod: 'card',
        },
      ],
    });
    await eventually(async () => ((await assignmentOf(pseudonym))?.revision === 2 ? true : undefined));
    const segment = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
    responses.push(segment.body);

    // Assess
    const scan = await scanForLeaks({ needles: pii, responses });
    // The scan must see the data it scans, or finding nothing proves nothing.
    expect(scan.text.tables.profiles).toContain(pseudonym);
    expect(scan.text.queues).toContain(pseudonym);
    expect(scan.text.logs).toContain('batch ingested');
    expect(scan.hits).toEqual([]);
  });
});

describe('failure handling', () => {
  it('sends a poison message to the DLQ while the rest of its batch completes', async () => {
    // Prepare
    const id = runId();
    const res = await api('ingest', 'POST', '/v1/customers', {
      records: [1, 2, 3].map((n) => ({
        externalId: `P-${id}-${n}`,
        type: 'individual',
        jurisdictions: ['NL'],
        lawfulBasis,
      })),
    });
    const good: string[] = res.body.results.map((r: { pseudonym: string }) => r.pseudonym);
    await Promise.all(good.map((p) => eventually(() => assignmentOf(p))));
    const poisonMarker = `poison-${id}`;
    const queueUrl = env().QUEUE_SEGMENTATION_URL as string;

    // Act: one batch with an unparseable body, a job for an unknown customer, and three real re-segmentations.
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'poison', MessageBody: `{"not json ${poisonMarker}` },
          {
            Id: 'orphan',
            MessageBody: JSON.stringify({
              pseudonym: `k1.${'Z'.repeat(43)}`,
              cause: 'manual',
              requestId: poisonMarker,
            }),
          },
          ...good.map((p, i) => ({
            Id: `good${i}`,
            MessageBody: JSON.stringify({ pseudonym: p, cause: 'manual', requestId: `ok-${id}` }),
          })),
        ],
      }),
    );

    // Assess: both bad messages end in the DLQ after maxReceiveCount receives (2 s visibility in tests).
    const dlqBodies: string[] = [];
    await eventually(async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: `${queueUrl}-dlq`,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      dlqBodies.push(...(out.Messages ?? []).map((m) => m.Body ?? ''));
      return dlqBodies.filter((b) => b.includes(poisonMarker)).length >= 2 ? true : undefined;
    }, 40_000);
    expect(dlqBodies.filter((b) => b.includes(poisonMarker))).toHaveLength(2);
    // The good records were processed once: unchanged inputs, no new revision, no duplicate audit.
    for (const p of good) expect((await assignmentOf(p))?.revision).toBe(1);
  }, 60_000);

  it('keeps KMS calls flat as records grow (keys cached in the container)', async () => {
    // Prepare: warm the containers so cold-start key fetches are not counted.
    const id = runId();
    const batch = (n: number) => ({
      records: Array.from({ length: 100 }, (_, i) => ({
        externalId: `K-${id}-${n}-${i}`,
        type: 'individual',
        personalData: { name: `Person ${i}` },
        jurisdictions: ['SE'],
        lawfulBasis,
      })),
    });
    await api('ingest', 'POST', '/v1/customers', batch(0));
    const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);
    const before = total(await kmsStats());

    // Act: 500 more customers, each with a new subject key and sealed personal data.
    for (let n = 1; n <= 5; n++)
      expect((await api('ingest', 'POST', '/v1/customers', batch(n))).status).toBe(207);

    // Assess
    expect(total(await kmsStats()) - before).toBeLessThanOrEqual(1);
  });
});
