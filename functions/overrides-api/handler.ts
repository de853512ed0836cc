/**
 * Manual overrides. A compliance officer pins a customer's segment with a reason code, an optional
 * note (sealed under the customer's key: staff text is personal data) and an expiry;
 * re-segmentation keeps the pin in force while recording what the model would have said, and
 * the model decides again once the pin expires or is lifted. Every change is audited. A pin below
 * the model's segment waits for a second officer where the four-eyes policy says so (202), who
 * decides at POST /v1/approvals/pins/{approvalId}.
 */
import { settingsOf, overridesApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { isDeferred } from '../../shared/domain/approvals/approval.js';
import { readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import { loadDefaultModel } from '../../shared/domain/risk-model/default-model.js';
import {
  applyApprovedPin,
  pinSegment,
  pinTargetContent,
  unpinSegment,
} from '../../shared/domain/segmentation/overrides.js';
import { decisionRoute } from '../../shared/http/approval-routes.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf, pseudonymParam } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('overridesApi');
const deps = {
  overrides: adapters.overrides(settings),
  assignments: adapters.assignments(settings),
  queue: adapters.segmentationQueue(settings),
  // Segment names are stable across model versions (the default model's ladder); a pin to a
  // segment a later model drops is still shown, and the officer can lift it.
  segments: loadDefaultModel().segments.map((s) => s.name),
  erasures: adapters.erasureLedger(settings),
  keys: adapters.keys(settings),
  approvals: adapters.approvals(settings),
  policy: readFourEyesPolicy(),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'PUT /v1/customers/{pseudonym}/pin': async (event, caller) => {
    const pseudonym = pseudonymParam(event);
    const pin = await pinSegment(pseudonym, event.jsonBody, deps, actorOf(event, caller));
    if (isDeferred(pin)) {
      logger.info('pin waits for approval', { pseudonym, approvalId: pin.approval.approvalId });
      return jsonResponse(202, pin);
    }
    logger.info('segment pinned', { pseudonym, segment: pin.segment, expiresAt: pin.expiresAt });
    return jsonResponse(200, pin);
  },
  'DELETE /v1/customers/{pseudonym}/pin': async (event, caller) => {
    const pseudonym = pseudonymParam(event);
    await unpinSegment(pseudonym, deps, actorOf(event, caller));
    logger.info('segment unpinned', { pseudonym });
    return jsonResponse(200, { pseudonym, pinned: false });
  },
  'POST /v1/approvals/pins/{approvalId}': decisionRoute(logger, {
    approvals: deps.approvals,
    area: 'pins',
    contentOf: (request) => pinTargetContent(String(request.target.pseudonym), deps),
    execute: (request, actor) =>
      applyApprovedPin({ ...request.payload, pseudonym: request.target.pseudonym }, deps, actor),
  }),
});
