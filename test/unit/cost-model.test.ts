import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Usage, UsageMeter } from '../../infra/local/metering.js';
import {
  breakEvenUtilisation,
  dollarsPerMillion,
  perCustomer,
  provisionedDynamo,
  scale,
} from '../bench/cost-model.js';

let upstream: Server | undefined;
let meter: UsageMeter | undefined;
afterEach(async () => {
  await meter?.close();
  await new Promise<void>((done) => (upstream ? upstream.close(() => done()) : done()));
});

/**
 * A stand-in that answers every request with `answer` (or what it returns for the request's
 * operation) and records the operations and bodies it received.
 */
async function fakeService(
  answer: unknown | ((operation: string) => unknown),
): Promise<{ url: string; bodies: string[]; operations: string[] }> {
  const bodies: string[] = [];
  const operations: string[] = [];
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      operations.push(operation);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(typeof answer === 'function' ? answer(operation) : answer));
    });
  });
  await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', r));
  const address = upstream.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    bodies,
    operations,
  };
}

async function send(endpoint: string, target: string, body: unknown): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify(body),
  });
  await res.text();
}

describe('request meter', () => {
  it('bills a transaction twice per started KB per item, index copies once', async () => {
    // Prepare
    const fake = await fakeService({});
    meter = new UsageMeter({
      audit: { keys: ['stream'], indexes: { byDay: { partitionKey: 'day', sortKey: 'at' } } },
    });
    const endpoints = await meter.proxyAll({
      dynamodb: fake.url,
      sqs: fake.url,
      kms: fake.url,
      eventbridge: fake.url,
    });
    const put = (i: number, extra: Record<string, unknown> = {}) => ({
      Put: { TableName: 'audit', Item: { stream: { S: `s${i}` }, v: { S: 'x'.repeat(500) }, ...extra } },
    });

    // Act: three 500-byte items, one of them in the byDay index.
    await send(endpoints.dynamodb, 'DynamoDB_20120810.TransactWriteItems', {
      TransactItems: [put(1), put(2), put(3, { day: { S: '2026-11-25' }, at: { S: 'now' } })],
    });

    // Assess
    const usage = meter.snapshot();
    expect(usage.dynamodb.writeUnits).toBe(3 * 2 + 1);
    expect(usage.dynamodb.byTable.audit).toEqual({ readUnits: 0, writeUnits: 7 });
    expect(usage.dynamodb.requests).toEqual({ TransactWriteItems: 1 });
  });

  it('bills an update by the item it reads around it, and reads nothing first for a put on absence', async () => {
    // Prepare: the stand-in holds a 2.5 KB item under every key.
    const stored = { pk: { S: 'a' }, v: { S: 'x'.repeat(2500) } };
    const fake = await fakeService((operation: string) =>
      operation === 'BatchGetItem' ? { Responses: { t: [stored] } } : {},
    );
    meter = new UsageMeter({ t: { keys: ['pk'], indexes: {} } });
    const endpoints = await meter.proxyAll({
      dynamodb: fake.url,
      sqs: fake.url,
      kms: fake.url,
      eventbridge: fake.url,
    });

    // Act
    await send(endpoints.dynamodb, 'DynamoDB_20120810.UpdateItem', {
      TableName: 't',
      Key: { pk: { S: 'a' } },
      UpdateExpression: 'SET n = :n',
    });
    const afterUpdate = [...fake.operations];
    await send(endpoints.dynamodb, 'DynamoDB_20120810.PutItem', {
      TableName: 't',
      Item: { pk: { S: 'b' }, v: { S: 'small' } },
      ConditionExpression: 'attribute_not_exists(#k)',
      ExpressionAttributeNames: { '#k': 'pk' },
    });

    // Assess: read before and after the update; the put on absence went straight through.
    expect(afterUpdate).toEqual(['BatchGetItem', 'UpdateItem', 'BatchGetItem']);
    expect(fake.operations.slice(afterUpdate.length)).toEqual(['PutItem']);
    expect(meter.snapshot().dynamodb.byTable.t).toEqual({ readUnits: 0, writeUnits: 3 + 1 });
  });

  it('asks DynamoDB for consumed capacity on reads and sums it, at least 0.5 per Query', async () => {
    // Prepare
    const fake = await fakeService({ ConsumedCapacity: { TableName: 'profiles', CapacityUnits: 0 } });
    meter = new UsageMeter();
    const endpoints = await meter.proxyAll({
      dynamodb: fake.url,
      sqs: fake.url,
      kms: fake.url,
      eventbridge: fake.url,
    });

    // Act
    await send(endpoints.dynamodb, 'DynamoDB_20120810.Query', { TableName: 'profiles' });

    // Assess
    expect(JSON.parse(fake.bodies[0] ?? '{}')).toMatchObject({ ReturnConsumedCapacity: 'TOTAL' });
    expect(meter.snapshot().dynamodb.byTable.profiles).toEqual({ readUnits: 0.5, writeUnits: 0 });
  });

  it('counts SQS messages sent, EventBridge entries and KMS calls; empty polls apart', async () => {
    // Prepare
    const fake = await fakeService({ Messages: [] });
    meter = new UsageMeter();
    const endpoints = await meter.proxyAll({
      dynamodb: fake.url,
      sqs: fake.url,
      kms: fake.url,
      eventbridge: fake.url,
    });

    // Act
    await send(endpoints.sqs, 'AmazonSQS.SendMessageBatch', { Entries: [{}, {}, {}] });
    await send(endpoints.sqs, 'AmazonSQS.ReceiveMessage', {});
    await send(endpoints.eventbridge, 'AWSEvents.PutEvents', { Entries: [{}, {}] });
    await send(endpoints.kms, 'TrentService.Decrypt', {});

    // Assess
    const usage = meter.snapshot();
    expect(usage.sqs).toMatchObject({ billedRequests: 2, messagesSent: 3, emptyReceives: 1 });
    expect(usage.eventbridge.entries).toBe(2);
    expect(usage.kms).toEqual({ requests: { Decrypt: 1 }, total: 1 });
  });
});

