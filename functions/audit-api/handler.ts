/**
 * GET /v1/audit/verification[?day=YYYY-MM-DD]: verifies the audit trail of one day (today by
 * default) against its hash chains, chain heads and signed checkpoints, and names every record
 * that was edited, deleted or reordered. `npm run audit:verify` runs the same check over all days.
 * POST /v1/audit/verifications does it as a job, for a day of any size or a range of days.
 */
import { randomUUID } from 'node:crypto';
import { settingsOf, auditApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { daysBetween, verificationRequest } from '../../shared/domain/audit-trail/responses.js';
import { verifyAuditTrail } from '../../shared/domain/audit-trail/verify.js';
import { submitJob } from '../../shared/domain/jobs/job.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { jobAccepted } from '../../shared/http/job-response.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('auditApi');
const deps = { trail: adapters.auditTrail(settings), signer: adapters.checkpointSigner(settings) };
const jobDeps = {
  jobs: adapters.jobs(settings),
  queue: adapters.verificationJobs(settings),
  audit: adapters.audit(settings),
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/audit/verification': async (event) => {
    const now = new Date();
    const day = event.queryStringParameters?.day ?? now.toISOString().slice(0, 10);
    if (!DAY.test(day) || Number.isNaN(Date.parse(day))) {
      throw new ValidationError('day must be a date (YYYY-MM-DD)', [
        { path: 'day', code: 'INVALID_DATE', message: 'Expected YYYY-MM-DD' },
      ]);
    }
    const report = await verifyAuditTrail(deps, { days: [day], now });
    logger.info('audit trail verified', {
      day,
      intact: report.intact,
      chains: report.chains,
      records: report.records,
      findings: report.findings.length,
    });
    return jsonResponse(200, report);
  },

  'POST /v1/audit/verifications': async (event, caller) => {
    const parsed = verificationRequest.safeParse(event.jsonBody);
    if (!parsed.success)
      throw new ValidationError(
        'Body must be {}, or the days to verify as from and to (YYYY-MM-DD, at most 31 days)',
        toErrorDetails(parsed.error.issues),
      );
    const today = new Date().toISOString().slice(0, 10);
    const from = parsed.data.from ?? parsed.data.to ?? today;
    const days = daysBetween(from, parsed.data.to ?? from);
    // A day's records grow with its decisions (a full re-score writes millions): a job, not a request.
    const job = await submitJob(
      jobDeps,
      { jobId: `job-${randomUUID()}`, kind: 'verification', input: { days } },
      actorOf(event, caller),
    );
    logger.info('verification job started', { jobId: job.runId, days: days.length });
    return jobAccepted(job);
  },
});
