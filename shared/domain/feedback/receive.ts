import { ConflictError, ValidationError } from '../../errors.js';
import { sealJson } from '../crypto/envelope.js';
import type { Pseudonymiser } from '../crypto/pseudonymiser.js';
import { inputViolations, isReservedKey } from '../input-safety.js';
import { checkLawfulBasis } from '../lawful-basis.js';
import type { AssignmentStore, KeyService, ProfileStore, SegmentationQueue } from '../ports.js';
import { resolveSubjects, type SubjectDirectory } from '../privacy/subject-directory.js';
import { formatPath } from '../validation.js';
import { classify, periodKey } from './nps.js';
import { type Delivery, mapDelivery, type ProviderConfig, resolveProvider } from './providers.js';
import { verifyWebhook, WebhookVerificationError } from './signature.js';
import type { DeliveryLog, FeedbackCounters, FeedbackItem, FeedbackStore, ResponseCounts } from './store.js';
import { deriveThemes } from './themes.js';

export interface ReceiveDeps {
  providers: Record<string, ProviderConfig>;
  /**
   * The provider's active secrets. `refresh` asks for a fresh read past any cache (the adapter may
   * refuse if it refreshed moments ago), so a rotation is honoured at once, not after a cache TTL.
   */
  secrets: { active(provider: string, options?: { refresh?: boolean }): Promise<string[]> };
  deliveries: DeliveryLog;
  feedback: Pick<FeedbackStore, 'put'>;
  counters: Pick<FeedbackCounters, 'add'>;
  profiles: Pick<ProfileStore, 'getMany'>;
  assignments: Pick<AssignmentStore, 'get'>;
  keys: Pick<KeyService, 'pseudonymiser' | 'subjectKeys'>;
  queue: SegmentationQueue;
  /**
   * Counts deliveries refused for their signature. Unauthenticated traffic must not write the audit
   * trail (anyone on the internet could grow it): it is counted and logged, sampled, and rate-limited
   * per IP by the WAF.
   */
  rejections: { rejected(provider: string, reasonCode: string, bytes: number): void };
  subjects: SubjectDirectory;
}

export type ReceiveOutcome =
  | { status: 'duplicate'; deliveryId: string }
  | {
      status: 'counted';
      deliveryId: string;
      linked: false;
      reason: 'UNKNOWN_RESPONDENT' | 'NO_FEEDBACK_CONSENT';
    }
  | { status: 'linked'; deliveryId: string; linked: true; segment: string }
  | { status: 'surveyed'; deliveryId: string }
  | { status: 'ignored'; deliveryId: string; event: string };

/** Webhook ids are kept longer than Standard Webhooks senders retry (about 3 days). */
const dedupeSeconds = 4 * 86_400;
/** How long a claim holds while its delivery is processed: well past the function's timeout. */
const inProgressSeconds = 60;
/** Feedback is kept two years, then expires (storage limitation). */
const retentionSeconds = 730 * 86_400;

export const feedbackCommentContext = (pseudonym: string, responseKey: string) =>
  `riskloop:feedback:${pseudonym}:${responseKey}:comment`;

/**
 * One signed survey delivery: verified over the raw body (a failure is counted, never audited, and
 * answered 401), mapped by the provider's configuration (422 naming the path that failed), claimed on
 * its webhook id while processed (released on failure), linked to the customer by pseudonym when the
 * lawful basis for `feedback` allows (otherwise only counted), stored with the comment sealed under
 * the customer's key and only derived themes in clear, counted per segment, and the customer queued
 * for re-segmentation, since feedback is a risk input.
 */
export async function receiveDelivery(
  provider: string,
  request: { headers: Record<string, string | undefined>; rawBody: string; requestId: string; now: Date },
  deps: ReceiveDeps,
): Promise<ReceiveOutcome> {
  const config = resolveProvider(deps.providers, provider);
  let verified: { id: string; timestamp: Date };
  const verify = async (refresh: boolean) =>
    verifyWebhook({
      headers: request.headers,
      rawBody: request.rawBody,
      secrets: await deps.secrets.active(provider, { refresh }),
      now: request.now,
    });
  try {
    try {
      verified = await verify(false);
    } catch (error) {
      // A secret rotated after this container cached the list: check once more with fresh secrets.
      if (!(error instanceof WebhookVerificationError && error.code === 'SIGNATURE_INVALID')) throw error;
      verified = await verify(true);
    }
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      deps.rejections.rejected(provider, error.code, Buffer.byteLength(request.rawBody));
    }
    throw error;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(request.rawBody);
  } catch {
    payload = undefined;
  }
  const delivery = mapDelivery(config, payload, verified.id);
  refuseUnsafe(delivery);
  const key = `${provider}#${verified.id}`;
  const nowSeconds = Math.floor(request.now.getTime() / 1000);
  const claim = await deps.deliveries.claim(key, nowSeconds, inProgressSeconds);
  if (claim === 'completed') return { status: 'duplicate', deliveryId: verified.id };
  if (claim === 'in-progress') {
    throw new ConflictError('DELIVERY_IN_PROGRESS', 'This delivery is being processed; try again shortly');
  }
  let outcome: ReceiveOutcome;
  try {
    outcome =
      delivery.kind === 'ignored'
        ? { status: 'ignored', deliveryId: verified.id, event: delivery.event }
        : delivery.kind === 'response'
          ? await linkResponse(delivery, provider, request, deps)
          : await countSurveyed(delivery, deps, verified.id);
  } catch (error) {
    // Nothing is marked done: the sender's retry runs again (each effect tolerates running twice).
    await deps.deliveries.release(key).catch(() => undefined);
    throw error;
  }
  await deps.deliveries.complete(key, nowSeconds + dedupeSeconds);
  return outcome;
}

