/**
 * Fault injection on the write path, in unit scope: DynamoDB throttling and 5xx on the adapters the
 * segment worker commits through (transactUnits, the audit chain writer, the assignment store).
 * Retries must happen, nothing may be half-written or half-linked, an unknown outcome must make the
 * chain writer re-read its head, and refused decisions must be reported one by one.
 */
import { Readable } from 'node:stream';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuditChainWriter, CHAIN_HEADS_STREAM } from '../../shared/adapters/audit-chain-writer.js';
import { DynamoAggregates } from '../../shared/adapters/dynamo-aggregates.js';
import { DynamoAssignmentStore } from '../../shared/adapters/dynamo-assignment-store.js';
import { transactUnits, type UnitItem } from '../../shared/adapters/dynamo-transact.js';
import type { Assignment, AuditEvent } from '../../shared/domain/ports.js';

const docMock = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
beforeEach(() => docMock.reset());

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const serverError = () =>
  Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $fault: 'server' });

const put = (table: string, id: string): UnitItem => ({
  TableName: table,
  Item: { id },
  ConditionExpression: 'attribute_not_exists(id)',
});
const written = () =>
  docMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

describe('transactUnits under throttling and 5xx', () => {
  it('retries the units of a transaction cancelled by throttling, and writes each unit once', async () => {
    // Prepare: the first transaction is cancelled for throttling (nothing of it was written).
    docMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'ThrottlingError', 'None', 'None'))
      .resolves({});
    const units = [
      [put('a', '1'), put('b', '1')],
      [put('a', '2'), put('b', '2')],
    ];

    // Act
    const outcomes = await transactUnits(doc, units);

    // Assess: two calls carrying the same four items; both units written.
    expect(outcomes).toEqual([{ written: true }, { written: true }]);
    expect(written()).toHaveLength(2);
    expect(written()[1]).toEqual(written()[0]);
  });

  it('reports a unit refused by its condition and retries only the throttled rest', async () => {
    // Prepare
    docMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'TransactionConflict', 'None'))
      .resolves({});

    // Act
    const outcomes = await transactUnits(doc, [
      [put('a', '1'), put('b', '1')],
      [put('a', '2'), put('b', '2')],
    ]);

    // Assess: unit 0 refused (reported), unit 1 alone in the second call.
    expect(outcomes[0]).toMatchObject({ written: false });
    expect(outcomes[1]).toEqual({ written: true });
    expect(written()[1]).toHaveLength(2);
    expect(JSON.stringify(written()[1])).toContain('"2"');
    expect(JSON.stringify(written()[1])).not.toContain('"1"');
  });

  it('gives up after bounded attempts when throttling persists, reporting no unit as written', async () => {
    // Prepare
    docMock.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None'));

    // Act
    const attempt = transactUnits(doc, [[put('a', '1'), put('b', '1')]]);

    // Assess: the caller (the worker) fails and the queue redelivers; each call was all-or-nothing.
    await expect(attempt).rejects.toThrow(/kept failing/);
    expect(written()).toHaveLength(6);
  });

  it('passes a 5xx through: the outcome is unknown, so the caller must not count it as written', async () => {
    // Prepare
    docMock.on(TransactWriteCommand).rejects(serverError());
    docMock.on(PutCommand).rejects(serverError());

    // Act and Assess: a transaction, and a single-item unit
    await expect(transactUnits(doc, [[put('a', '1'), put('b', '1')]])).rejects.toThrow(
      'Internal server error',
    );
    await expect(transactUnits(doc, [[put('a', '1')]])).rejects.toThrow('Internal server error');
  });

  it('retries a single put that collides with a transaction in progress, as the transactional path does', async () => {
    // Prepare
    docMock
      .on(PutCommand)
      .rejectsOnce(new TransactionConflictException({ message: 'Transaction is ongoing', $metadata: {} }))
      .resolves({});

    // Act
    const outcomes = await transactUnits(doc, [[put('a', '1')]]);

    // Assess
    expect(outcomes).toEqual([{ written: true }]);
    expect(docMock.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('after a failed single put starts no other write, and rejects only once the writes in flight settled', async () => {
    // Prepare: unit 0 fails at once; every other put takes 30 ms.
    let inFlight = 0;
    let settledBeforeReject = true;
    docMock
      .on(PutCommand)
      .callsFake(async () => {
        inFlight += 1;
        await new Promise((r) => setTimeout(r, 30));
        inFlight -= 1;
        return {};
      })
      .on(PutCommand, { Item: { id: '0' } })
      .rejects(serverError());
    const units = Array.from({ length: 100 }, (_, i) => [put('a', String(i))]);

    // Act
    const attempt = transactUnits(doc, units).catch((error: unknown) => {
      settledBeforeReject = inFlight === 0;
      throw error;
    });

    // Assess: the 15 other workers finish their current put, then nobody takes a new unit.
    await expect(attempt).rejects.toThrow('Internal server error');
    expect(settledBeforeReject).toBe(true);
    expect(docMock.commandCalls(PutCommand).length).toBeLessThanOrEqual(16);
  });

  it('writes single-item units as conditional PutItem (half the price of a transaction), refusals with the existing item', async () => {
    // Prepare: item "2" exists already.
    docMock
      .on(PutCommand)
      .resolves({})
      .on(PutCommand, { Item: { id: '2' } })
      .rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: { id: { S: '2' }, owner: { S: 'winner' } },
        }),
      );

    // Act
    const outcomes = await transactUnits(doc, [[put('a', '1')], [put('a', '2')], [put('a', '3')]]);

    // Assess: no transaction; each put once, with its condition; the refusal carries the winner.
    expect(outcomes).toEqual([
      { written: true },
      { written: false, existing: [{ id: '2', owner: 'winner' }] },
      { written: true },
    ]);
    expect(written()).toHaveLength(0);
    const puts = docMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Item?.id).sort()).toEqual(['1', '2', '3']);
    expect(puts.every((p) => p.ConditionExpression === 'attribute_not_exists(id)')).toBe(true);
  });
});

