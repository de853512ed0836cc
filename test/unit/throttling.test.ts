import { createServer, type Server } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { retryAttempts, retryDelayMs, retryStrategy } from '../../shared/adapters/clients.js';
import { httpErrors } from '../../shared/http/middleware.js';
import { isThrottling } from '../../shared/http/throttling.js';

/** A DynamoDB endpoint that throttles every request, counting them. */
let server: Server;
let requests = 0;
let endpoint = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    req.resume();
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded.',
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('AWS calls under throttling', () => {
  it('retries on a fixed schedule: 4 attempts, about 50, 200 and 800 ms apart, ±25 %', () => {
    expect(retryAttempts).toBe(4);
    expect([2, 3, 4].map((a) => retryDelayMs(a, () => 0.5))).toEqual([50, 200, 800]);
    expect([2, 3, 4].map((a) => retryDelayMs(a, () => 0))).toEqual([38, 150, 600]);
    expect([2, 3, 4].map((a) => retryDelayMs(a, () => 1))).toEqual([63, 250, 1000]);
  });

  it('makes exactly that many attempts, then fails with an error recognised as throttling', async () => {
    const client = new DynamoDBClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      retryStrategy: retryStrategy(),
    });
    requests = 0;

    const error = await client
      .send(new GetItemCommand({ TableName: 't', Key: { id: { S: '1' } } }))
      .catch((e: unknown) => e);

    expect(requests).toBe(retryAttempts);
    expect(isThrottling(error)).toBe(true);
    client.destroy();
  });

  it('answers a throttled request 503 with Retry-After, never 500', async () => {
    const logger = { warn: vi.fn(), error: vi.fn(), info: vi.fn() } as unknown as Logger;
    const request = {
      event: { requestContext: { requestId: 'r1' } },
      error: Object.assign(new Error('throughput exceeded'), {
        name: 'ProvisionedThroughputExceededException',
      }),
      response: undefined as unknown,
    };

    await httpErrors(logger).onError?.(request as never);

    expect(request.response).toMatchObject({ statusCode: 503, headers: { 'retry-after': '1' } });
    expect(JSON.parse((request.response as { body: string }).body).error.code).toBe(
      'TEMPORARILY_UNAVAILABLE',
    );
  });

  it('recognises a transaction cancelled for throttling, and nothing else', () => {
    expect(
      isThrottling({
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }],
      }),
    ).toBe(true);
    expect(
      isThrottling({
        name: 'TransactionCanceledException',
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    ).toBe(false);
    expect(isThrottling(new Error('boom'))).toBe(false);
  });
});
