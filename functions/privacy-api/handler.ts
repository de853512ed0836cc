/**
 * Data subject rights, for the privacy officer only. The subject is named in the JSON body
 * (`{ "customerExternalId": "..." }`), never in the path or query string, so the identifier
 * cannot land in access logs; nothing here logs it either.
 *
 * - POST /v1/subjects/erasure: 200 with what was crypto-shredded, or 202 with the legal hold that
 *   defers it (the daily privacy scheduler carries it out when the hold ends); 404 if unknown.
 * - POST /v1/subjects/export: everything held about the subject, decrypted (GDPR Art. 15 / 20).
 */
import { settingsOf, privacyApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import { eraseDespiteHold, holdOf, requestErasure } from '../../shared/domain/privacy/erasure.js';
import { exportSubject } from '../../shared/domain/privacy/export.js';
import { publishedSegments } from '../../shared/domain/privacy/legal-hold.js';
import { decisionRoute } from '../../shared/http/approval-routes.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('privacyApi');
const privacy = adapters.privacy(settings);
const deps = {
  keys: adapters.keys(settings),
  subjects: adapters.subjects(settings),
  profiles: adapters.profiles(settings),
  assignments: adapters.assignments(settings),
  segments: publishedSegments(adapters.riskModels(settings)),
  requests: privacy,
  eraser: privacy,
  records: privacy,
  audit: adapters.audit(settings),
  approvals: adapters.approvals(settings),
  policy: readFourEyesPolicy(),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/subjects/erasure': async (event, caller) => {
    const outcome = await requestErasure(event.jsonBody, deps, actorOf(event, caller));
    // Counts and the hold only: the log never names the subject, not even by pseudonym.
    logger.info('erasure request handled', {
      status: outcome.status,
      ...(outcome.status === 'erased' ? { removed: outcome.removed } : {}),
      ...(outcome.status === 'deferred' ? { hold: outcome.hold.reason } : {}),
    });
    return jsonResponse(outcome.status === 'erased' ? 200 : 202, outcome);
  },
  'POST /v1/approvals/erasures/{approvalId}': decisionRoute(logger, {
    approvals: deps.approvals,
    area: 'erasures',
    contentOf: ({ target }) => holdOf(String(target.pseudonym), deps, new Date()),
    execute: ({ target, payload }, actor) =>
      eraseDespiteHold(
        { pseudonym: String(target.pseudonym), lookup: String(payload.lookup) },
        String(payload.reasonCode),
        deps,
        actor,
      ),
  }),
  'POST /v1/subjects/export': async (event, caller) => {
    const document = await exportSubject(event.jsonBody, deps, actorOf(event, caller));
    logger.info('subject export released', { transactions: document.transactions.length });
    // jsonResponse sets Cache-Control: no-store: no proxy or browser may keep this document.
    return jsonResponse(200, document);
  },
});
