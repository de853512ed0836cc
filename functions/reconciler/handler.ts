/**
 * Ingestion repair, every 10 minutes on AWS and once when the local runtime starts: finishes or undoes
 * what ingestion requests that crashed between their writes left behind, from the intents they recorded
 * (shared/domain/ingestion/reconcile.ts). Counted as metrics and audited once per repaired request.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { reconciler, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { reconcileIngestion } from '../../shared/domain/ingestion/reconcile.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(reconciler));
const logger = createLogger('reconciler');
const metrics = new Metrics({ namespace: 'riskloop', serviceName: 'riskloop' });
const deps = {
  intents: adapters.ingestIntents(settings),
  orphans: adapters.orphanRepair(settings),
  queue: adapters.segmentationQueue(settings),
  audit: adapters.audit(settings),
};

/**
 * Well past the ingestion functions' 29 s timeout: a request still running is never repaired under its
 * feet. The local runtime passes 0 at start, when every earlier request is dead.
 */
const defaultOlderThanSeconds = 300;

const invocation = z
  .object({ olderThanSeconds: z.number().int().min(0).max(86_400).optional() })
  // EventBridge's scheduled event carries fields of its own; they change nothing here.
  .passthrough();

export const handler = async (event: unknown, context: Context) => {
  const { olderThanSeconds = defaultOlderThanSeconds } = invocation.parse(event ?? {});
  const now = new Date();
  const done = await reconcileIngestion(deps, {
    cutoff: new Date(now.getTime() - olderThanSeconds * 1000),
    now,
    requestId: context.awsRequestId,
  });
  if (done.intents > 0) {
    metrics.addMetric('IngestionRepairs', MetricUnit.Count, done.intents);
    metrics.addMetric('CustomersRequeued', MetricUnit.Count, done.requeued);
    metrics.addMetric('OrphansRemoved', MetricUnit.Count, done.removed);
    metrics.publishStoredMetrics();
    logger.warn('ingestion repaired after a crash', { ...done });
  }
  return done;
};
