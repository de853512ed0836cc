import type { IncomingMessage, ServerResponse } from 'node:http';
import { localFaults } from './faults.js';
import { listen, readBody, relay } from './relay.js';

/**
 * A pass-through proxy in front of DynamoDB Local that answers requests the way DynamoDB does when a
 * table is throttled, while the `dynamodb` fault is on (POST /faults): `throttle` every request,
 * `throttle-data` every one but the authoriser's reads of the principals table; and that delays every
 * request by `dynamodbLatencyMs`. Only the handlers' endpoint goes through it, and only when the
 * runtime is started for fault tests.
 */
export async function startDynamoFaultProxy(
  target: string,
  host: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const spared =
      localFaults.dynamodb === 'none' ||
      (localFaults.dynamodb === 'throttle-data' && body.toString('utf8').includes('-principals"'));
    if (localFaults.dynamodbLatencyMs > 0)
      await new Promise((r) => setTimeout(r, localFaults.dynamodbLatencyMs));
    if (spared) return relay(upstream, req, res, body);
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded (local fault).',
      }),
    );
  };
  return listen((req, res) => void answer(req, res), host);
}
