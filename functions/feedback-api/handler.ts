/**
 * Feedback reporting: NPS, response counts and participation per risk segment and month; blind
 * spots (segments whose NPS is low or whose detractor share rises significantly); and rotation of
 * the webhook secrets survey tools sign with.
 */

import { z } from 'zod';
import { settingsOf, feedbackApi as spec } from '../../infra/manifest.js';
import * as adapters from '../../shared/adapters/compose.js';
import { requireSettings } from '../../shared/config.js';
import { auditActor, type RequestActor } from '../../shared/domain/actors.js';
import { withFourEyes } from '../../shared/domain/approvals/approval.js';
import { readFourEyesPolicy } from '../../shared/domain/approvals/policy.js';
import { auditEvent } from '../../shared/domain/audit.js';
import {
  blindSpots,
  loadProviderConfigs,
  npsOf,
  participationRate,
  periodKey,
} from '../../shared/domain/feedback/index.js';
import { publishedDocumentProvider } from '../../shared/domain/segmentation/published-document.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { decisionRoute, deferrableResponse } from '../../shared/http/approval-routes.js';
import { requireEmptyBody } from '../../shared/http/empty-body.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { actorOf, type JsonEvent } from '../../shared/http/middleware.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';

const settings = requireSettings(settingsOf(spec));
const logger = createLogger('feedbackApi');
const counters = adapters.feedbackCounters(settings);
const secrets = adapters.webhookSecrets(settings, adapters.keys(settings));
const audit = adapters.audit(settings);
const activeModel = publishedDocumentProvider(adapters.riskModels(settings), {
  ttlMs: adapters.modelCacheTtlMs(),
});
const providers = loadProviderConfigs();
const fourEyes = { approvals: adapters.approvals(settings), policy: readFourEyesPolicy() };

const periodParam = z
  .string()
  .regex(/^\d{4}-\d{2}$/)
  .optional();

function periodOf(event: JsonEvent): string {
  const parsed = periodParam.safeParse(event.queryStringParameters?.period);
  if (!parsed.success)
    throw new ValidationError('period must be YYYY-MM', toErrorDetails(parsed.error.issues));
  return parsed.data ?? periodKey(new Date(), 'month');
}

function previousMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

async function segmentsReported(): Promise<string[]> {
  const published = await activeModel();
  return [...published.model.segments.map((s) => s.name), 'unsegmented', 'unlinked'];
}

/** A new secret for the provider, the older kept active so senders switch without a gap; audited. */
async function rotateSecret(provider: string, actor: RequestActor) {
  const rotated = await secrets.rotate(provider);
  await audit.append([
    auditEvent({
      eventId: `webhook.secret-rotated#${provider}#${rotated.id}`,
      subject: null,
      actor: auditActor(actor),
      action: 'webhook.secret-rotated',
      reasonCodes: [],
      requestId: actor.requestId,
      at: actor.now,
      details: { provider, secretId: rotated.id, active: rotated.active },
    }),
  ]);
  logger.info('webhook secret rotated', { provider, active: rotated.active });
  // Shown once: configure it in the survey tool now; it is stored only sealed.
  return { provider, ...rotated };
}

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /v1/feedback/nps': async (event) => {
    const period = periodOf(event);
    const counts = await counters.read(period, await segmentsReported());
    return jsonResponse(200, {
      period,
      rule: 'NPS = % promoters (9-10) − % detractors (0-6) over answered responses; skipped answers are counted apart, not in the denominator',
      segments: Object.entries(counts).map(([segment, c]) => ({
        segment,
        ...c,
        ...npsOf(c),
        participationRate: participationRate(c.promoters + c.passives + c.detractors + c.skipped, c.surveyed),
      })),
    });
  },

  'GET /v1/feedback/blind-spots': async (event) => {
    const period = periodOf(event);
    const segments = await segmentsReported();
    const [current, previous] = await Promise.all([
      counters.read(period, segments),
      counters.read(previousMonth(period), segments),
    ]);
    // safeParse: a bad query parameter is the caller's 400, not a 500 (a ZodError is no AppError).
    // The documented pattern first: z.coerce alone would take '' (or ' ') for 0.
    const parsedThreshold = z
      .string()
      .regex(/^-?\d+(\.\d+)?$/)
      .transform(Number)
      .pipe(z.number().min(-100).max(100))
      .optional()
      .transform((n) => n ?? 0)
      .safeParse(event.queryStringParameters?.npsThreshold);
    if (!parsedThreshold.success)
      throw new ValidationError(
        'npsThreshold must be a number from -100 to 100',
        toErrorDetails(parsedThreshold.error.issues, 'npsThreshold'),
      );
    const threshold = parsedThreshold.data;
    return jsonResponse(200, {
      period,
      previousPeriod: previousMonth(period),
      blindSpots: blindSpots(current, previous, {
        npsThreshold: threshold,
        detractorRiseThreshold: 10,
        minResponses: 5,
      }),
    });
  },

  'POST /v1/webhooks/surveys/{provider}/secrets': async (event, caller) => {
    // The new secret is always generated here: a body (a secret of the caller's choosing?) is refused.
    requireEmptyBody(event);
    const provider = event.pathParameters?.provider ?? '';
    if (!providers[provider]) throw new NotFoundError('Unknown survey provider');
    const actor = actorOf(event, caller);
    const result = await withFourEyes(
      fourEyes,
      { action: 'webhook-secret.rotate', target: { provider }, content: await secrets.revision(provider) },
      actor,
      () => rotateSecret(provider, actor),
    );
    return deferrableResponse(result, 201);
  },

  'POST /v1/approvals/webhook-secrets/{approvalId}': decisionRoute(logger, {
    approvals: fourEyes.approvals,
    area: 'webhook-secrets',
    contentOf: ({ target }) => secrets.revision(String(target.provider)),
    execute: ({ target }, actor) => rotateSecret(String(target.provider), actor),
  }),
});