describe('cost and scale model', () => {
  const usage: Usage = {
    since: '',
    dynamodb: {
      requests: {},
      readUnits: 100,
      writeUnits: 1000,
      byTable: { t: { readUnits: 100, writeUnits: 1000 } },
      byIndex: {},
    },
    sqs: { requests: {}, billedRequests: 40, messagesSent: 100, emptyReceives: 10 },
    kms: { requests: {}, total: 0 },
    eventbridge: { requests: {}, entries: 100 },
    lambda: {
      segmentWorker: { invocations: 1, failures: 0, durationMs: 500, memoryMb: 1024, gbSeconds: 0.5 },
    },
    api: { requests: 1 },
  };

  it('prices requests per customer at list prices, largest item first', () => {
    // Act
    const p = perCustomer(usage, 100, 0);
    const { lines, total } = dollarsPerMillion(p);

    // Assess: 10 WRU × $0.625 per million per customer = $6.25 per million customers.
    expect(p.sqsRequests).toBeCloseTo(0.3);
    expect(lines[0]).toMatchObject({ item: 'DynamoDB writes', dollarsPerMillion: 6.25 });
    expect(total).toBeGreaterThan(6.25);
  });

  it('prices DynamoDB provisioned by the unit-hour over the share of capacity used, and finds the break-even', () => {
    // Prepare
    const p = perCustomer(usage, 100, 0);
    const onDemand = dollarsPerMillion(p);

    // Act
    const at70 = dollarsPerMillion(p, provisionedDynamo(0.7));
    const atFull = dollarsPerMillion(p, provisionedDynamo(1));
    const breakEven = breakEvenUtilisation(p, onDemand.total - 1);

    // Assess: a write unit-hour of $0.00065 is $0.1806 per million units at full use; 10 WRU per
    // customer is $1.81 at 100 % and $2.58 at 70 %. Every other line stays as it was.
    const writes = (c: typeof at70) => c.lines.find((l) => l.item === 'DynamoDB writes (provisioned)');
    expect(writes(atFull)?.dollarsPerMillion).toBeCloseTo((0.00065 / 3600) * 1e6 * 10, 9);
    expect(writes(at70)?.dollarsPerMillion).toBeCloseTo(((0.00065 / 3600) * 1e6 * 10) / 0.7, 9);
    const others = (c: typeof at70) =>
      c.lines.filter((l) => !l.item.startsWith('DynamoDB')).map((l) => l.dollarsPerMillion);
    expect(others(at70)).toEqual(others(onDemand));
    // At the break-even utilisation the provisioned total is exactly the asked price.
    expect(dollarsPerMillion(p, provisionedDynamo(breakEven)).total).toBeCloseTo(onDemand.total - 1, 9);
    expect(breakEvenUtilisation(p, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('names the ceiling that binds and says when one fan-out invocation cannot finish', () => {
    // Act
    const result = scale({
      customers: 10_000_000,
      perCustomer: perCustomer(usage, 100, 0),
      workerMsPerCustomer: 5,
      fanOutPerSecond: 5_000,
      fanOutTimeoutSeconds: 300,
      workerConcurrency: 20,
    });

    // Assess: 20 containers × 200/s = 4,000/s, below the fan-out's 5,000/s and DynamoDB's 4,000 / 10 = 400/s.
    expect(result.binding.name).toMatch(/DynamoDB t writes/);
    expect(result.binding.customersPerSecond).toBe(400);
    expect(result.fanOutStopsAfter).toBe(1_500_000);
  });

  it('spreads the fan-out over its shards: 32 shards of 900 s reach 10 million', () => {
    // Act
    const result = scale({
      customers: 10_000_000,
      perCustomer: perCustomer(usage, 100, 0),
      workerMsPerCustomer: 5,
      fanOutPerSecond: 5_000,
      fanOutShards: 32,
      fanOutTimeoutSeconds: 900,
      workerConcurrency: 20,
    });

    // Assess: 32 × 5,000/s × 900 s = 144 million reachable; the fan-out ceiling is 160,000/s.
    expect(result.fanOutStopsAfter).toBeUndefined();
    expect(result.limits.find((l) => l.name.startsWith('fan-out'))?.customersPerSecond).toBe(160_000);
  });
});
