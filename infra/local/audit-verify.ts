/**
 * `npm run audit:verify -- [--day YYYY-MM-DD] [--checkpoint]`: verifies the audit trail of the
 * running local system (every day with chains, or one day) with the same domain code and
 * adapters as GET /v1/audit/verification. Prints each finding, the JSON report on stdout, and
 * exits 1 when the trail is not intact. `--checkpoint` signs a checkpoint first (as the scheduled
 * schedule would).
 */
import { parseArgs } from 'node:util';
import * as adapters from '../../shared/adapters/compose.js';
import { verifyAuditTrail } from '../../shared/domain/audit-trail/verify.js';
import { LocalLambdas } from './lambda.js';
import { attachToRunningSystem, repoRoot } from './running.js';

const { values } = parseArgs({ options: { day: { type: 'string' }, checkpoint: { type: 'boolean' } } });
if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) {
  process.stderr.write('--day must be YYYY-MM-DD\n');
  process.exit(2);
}

const state = attachToRunningSystem();
if (values.checkpoint) {
  // Keep stdout for the report alone: the function's own log lines would interleave with it.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const result = await new LocalLambdas(repoRoot, state.stage).invoke('auditCheckpoint', {});
  process.stderr.write(`checkpoint: ${JSON.stringify(result)}\n`);
}
const settings = state.env;
const report = await verifyAuditTrail(
  { trail: adapters.auditTrail(settings), signer: adapters.checkpointSigner(settings) },
  { ...(values.day ? { days: [values.day] } : {}), now: new Date() },
);
for (const f of report.findings) {
  const where = f.record ? ` ${f.record.stream} / ${f.record.eventId}` : '';
  process.stderr.write(`✗ ${f.problem}${where}: ${f.message}\n`);
}
process.stderr.write(
  `${report.intact ? '✓ intact' : '✗ NOT intact'}: ${report.days.length} day(s), ${report.chains} chain(s), ${report.records} record(s), ${report.checkpoints} checkpoint(s)\n`,
);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(report.intact ? 0 : 1);
