import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { localFaults } from './faults.js';

/**
 * A pass-through proxy in front of DynamoDB Local that answers requests the way DynamoDB does when a
 * table is throttled, while the `dynamodb` fault is on (POST /faults): `throttle` every request,
 * `throttle-data` every one but the authoriser's reads of the principals table; and that delays every
 * request by `dynamodbLatencyMs`. Only the handlers'
 * endpoint goes through it, and only when the runtime is started for fault tests.
 */
export async function startDynamoFaultProxy(
  target: string,
  host: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  /** Passes the request on, streamed, or with its body already read. */
  const forward = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
    const upstreamRequest = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    if (body) upstreamRequest.end(body);
    else req.pipe(upstreamRequest);
  };
  const server = createServer((req, res) => {
    if (localFaults.dynamodbLatencyMs > 0) {
      // Paused, not buffered: the body stays in the socket until the delayed handling reads it.
      req.pause();
      return void setTimeout(() => {
        req.resume();
        answer(req, res);
      }, localFaults.dynamodbLatencyMs);
    }
    answer(req, res);
  });
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    if (localFaults.dynamodb === 'none') return void forward(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const spared =
        localFaults.dynamodb === 'throttle-data' && body.toString('utf8').includes('-principals"');
      if (spared) return void forward(req, res, body);
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded (local fault).',
        }),
      );
    });
  };
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${typeof address === 'object' && address ? address.port : 0}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
