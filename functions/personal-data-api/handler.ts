/**
 * POST /v1/customers/personal-data with `{ "pseudonym": "...", "purpose": "..." }`: one customer's
 * personal data in clear. Every role that might need it may call the route; the gatekeeper then
 * applies the policy of the customer's segment (e.g. critical customers: compliance only) and
 * audits the decryption or the refusal with its purpose. The pseudonym travels in the body so it
 * never lands in access logs, and nothing here logs it or the data.
 */
import { settingsOf, personalDataApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { publishedSegments } from '../../shared/domain/privacy/legal-hold.js';
import { readPersonalData } from '../../shared/domain/privacy/personal-data-access.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('personalDataApi');
const deps = {
  keys: adapters.keys(settings),
  profiles: adapters.profiles(settings),
  overrides: adapters.overrides(settings),
  outcomes: adapters.outcomes(settings),
  assignments: adapters.assignments(settings),
  segments: publishedSegments(adapters.riskModels(settings)),
  audit: adapters.audit(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/customers/personal-data': async (event, caller) => {
    const answer = await readPersonalData(event.jsonBody, deps, actorOf(event, caller));
    logger.info('personal data released', { purpose: answer.purpose, segment: answer.segment });
    // jsonResponse sets Cache-Control: no-store: no proxy or browser may keep personal data.
    return jsonResponse(200, answer);
  },
});
