/**
 * POST /v1/webhooks/surveys/{provider}: survey deliveries from Zigpoll, Formbricks or any tool,
 * authenticated by their Standard Webhooks signature (not by API keys: senders cannot hold them;
 * API Gateway has no authoriser on this route). Missing, invalid or stale signatures get 401 and
 * are counted (a metric and a sampled log line, never the audit trail); a replayed webhook id gets 200
 * and changes nothing.
 */
import { settingsOf, surveyWebhook as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { loadProviderConfigs } from '../../shared/domain/feedback/index.js';
import { receiveDelivery } from '../../shared/domain/feedback/receive.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { rawBody } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';
import { RejectionCounter } from '../../shared/observability/rejections.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('surveyWebhook');
const keys = adapters.keys(settings);
const deps = {
  providers: loadProviderConfigs(),
  secrets: adapters.webhookSecrets(settings, keys),
  deliveries: adapters.deliveries(settings),
  feedback: adapters.feedback(settings),
  counters: adapters.feedbackCounters(settings),
  profiles: adapters.profiles(settings),
  assignments: adapters.assignments(settings),
  keys,
  queue: adapters.segmentationQueue(settings),
  rejections: new RejectionCounter(logger),
  subjects: adapters.subjects(settings),
};

export const handler = httpFunction(spec.trigger.routes, logger, {
  'POST /v1/webhooks/surveys/{provider}': async (event) => {
    const provider = event.pathParameters?.provider ?? '';
    const outcome = await receiveDelivery(
      provider,
      {
        headers: event.headers ?? {},
        rawBody: rawBody(event).toString('utf8'),
        requestId: event.requestContext.requestId,
        now: new Date(),
      },
      deps,
    );
    logger.info('survey delivery', { provider, status: outcome.status });
    return jsonResponse(200, outcome);
  },
});
