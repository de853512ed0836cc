import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import type { RequestActor } from '../domain/actors.js';
import { canonicalJson } from '../domain/canonical.js';
import { type BatchOutcome, type ItemResult, summarise } from '../domain/ingestion/results.js';
import type { KeyService } from '../domain/ports.js';
import { toErrorDetails } from '../domain/validation.js';
import { ValidationError } from '../errors.js';
import type { RouteHandler } from './http-function.js';
import { jsonResponse } from './responses.js';

type IdempotentRunner = (
  request: { key: string; bodyDigest: string },
  context: Parameters<RouteHandler>[2],
  work: () => Promise<BatchOutcome>,
) => Promise<BatchOutcome>;

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * The shape every batch ingestion route shares: validate the envelope, run the domain on its
 * items (under the caller's Idempotency-Key when one is sent), answer 207 with one result per
 * item in input order.
 */
export function batchRoute<S extends z.ZodTypeAny>(options: {
  envelope: S;
  itemsOf: (body: z.infer<S>) => unknown[];
  shapeHint: string;
  ingest: (items: unknown[], ctx: RequestActor) => Promise<ItemResult[]>;
  keys: KeyService;
  idempotent: IdempotentRunner;
  logger: Logger;
}): RouteHandler {
  return async (event, caller, context) => {
    const parsed = options.envelope.safeParse(event.jsonBody);
    if (!parsed.success) throw new ValidationError(options.shapeHint, toErrorDetails(parsed.error.issues));
    const run = async () => {
      const results = await options.ingest(options.itemsOf(parsed.data), {
        ...caller,
        requestId: event.requestContext.requestId,
        now: new Date(),
      });
      return summarise(results);
    };
    const header = Object.entries(event.headers ?? {}).find(
      ([k]) => k.toLowerCase() === 'idempotency-key',
    )?.[1];
    let outcome: BatchOutcome;
    if (header === undefined) {
      outcome = await run();
    } else {
      if (!idempotencyKeyPattern.test(header)) {
        throw new ValidationError('Invalid Idempotency-Key', [
          { path: 'headers.Idempotency-Key', code: 'INVALID', message: '1-255 printable ASCII characters' },
        ]);
      }
      // Keyed digests: the client's key and body may contain anything, including personal data.
      const pseudonymiser = await options.keys.pseudonymiser();
      const key = pseudonymiser.digest(
        'content',
        `${caller.principalId}\u001f${event.resource}\u001f${header}`,
      );
      const bodyDigest = pseudonymiser.digest('content', canonicalJson(event.jsonBody));
      outcome = await options.idempotent({ key, bodyDigest }, context, run);
    }
    options.logger.info('batch ingested', { resource: event.resource, ...outcome.summary });
    return jsonResponse(207, outcome);
  };
}
