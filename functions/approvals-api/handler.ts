/**
 * The four-eyes inbox. GET /v1/approvals: requests waiting for a decision, the soonest to expire first, only those the
 * caller's role may decide (or that the caller made). GET /v1/approvals/{approvalId}: one request,
 * whatever its state. Decisions are made where the action is carried out:
 * POST /v1/approvals/{area}/{approvalId} (docs/auth.md, "Four-eyes approval").
 */
import { settingsOf, approvalsApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { type Caller, sameActor } from '../../shared/domain/actors.js';
import { type ApprovalRequest, approvalView } from '../../shared/domain/approvals/approval.js';
import { approvalAreas, approvalDeciders } from '../../shared/domain/approvals/policy.js';
import { pageQuery } from '../../shared/domain/paging.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { approvalIdParam } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('approvalsApi');
const approvals = adapters.approvals(settings);

const visibleTo = (caller: Caller) => (request: ApprovalRequest) =>
  (approvalDeciders[approvalAreas[request.action]] as readonly string[]).includes(caller.role) ||
  sameActor(request.requestedBy, caller);

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/approvals': async (event, caller) => {
    const query = pageQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success)
      throw new ValidationError('Query must be limit (1-100) and cursor', toErrorDetails(query.error.issues));
    const now = new Date();
    const page = await approvals.pending(now, query.data.limit, query.data.cursor);
    // A page may come back shorter than the limit: requests other roles decide are left out.
    const items = page.items
      .filter(visibleTo(caller))
      .map((a) => approvalView(a, now))
      .filter((a) => a.status === 'pending');
    return jsonResponse(200, { approvals: items, ...(page.cursor ? { nextCursor: page.cursor } : {}) });
  },

  'GET /v1/approvals/{approvalId}': async (event, caller) => {
    const request = await approvals.get(approvalIdParam(event));
    if (!request || !visibleTo(caller)(request)) throw new NotFoundError('No such approval request');
    return jsonResponse(200, approvalView(request, new Date()));
  },
});
