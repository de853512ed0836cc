/**
 * SQS consumer of `verificationJobs`, one job per invocation: verifies the audit trail of the days
 * a job names (chains, heads, signed checkpoints), day after day with progress, and keeps the report
 * as the job's result: the work of `GET /v1/audit/verification` for days too large for a request.
 */
import { auditVerifier, queues, settingsOf } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { maxJobFindings } from '../../shared/domain/audit-trail/responses.js';
import { verifyAuditTrail } from '../../shared/domain/audit-trail/verify.js';
import { jobQueueHandler } from '../../shared/job-handler.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(auditVerifier));
const deps = { trail: adapters.auditTrail(settings), signer: adapters.checkpointSigner(settings) };

export const handler = jobQueueHandler({
  logger: createLogger('auditVerifier'),
  jobs: adapters.jobs(settings),
  maxReceiveCount: queues.verificationJobs.maxReceiveCount,
  work: async ({ job, report }) => {
    const days = job.input.days as string[];
    await report({ phase: 'verifying', done: 0, total: days.length });
    const verified = await verifyAuditTrail(deps, { days, now: new Date() });
    await report({ phase: 'verifying', done: days.length, total: days.length });
    const omitted = verified.findings.length - maxJobFindings;
    return {
      ...verified,
      findings: verified.findings.slice(0, maxJobFindings),
      ...(omitted > 0 ? { findingsOmitted: omitted } : {}),
    };
  },
});
