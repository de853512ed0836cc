/**
 * POST /v1/transactions: a batch of 1-500 transactions of known customers. Stored by customer
 * pseudonym (the transaction id only as a keyed MAC) and folded into the aggregates rules use.
 * Answers 207 with one result per transaction, in input order.
 */
import { functions, settingsOf } from '../../infra/manifest.js';
import { adapters } from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { summarise } from '../../shared/domain/ingestion/results.js';
import { ingestTransactions } from '../../shared/domain/ingestion/transactions.js';
import { transactionBatch } from '../../shared/domain/schemas.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const spec = functions.ingestTransactions;
const settings = requireSettings(settingsOf(spec));
const logger = createLogger('ingestTransactions');
const deps = {
  keys: adapters.keys(settings),
  profiles: adapters.profiles(settings),
  transactions: adapters.transactions(settings),
  queue: adapters.segmentationQueue(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/transactions': async (event, caller) => {
    const batch = transactionBatch.safeParse(event.jsonBody);
    if (!batch.success) {
      throw new ValidationError(
        'Body must be { "transactions": [1..500 items] }',
        toErrorDetails(batch.error.issues),
      );
    }
    const results = await ingestTransactions(batch.data.transactions, deps, {
      ...caller,
      requestId: event.requestContext.requestId,
      now: new Date(),
    });
    const outcome = summarise(results);
    logger.info('transactions ingested', outcome.summary);
    return jsonResponse(207, outcome);
  },
});
