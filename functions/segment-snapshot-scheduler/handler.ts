/**
 * Daily segment distribution snapshot: the assignments table keeps only the current state, so
 * once a day this counts customers per segment and per reason code into the current month's
 * item of `segmentSnapshots` (the month's last run stays as its value). The summary's trend
 * reads these. One scan of assignments per day; counts only, no pseudonyms.
 */
import { functions, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { takeSnapshot } from '../../shared/domain/insights/snapshot.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(functions.segmentSnapshotScheduler));
const logger = createLogger('segmentSnapshotScheduler');
const assignments = adapters.assignments(settings);
const snapshots = adapters.segmentSnapshots(settings);
const activeModel = publishedDocumentProvider(adapters.riskModels(settings), { ttlMs: 0 });

export const handler = async () => {
  const published = await activeModel();
  const snapshot = await takeSnapshot(
    { assignments: () => assignments.scanAll(), snapshots },
    { modelId: published.modelId, version: published.version },
    new Date(),
  );
  logger.info('segment snapshot written', { period: snapshot.period, customers: snapshot.customers });
  return { period: snapshot.period, customers: snapshot.customers };
};
