/**
 * POST /v1/customers: a batch of 1-100 customer records. Each record is validated, checked for a
 * lawful basis for risk assessment, pseudonymised and encrypted, then queued for segmentation.
 * Answers 207 with one result per record, in input order. An `Idempotency-Key` header makes a
 * retried request return the first answer.
 */
import { settingsOf, ingestCustomers as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { idempotencyFor } from '../../shared/adapters/idempotency.js';
import { requireSettings } from '../../shared/config.js';
import { ingestCustomers } from '../../shared/domain/ingestion/customers.js';
import type { BatchOutcome } from '../../shared/domain/ingestion/results.js';
import { customerBatch } from '../../shared/domain/schemas.js';
import { batchRoute } from '../../shared/http/batch-route.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('ingestCustomers');
const deps = {
  keys: adapters.keys(settings),
  profiles: adapters.profiles(settings),
  queue: adapters.segmentationQueue(settings),
  audit: adapters.audit(settings),
  subjects: adapters.subjects(settings),
  intents: adapters.ingestIntents(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/customers': batchRoute({
    envelope: customerBatch,
    itemsOf: (body) => body.records,
    shapeHint: 'Body must be { "records": [1..100 items] }',
    ingest: (items, ctx) => ingestCustomers(items, deps, ctx),
    keys: deps.keys,
    idempotent: idempotencyFor<BatchOutcome>(settings),
    logger,
  }),
});
