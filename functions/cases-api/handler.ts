/**
 * Compliance cases. The KYC review scheduler opens `kyc_review` cases; a compliance officer opens
 * others (e.g. on an EnhancedDueDiligenceRequired or ComplianceReviewSuggested event), takes a
 * case into review and closes it with a result. Every move is audited; closing can record the
 * result as an audit outcome that predictive scoring learns from, and closing a KYC review
 * restarts the customer's review interval.
 */
import { settingsOf, casesApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { listCases, openCase, publishCaseEvents, transitionCase } from '../../shared/domain/cases/case.js';
import { checkLawfulBasis } from '../../shared/domain/lawful-basis.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf, type JsonEvent } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('casesApi');
const profiles = adapters.profiles(settings);
const events = adapters.workflowEvents(settings);
const deps = {
  cases: adapters.cases(settings),
  erasures: adapters.erasureLedger(settings),
  placements: adapters.assignments(settings),
  // A survey after a completed review is only requested when the customer's basis for feedback holds.
  feedbackAllowed: async (subject: string) => {
    const profile = (await profiles.getMany([subject])).get(subject);
    return profile !== undefined && checkLawfulBasis(profile.lawfulBasis, 'feedback', new Date()).ok;
  },
};

const CASE_ID = /^case_[A-Za-z0-9_-]{22}$/;

function caseIdOf(event: JsonEvent): string {
  const caseId = event.pathParameters?.caseId ?? '';
  if (!CASE_ID.test(caseId)) {
    throw new ValidationError('Not a case id', [
      { path: 'caseId', code: 'INVALID_CASE_ID', message: 'Expected case_<22 base64url characters>' },
    ]);
  }
  return caseId;
}

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/cases': async (event) =>
    jsonResponse(200, await listCases(event.queryStringParameters ?? {}, deps.cases)),
  'POST /v1/cases': async (event, caller) => {
    const opened = await openCase(event.jsonBody, deps, actorOf(event, caller));
    logger.info('case opened', {
      caseId: opened.case.caseId,
      kind: opened.case.kind,
      created: opened.created,
    });
    return jsonResponse(opened.created ? 201 : 200, opened.case);
  },
  'GET /v1/cases/{caseId}': async (event) => {
    const found = await deps.cases.get(caseIdOf(event));
    if (!found) throw new NotFoundError('No such case');
    return jsonResponse(200, found);
  },
  'POST /v1/cases/{caseId}/transitions': async (event, caller) => {
    let moved = await transitionCase(caseIdOf(event), event.jsonBody, deps, actorOf(event, caller));
    logger.info('case moved', { caseId: moved.caseId, status: moved.status, result: moved.outcome?.result });
    if (moved.pendingEvents) {
      // The move is committed; if publishing fails now, the daily sweep publishes from the outbox.
      try {
        await publishCaseEvents([moved], { cases: deps.cases, events });
        const { pendingEvents: _sent, outbox: _flag, ...rest } = moved;
        moved = { ...rest, revision: moved.revision + 1 };
      } catch (error) {
        logger.warn('case events left in the outbox', {
          caseId: moved.caseId,
          errorName: (error as Error).name,
        });
      }
    }
    return jsonResponse(200, moved);
  },
});
