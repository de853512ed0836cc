/**
 * Insights for analysts and officers: the KPIs of docs/insights.md (segment summary and trend,
 * capture curve, precision and recall of the high-risk segments, incidents, cases, NPS), the
 * model timeline, the customers of a segment page by page, and one customer's segment history.
 * Read only; pseudonyms, segment names, codes, counts and dates only.
 */
import { settingsOf, insightsApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { insightsService } from '../../shared/domain/insights/service.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { pseudonymParam } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('insightsApi');
const riskModels = adapters.riskModels(settings);
const activeModel = publishedDocumentProvider(riskModels, { ttlMs: adapters.modelCacheTtlMs() });
const insights = insightsService({
  reader: adapters.insights(settings),
  aggregates: adapters.aggregates(settings),
  snapshots: adapters.segmentSnapshots(settings),
  feedback: adapters.feedbackCounters(settings),
  model: async () => {
    const published = await activeModel();
    return {
      modelId: published.modelId,
      version: published.version,
      segments: published.model.segments,
      rules: published.model.rules,
    };
  },
  riskModels,
  scoringModels: adapters.scoringModels(settings),
  assignments: adapters.assignments(settings),
});

const ok = (body: unknown) => jsonResponse(200, body);

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/insights/summary': async (event) => ok(await insights.summary(event.queryStringParameters ?? {})),
  'GET /v1/insights/capture-curve': async () => ok(await insights.captureCurve()),
  'GET /v1/insights/incidents': async (event) =>
    ok(await insights.incidents(event.queryStringParameters ?? {})),
  'GET /v1/insights/cases': async () => ok(await insights.cases()),
  'GET /v1/insights/feedback': async (event) =>
    ok(await insights.feedback(event.queryStringParameters ?? {})),
  'GET /v1/insights/model-timeline': async () => ok(await insights.modelTimeline()),
  'GET /v1/insights/segments/{segment}/customers': async (event) =>
    ok(
      await insights.segmentCustomers(event.pathParameters?.segment ?? '', event.queryStringParameters ?? {}),
    ),
  'GET /v1/customers/{pseudonym}/history': async (event) => {
    const pseudonym = pseudonymParam(event);
    return ok(await insights.history(pseudonym));
  },
});