describe('counter adds riding in transactions (the maintained aggregates)', () => {
  const add = (key: string, counters: [string, number][]): UnitItem => ({
    TableName: 'aggregates',
    Key: { key },
    add: new Map(counters),
  });

  it('merges the adds of one transaction per item, after the other items, dropping what cancels out', async () => {
    // Prepare
    docMock.on(TransactWriteCommand).resolves({});

    // Act: two units add to the same shard item; their `score:5` adds cancel out.
    await transactUnits(doc, [
      [
        put('a', '1'),
        add('population#03', [
          ['customers:low', 1],
          ['score:5', 1],
        ]),
      ],
      [
        put('a', '2'),
        add('population#03', [
          ['customers:low', 1],
          ['score:5', -1],
        ]),
        add('cases#03', [['open:low', 0]]),
      ],
    ]);

    // Assess: one UpdateItem for the item, last, with only the counters that change; none for cases.
    const [items] = written();
    expect(items).toHaveLength(3);
    expect(items?.[2]).toEqual({
      Update: {
        TableName: 'aggregates',
        Key: { key: 'population#03' },
        UpdateExpression: 'ADD #c0 :n0',
        ExpressionAttributeNames: { '#c0': 'customers:low' },
        ExpressionAttributeValues: { ':n0': 2 },
      },
    });
  });

  it('takes the adds of a refused unit out: its counts are not written with the rest', async () => {
    // Prepare: unit 0's put is refused by its condition (reasons index the puts, the update comes last).
    docMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None'))
      .resolves({});

    // Act
    const outcomes = await transactUnits(doc, [
      [put('a', '1'), add('population#00', [['customers:high', 1]])],
      [put('a', '2'), add('population#00', [['customers:low', 1]])],
    ]);

    // Assess: the retry carries unit 1 and only its counter.
    expect(outcomes[0]).toMatchObject({ written: false });
    expect(outcomes[1]).toEqual({ written: true });
    const retry = written()[1];
    expect(retry?.map((i) => Object.keys(i)[0])).toEqual(['Put', 'Update']);
    expect(retry?.[1]?.Update?.ExpressionAttributeNames).toEqual({ '#c0': 'customers:low' });
  });
});

describe('the SDK client as the functions configure it (maxAttempts 5)', () => {
  it('retries throttling and 5xx answers itself before transactUnits sees an error', async () => {
    // Prepare: a fake HTTP layer answering like DynamoDB: two throttles, one 500, then success.
    const answers = [
      [400, 'ProvisionedThroughputExceededException'],
      [400, 'ThrottlingException'],
      [500, 'InternalServerError'],
      [200, ''],
    ] as const;
    let calls = 0;
    const requestHandler = {
      handle: async () => {
        const [statusCode, type] = answers[Math.min(calls++, answers.length - 1)] ?? [200, ''];
        const body = type ? { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'injected' } : {};
        return {
          response: {
            statusCode,
            reason: '',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `r${calls}` },
            body: Readable.from([Buffer.from(JSON.stringify(body))]),
          },
        };
      },
    };
    docMock.restore();
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        endpoint: 'http://127.0.0.1:1',
        maxAttempts: 5,
        // biome-ignore lint/suspicious/noExplicitAny: a minimal fake of the smithy HttpHandler.
        requestHandler: requestHandler as any,
      }),
    );

    // Act
    const outcomes = await transactUnits(client, [[put('a', '1')]]);

    // Assess
    expect(outcomes).toEqual([{ written: true }]);
    expect(calls).toBe(4);
  }, 20_000);
});

