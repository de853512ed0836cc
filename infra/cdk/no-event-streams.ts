/**
 * Takes the place of `@smithy/core/event-streams` inside the Lambda bundles (an esbuild alias, see
 * bundling.ts); the local runtime and the tests never load it.
 *
 * Why: the SDK's protocols import event-stream support dynamically, only for operations that
 * stream events (S3 SelectObjectContent, Bedrock, Transcribe, ...). DynamoDB, SQS, KMS and
 * EventBridge have none, but esbuild inlines every dynamic import into the one bundle file: about
 * 15 KB of minified code in every function for nothing. Should a client with such an operation
 * ever be added, its first event stream fails here, loudly, instead of silently doing less.
 */
export {};

throw new Error(
  'riskloop Lambda bundles carry no AWS SDK event-stream support (infra/cdk/no-event-streams.ts)',
);
