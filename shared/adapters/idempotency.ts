import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { AppError } from '../errors.js';
import { dynamoBaseClient } from './clients.js';

/** What identifies a request: keyed digests only, so the idempotency table holds no personal data. */
export interface IdempotentRequest {
  /** Keyed digest of principal + route + Idempotency-Key header. */
  key: string;
  /** Keyed digest of the canonical body: the same key with another body is refused. */
  bodyDigest: string;
}

/**
 * What Powertools selects from an IdempotentRequest: field names only, which is all the Lambda
 * bundles can evaluate (infra/cdk/lambda-jmespath.ts stands in for Powertools' JMESPath there).
 */
export const idempotencyPaths = { key: 'key', payload: 'bodyDigest' } as const satisfies Record<
  string,
  keyof IdempotentRequest
>;

/**
 * `Idempotency-Key` support through Powertools: the first request with a key runs and its result
 * is stored for 24 hours; a retry with the same key gets the stored result without running again;
 * the same key with a different body is a 422, and a retry while the first is running a 409.
 */
export function idempotentRunner<R>(tableName: string) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: idempotencyPaths.key,
    payloadValidationJmesPath: idempotencyPaths.payload,
    expiresAfterSeconds: 24 * 3600,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoBaseClient() });
  return async (request: IdempotentRequest, context: Context, work: () => Promise<R>): Promise<R> => {
    // Registering the context lets Powertools expire an in-progress record if the function times out.
    config.registerLambdaContext(context);
    const run = makeIdempotent(async (_request: IdempotentRequest) => work(), { persistenceStore, config });
    try {
      return await run(request);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new AppError(
          422,
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used with a different body',
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new AppError(
          409,
          'IDEMPOTENCY_IN_PROGRESS',
          'A request with this Idempotency-Key is still running',
        );
      }
      throw error;
    }
  };
}

/**
 * The runner of a function granted the idempotency table (setting TABLE_IDEMPOTENCY). Not in
 * compose.ts: Powertools idempotency is not free of side effects, so esbuild would keep it in
 * every bundle that imports compose.ts.
 */
export function idempotencyFor<R>(settings: Record<string, string>) {
  const table = settings.TABLE_IDEMPOTENCY;
  if (!table) throw new Error('Setting TABLE_IDEMPOTENCY was not validated for this function');
  return idempotentRunner<R>(table);
}