describe('audit chain writer under faults', () => {
  const auditTable = 'audit';
  const record = (n: number): UnitItem => ({
    TableName: auditTable,
    Item: { stream: 's', eventId: `e${n}` },
    ConditionExpression: 'attribute_not_exists(eventId)',
  });
  const clock = () => new Date('2026-11-25T12:00:00Z');
  const headCondition = (call: number) => {
    const items = written()[call] ?? [];
    return items[items.length - 1]?.Put?.ExpressionAttributeValues?.[':previous'];
  };
  const seqOf = (call: number, item = 0) => Number(written()[call]?.[item]?.Put?.Item?.chainPosition);

  it('relinks from the same head after a cancelled (throttled) transaction, without reading it', async () => {
    // Prepare
    docMock.on(TransactWriteCommand).rejectsOnce(cancelled('ThrottlingError', 'None')).resolves({});
    const chain = new AuditChainWriter(doc, auditTable, clock);

    // Act
    await transactUnits(doc, [[record(1)]], chain);
    await transactUnits(doc, [[record(2)]], chain);

    // Assess: attempt 1 and its retry both link at seq 1; the next record at seq 2; no head read.
    expect([seqOf(0), seqOf(1), seqOf(2)]).toEqual([1, 1, 2]);
    expect(docMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('re-reads the chain head after an unknown outcome (5xx) before linking again', async () => {
    // Prepare: the first transaction fails with a 5xx; in fact it was written, so the head is at 1.
    docMock.on(TransactWriteCommand).rejectsOnce(serverError()).resolves({});
    docMock.on(GetCommand).resolves({ Item: { headSeq: 1, headHash: 'h1' } });
    const chain = new AuditChainWriter(doc, auditTable, clock);

    // Act
    await expect(transactUnits(doc, [[record(1)]], chain)).rejects.toThrow();
    await transactUnits(doc, [[record(2)]], chain);

    // Assess: one consistent read of this writer's head, then a link after it, conditioned on it.
    const reads = docMock.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(reads).toEqual([
      expect.objectContaining({
        ConsistentRead: true,
        Key: expect.objectContaining({ stream: CHAIN_HEADS_STREAM }),
      }),
    ]);
    expect(seqOf(1)).toBe(2);
    expect(headCondition(1)).toBe(1);
  });
});

describe('the segment worker commit path (DynamoAssignmentStore.commitMany)', () => {
  const decision = (n: number): { assignment: Assignment; audit: AuditEvent } => ({
    assignment: {
      pseudonym: `p${n}`,
      revision: 1,
      segment: 'low',
      inputDigest: `d${n}`,
    } as unknown as Assignment,
    audit: {
      stream: `p${n}`,
      eventId: `e${n}`,
      day: '2026-12-07',
      action: 'segment.assigned',
      details: { revision: 1 },
    } as unknown as AuditEvent,
  });

  it('writes the audit records first, then each assignment on its condition; a refused one is a conflict with a discard record', async () => {
    // Prepare: the audit transaction is throttled once; then decision 0's assignment condition
    // fails (another container decided p0 first).
    docMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'ThrottlingError', 'None'))
      .resolves({});
    docMock.on(PutCommand).callsFake((input: { Item?: { pseudonym?: string } }) => {
      if (input.Item?.pseudonym === 'p0')
        throw new ConditionalCheckFailedException({ message: 'refused', $metadata: {} });
      return {};
    });
    const store = new DynamoAssignmentStore(
      doc,
      'assignments',
      new AuditChainWriter(doc, 'audit'),
      new DynamoAggregates(doc, 'aggregates', 0),
    );

    // Act
    const outcomes = await store.commitMany([decision(0), decision(1)]);

    // Assess: the worker turns 'conflict' into a failed record.
    expect(outcomes).toEqual(['conflict', 'committed']);
    const transactions = written();
    // Both audit records went out (again after the throttling) before any assignment.
    const auditOf = (call: (typeof transactions)[number]) =>
      call.filter((i) => i.Put?.TableName === 'audit' && i.Put.Item?.stream !== CHAIN_HEADS_STREAM);
    expect(auditOf(transactions[1] ?? []).map((i) => i.Put?.Item?.eventId)).toEqual(['e0', 'e1']);
    expect(transactions.flat().some((i) => i.Put?.TableName === 'assignments')).toBe(false);
    // Counted once, for the committed decision only; then the refused one is recorded as discarded.
    const counters = transactions.flat().filter((i) => i.Update?.TableName === 'aggregates');
    expect(counters.length).toBeGreaterThan(0);
    const discard = auditOf(transactions.at(-1) ?? []).map((i) => i.Put?.Item);
    expect(discard).toEqual([
      expect.objectContaining({ stream: 'p0', action: 'segment.discarded', eventId: 'discarded#e0' }),
    ]);
  });

  it('after a 5xx on the assignment, the redelivered decision lands on its audit record already written', async () => {
    // Prepare: the audit records are written; then the assignment's put fails with a 5xx (the
    // outcome is unknown). On the redelivery the records exist: their conditions refuse them.
    docMock
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'))
      .resolves({});
    docMock.on(PutCommand).rejectsOnce(serverError()).resolves({});
    const store = new DynamoAssignmentStore(
      doc,
      'assignments',
      new AuditChainWriter(doc, 'audit'),
      new DynamoAggregates(doc, 'aggregates', 0),
    );

    // Act
    await expect(store.commitMany([decision(0)])).rejects.toThrow('Internal server error');
    const outcomes = await store.commitMany([decision(0)]);

    // Assess: committed once; the record was not linked a second time and nothing was discarded.
    expect(outcomes).toEqual(['committed']);
    const records = written()
      .flat()
      .filter((i) => i.Put?.TableName === 'audit' && i.Put.Item?.stream === 'p0');
    expect(records.map((i) => i.Put?.Item?.eventId)).toEqual(['e0', 'e0']);
    const audited = written().filter((call) => call.some((i) => i.Put?.Item?.stream === 'p0'));
    expect(audited).toHaveLength(2); // the first write, and the redelivery's refused one
    expect(
      written()
        .flat()
        .some((i) => i.Put?.Item?.action === 'segment.discarded'),
    ).toBe(false);
    expect(docMock.commandCalls(PutCommand)).toHaveLength(2);
  });

  /** A refusal carrying the stored item, as DynamoDB returns it with ALL_OLD. */
  const refusedBy = (item: Record<string, unknown>) =>
    new ConditionalCheckFailedException({ message: 'refused', $metadata: {}, Item: marshall(item) as never });
  const store = () =>
    new DynamoAssignmentStore(
      doc,
      'assignments',
      new AuditChainWriter(doc, 'audit'),
      new DynamoAggregates(doc, 'aggregates', 0),
    );
  const countedFor = () =>
    written()
      .flat()
      .filter((i) => i.Update?.TableName === 'aggregates').length;
  const discards = () =>
    written()
      .flat()
      .filter((i) => i.Put?.Item?.action === 'segment.discarded')
      .map((i) => i.Put?.Item?.eventId);

  it('tells a refusal by the same decision from one by another: committed without a discard either way', async () => {
    // Prepare: p0's put is refused by this call's own earlier write (an answer lost, the SDK
    // retried); p1's by the same decision another attempt stored; p2's by another decision.
    docMock.on(TransactWriteCommand).resolves({});
    docMock.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      const item = input.Item;
      if (item.pseudonym === 'p0') throw refusedBy(item);
      if (item.pseudonym === 'p1') throw refusedBy({ ...item, commitToken: 'another-attempt' });
      throw refusedBy({ ...item, inputDigest: 'another-decision' });
    });

    // Act
    const outcomes = await store().commitMany([decision(0), decision(1), decision(2)]);

    // Assess: only p2 is a conflict with a discard record; p0 is counted here, p1 was counted
    // by the attempt that stored it.
    expect(outcomes).toEqual(['committed', 'committed', 'conflict']);
    expect(discards()).toEqual(['discarded#e2']);
    // Each decision adds 1 to its segment's customer count: 1 in all means p0 alone was counted.
    const lowAdded = written()
      .flat()
      .flatMap((i) => {
        const u = i.Update;
        if (u?.TableName !== 'aggregates') return [];
        const names = u.ExpressionAttributeNames ?? {};
        const values = (u.ExpressionAttributeValues ?? {}) as Record<string, number>;
        return Object.entries(names)
          .filter(([, name]) => name === 'customers:low')
          .map(([placeholder]) => values[placeholder.replace('#c', ':n')] ?? 0);
      });
    expect(lowAdded.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('counts the decisions it stored before a put failed, then fails the batch', async () => {
    // Prepare: p0's assignment is stored, p1's put fails with a 5xx.
    docMock.on(TransactWriteCommand).resolves({});
    docMock.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      if (input.Item.pseudonym === 'p1') throw serverError();
      return {};
    });

    // Act and Assess
    await expect(store().commitMany([decision(0), decision(1)])).rejects.toThrow('Internal server error');
    expect(countedFor()).toBeGreaterThan(0);
    expect(discards()).toEqual([]);
  });

  it('rejects the whole commit on a 5xx, so the worker sends the batch back to the queue', async () => {
    // Prepare
    docMock.on(TransactWriteCommand).rejects(serverError());
    const store = new DynamoAssignmentStore(
      doc,
      'assignments',
      new AuditChainWriter(doc, 'audit'),
      new DynamoAggregates(doc, 'aggregates', 0),
    );

    // Act and Assess
    await expect(store.commitMany([decision(0), decision(1)])).rejects.toThrow('Internal server error');
  });
});
