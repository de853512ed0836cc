/**
 * Audit checkpoint (every five minutes). Signs the current head of every hash chain of today and yesterday
 * with the asymmetric audit key, chained to the previous checkpoint. Between two checkpoints a
 * writer could only hide its newest records by deleting them together with its head; a
 * checkpoint makes everything it saw permanent evidence.
 */
import { auditCheckpoint, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { takeCheckpoint } from '../../shared/domain/audit-trail/verify.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(auditCheckpoint));
const logger = createLogger('auditCheckpoint');
const deps = { trail: adapters.auditTrail(settings), signer: adapters.checkpointSigner(settings) };

export const handler = async () => {
  const { written, checkpoint } = await takeCheckpoint(deps, new Date());
  logger.info(written ? 'audit checkpoint signed' : 'audit checkpoint skipped: no chain moved', {
    at: checkpoint?.at,
    chains: checkpoint?.heads.length ?? 0,
  });
  return { written, at: checkpoint?.at ?? null, chains: checkpoint?.heads.length ?? 0 };
};
