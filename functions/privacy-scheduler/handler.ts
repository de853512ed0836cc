/**
 * The daily privacy run. EventBridge calls this once a day:
 * 1. deferred erasures: every subject whose legal hold has ended (relationship end + the segment's
 *    retention years), each hold recomputed from the current profile and segment;
 * 2. retention: every customer whose relationship ended is erased once its retention period is
 *    over, and until then its items carry the DynamoDB TTL backstop (`retainUntil`), refreshed.
 * Safe to repeat: an erased subject is gone with its request, and TTLs already right are not written.
 * By hand: `npm run invoke -- privacyScheduler`.
 */
import type { Context } from 'aws-lambda';
import { privacyScheduler, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { runDeferredErasures } from '../../shared/domain/privacy/erasure.js';
import { publishedSegments } from '../../shared/domain/privacy/legal-hold.js';
import { runRetention } from '../../shared/domain/privacy/retention.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(privacyScheduler));
const logger = createLogger('privacyScheduler');
const privacy = adapters.privacy(settings);
const segments = publishedSegments(adapters.riskModels(settings));
const audit = adapters.audit(settings);
const deps = {
  profiles: adapters.profiles(settings),
  assignments: adapters.assignments(settings),
  segments,
  requests: privacy,
  eraser: privacy,
  audit,
};
const retentionDeps = { store: adapters.retention(settings), segments, eraser: privacy, audit };

export const handler = async (_event: unknown, context: Context) => {
  const now = new Date();
  const deferred = await runDeferredErasures(deps, now, context.awsRequestId);
  logger.info('deferred erasures run', deferred);
  // Counts only: the log never names a subject, not even by pseudonym.
  const retention = await runRetention(retentionDeps, now, context.awsRequestId);
  logger.info('retention run', { ...retention });
  return { deferred, retention };
};
