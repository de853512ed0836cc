import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

/**
 * AWS clients, created once per container and reused across invocations. Endpoints come from the
 * SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB, _SQS, _KMS, _EVENTBRIDGE), which is how the
 * local runtime points the unchanged production code at its stand-ins: no `if (local)` anywhere.
 */
/**
 * How every AWS call is retried: 4 attempts, about 50, 200 and 800 ms apart (each ±25 % at random, so
 * containers throttled together do not retry together): a little over a second in all, well inside
 * any request's time budget. A call still throttled then fails fast and the request answers 503 with
 * Retry-After (shared/http/middleware.ts), instead of holding its caller for tens of seconds.
 */
export const retryAttempts = 4;

/** The pause before `attempt` (2, 3, 4: the first attempt has none), in milliseconds. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = 50 * 4 ** (attempt - 2);
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** A fresh strategy per client (it keeps a retry quota of its own). */
export const retryStrategy = () =>
  new ConfiguredRetryStrategy(retryAttempts, (attempt) => retryDelayMs(attempt));

let dynamoBase: DynamoDBClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;
let kms: KMSClient | undefined;
let eventBridge: EventBridgeClient | undefined;

/** The plain client, for libraries that want one (Powertools idempotency). */
export function dynamoBaseClient(): DynamoDBClient {
  dynamoBase ??= new DynamoDBClient({ retryStrategy: retryStrategy() });
  return dynamoBase;
}

export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(dynamoBaseClient(), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return dynamo;
}

export function sqsClient(): SQSClient {
  // The queue URL's host must not override the configured endpoint: locally the stand-in's URLs
  // name a host that does not resolve; on AWS both are the same regional endpoint anyway.
  sqs ??= new SQSClient({ retryStrategy: retryStrategy(), useQueueUrlAsEndpoint: false });
  return sqs;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient({ retryStrategy: retryStrategy() });
  return kms;
}

/** Endpoint from AWS_ENDPOINT_URL_EVENTBRIDGE locally (infra/local/eventbridge-server.ts). */
export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({ retryStrategy: retryStrategy() });
  return eventBridge;
}