async function resolve(deps: ReceiveDeps, respondent: { kind: 'externalId' | 'email'; value: string }) {
  const pseudonymiser: Pseudonymiser = await deps.keys.pseudonymiser();
  // Customers are keyed by their external id; an e-mail alone cannot be linked (no e-mail index is kept).
  if (respondent.kind !== 'externalId') return undefined;
  // Resolve only: an answer never creates a subject (an erased customer's answer stays unlinked).
  const subjects = await resolveSubjects([respondent.value], pseudonymiser, deps.subjects, {
    create: false,
    now: new Date(),
  });
  const pseudonym = subjects.get(respondent.value)?.pseudonym;
  if (!pseudonym) return undefined;
  const profile = (await deps.profiles.getMany([pseudonym])).get(pseudonym);
  return profile ? { pseudonym, profile } : undefined;
}

async function countSurveyed(
  delivery: Extract<Delivery, { kind: 'surveySent' }>,
  deps: ReceiveDeps,
  id: string,
) {
  const customer = await resolve(deps, delivery.respondent);
  const segment = customer
    ? ((await deps.assignments.get(customer.pseudonym))?.segment ?? 'unsegmented')
    : 'unlinked';
  await deps.counters.add(periodKey(new Date(delivery.sentAt), 'month'), segment, { surveyed: 1 });
  return { status: 'surveyed' as const, deliveryId: id };
}

async function linkResponse(
  delivery: Extract<Delivery, { kind: 'response' }>,
  provider: string,
  request: { requestId: string; now: Date },
  deps: ReceiveDeps,
): Promise<ReceiveOutcome> {
  const { response } = delivery;
  const period = periodKey(new Date(response.submittedAt), 'month');
  const delta: Partial<ResponseCounts> =
    response.nps === undefined || response.npsSkipped
      ? { skipped: 1 }
      : { [`${classify(response.nps)}s`]: 1 };
  const customer = await resolve(deps, response.respondent);
  if (!customer) {
    await deps.counters.add(period, 'unlinked', { ...delta, unlinked: 1 });
    return {
      status: 'counted',
      deliveryId: response.deliveryId,
      linked: false,
      reason: 'UNKNOWN_RESPONDENT',
    };
  }
  if (!checkLawfulBasis(customer.profile.lawfulBasis, 'feedback', request.now).ok) {
    await deps.counters.add(period, 'unlinked', { ...delta, unlinked: 1 });
    return {
      status: 'counted',
      deliveryId: response.deliveryId,
      linked: false,
      reason: 'NO_FEEDBACK_CONSENT',
    };
  }
  const segment = (await deps.assignments.get(customer.pseudonym))?.segment ?? 'unsegmented';
  const responseKey = `${new Date(response.submittedAt).toISOString()}#${response.deliveryId}`;
  const key = response.comment
    ? (await deps.keys.subjectKeys([customer.pseudonym], false)).get(customer.pseudonym)
    : undefined;
  const item: FeedbackItem = {
    pseudonym: customer.pseudonym,
    responseKey,
    provider,
    surveyId: response.surveyId,
    submittedAt: new Date(response.submittedAt).toISOString(),
    period,
    ...(response.nps !== undefined && !response.npsSkipped ? { nps: response.nps } : {}),
    npsSkipped: response.npsSkipped || response.nps === undefined,
    themes: response.comment ? deriveThemes(response.comment) : [],
    segment,
    // Without a subject key (erased customer) the comment is dropped, never stored in clear.
    ...(response.comment && key
      ? { comment: sealJson(key, response.comment, feedbackCommentContext(customer.pseudonym, responseKey)) }
      : {}),
    ...(selfReported(response.answers).length > 0 ? { answers: selfReported(response.answers) } : {}),
    expiresAt: Math.floor(request.now.getTime() / 1000) + retentionSeconds,
  };
  // Counters last: a retry after a failure repeats the put (same key) and the queue send (harmless),
  // never an increment that already happened.
  await deps.feedback.put(item);
  await deps.queue.enqueue([
    { pseudonym: customer.pseudonym, cause: 'feedback', requestId: request.requestId },
  ]);
  await deps.counters.add(period, segment, delta);
  return { status: 'linked', deliveryId: response.deliveryId, linked: true, segment };
}

function selfReported(answers: readonly { questionId: string; type: string; value: string | number }[]) {
  return answers.flatMap((a) =>
    a.type === 'choice' || a.type === 'rating'
      ? [{ questionId: a.questionId, type: a.type as 'choice' | 'rating', value: a.value }]
      : [],
  );
}

/**
 * What a delivery keeps must pass the checks every input gets (shared/domain/input-safety.ts), whatever
 * the provider's payload looked like; a question id also becomes a key (of the customer's self-reported
 * answers), so it may not be a name every object inherits. Refused before the delivery id is claimed.
 */
function refuseUnsafe(delivery: Delivery): void {
  const violations = inputViolations(delivery);
  const answers = delivery.kind === 'response' ? delivery.response.answers : [];
  answers.forEach((a, i) => {
    if (isReservedKey(a.questionId)) {
      violations.push({
        path: ['response', 'answers', i, 'questionId'],
        code: 'RESERVED_KEY',
        message: `"${a.questionId}" is a member of every JavaScript object and cannot be a question id`,
      });
    }
  });
  if (violations.length > 0) {
    throw new ValidationError(
      'Delivery contains input riskloop refuses',
      violations.map((v) => ({ path: formatPath(v.path), code: v.code, message: v.message })),
    );
  }
}
