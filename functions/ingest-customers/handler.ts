/**
 * POST /v1/customers: a batch of 1-100 customer records. Each record is validated, checked for a
 * lawful basis for risk assessment, pseudonymised and encrypted, then queued for segmentation.
 * Answers 207 with one result per record, in input order.
 */
import { functions, settingsOf } from '../../infra/manifest.js';
import { adapters } from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { ingestCustomers } from '../../shared/domain/ingestion/customers.js';
import { summarise } from '../../shared/domain/ingestion/results.js';
import { customerBatch } from '../../shared/domain/schemas.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const spec = functions.ingestCustomers;
const settings = requireSettings(settingsOf(spec));
const logger = createLogger('ingestCustomers');
const deps = {
  keys: adapters.keys(settings),
  profiles: adapters.profiles(settings),
  queue: adapters.segmentationQueue(settings),
  audit: adapters.audit(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/customers': async (event, caller) => {
    const batch = customerBatch.safeParse(event.jsonBody);
    if (!batch.success)
      throw new ValidationError(
        'Body must be { "records": [1..100 items] }',
        toErrorDetails(batch.error.issues),
      );
    const results = await ingestCustomers(batch.data.records, deps, {
      ...caller,
      requestId: event.requestContext.requestId,
      now: new Date(),
    });
    const outcome = summarise(results);
    logger.info('customers ingested', outcome.summary);
    return jsonResponse(207, outcome);
  },
});
