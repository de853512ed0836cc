/**
 * Daily segment distribution snapshot: the maintained aggregates keep only the current state, so
 * once a day this copies customers per segment and per reason code into the current month's
 * item of `segmentSnapshots` (the month's last run stays as its value). The summary's trend
 * reads these. A few dozen small reads per day, whatever the population; counts only.
 */
import { segmentSnapshotScheduler, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { readPopulation } from '../../shared/domain/insights/aggregates.js';
import { takeSnapshot } from '../../shared/domain/insights/snapshot.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(segmentSnapshotScheduler));
const logger = createLogger('segmentSnapshotScheduler');
const aggregates = adapters.aggregates(settings);
const snapshots = adapters.segmentSnapshots(settings);
const activeModel = publishedDocumentProvider(adapters.riskModels(settings), { ttlMs: 0 });

export const handler = async () => {
  const published = await activeModel();
  const snapshot = await takeSnapshot(
    { population: () => readPopulation(aggregates), snapshots },
    { modelId: published.modelId, version: published.version },
    new Date(),
  );
  logger.info('segment snapshot written', { period: snapshot.period, customers: snapshot.customers });
  return { period: snapshot.period, customers: snapshot.customers };
};
