/**
 * POST /v1/transactions: a batch of 1-500 transactions of known customers. Stored by customer
 * pseudonym (the transaction id only as a keyed MAC) and folded into the aggregates rules use.
 * Answers 207 with one result per transaction, in input order. An `Idempotency-Key` header makes
 * a retried request return the first answer.
 */
import { settingsOf, ingestTransactions as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { idempotencyFor } from '../../shared/adapters/idempotency.js';
import { requireSettings } from '../../shared/config.js';
import type { BatchOutcome } from '../../shared/domain/ingestion/results.js';
import { ingestTransactions } from '../../shared/domain/ingestion/transactions.js';
import { transactionBatch } from '../../shared/domain/schemas.js';
import { batchRoute } from '../../shared/http/batch-route.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('ingestTransactions');
const deps = {
  keys: adapters.keys(settings),
  profiles: adapters.profiles(settings),
  transactions: adapters.transactions(settings),
  queue: adapters.segmentationQueue(settings),
  subjects: adapters.subjects(settings),
  intents: adapters.ingestIntents(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/transactions': batchRoute({
    envelope: transactionBatch,
    itemsOf: (body) => body.transactions,
    shapeHint: 'Body must be { "transactions": [1..500 items] }',
    ingest: (items, ctx) => ingestTransactions(items, deps, ctx),
    keys: deps.keys,
    idempotent: idempotencyFor<BatchOutcome>(settings),
    logger,
  }),
});
