import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * AWS clients, created once per container and reused across invocations. Endpoints come from the
 * SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB, _SQS, _KMS, _EVENTBRIDGE), which is how the
 * local runtime points the unchanged production code at its stand-ins: no `if (local)` anywhere.
 */
let dynamoBase: DynamoDBClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;
let kms: KMSClient | undefined;
let eventBridge: EventBridgeClient | undefined;

/** The plain client, for libraries that want one (Powertools idempotency). */
export function dynamoBaseClient(): DynamoDBClient {
  dynamoBase ??= new DynamoDBClient({ maxAttempts: 5 });
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
  sqs ??= new SQSClient({ maxAttempts: 5, useQueueUrlAsEndpoint: false });
  return sqs;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient({ maxAttempts: 5 });
  return kms;
}

/** Endpoint from AWS_ENDPOINT_URL_EVENTBRIDGE locally (infra/local/eventbridge-server.ts). */
export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({ maxAttempts: 5 });
  return eventBridge;
}
