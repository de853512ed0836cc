import { AppError, type ErrorDetail } from '../../errors.js';

export type AnswerType = 'choice' | 'rating' | 'text';
export type RespondentKind = 'externalId' | 'email';

export interface Respondent {
  kind: RespondentKind;
  value: string;
}

export interface SurveyAnswer {
  questionId: string;
  type: AnswerType;
  value: string | number;
}

/** A survey response in riskloop's terms, whatever tool sent it. Holds personal data (respondent, comment). */
export interface SurveyResponse {
  /** The `webhook-id` of the delivery: the de-duplication key. */
  deliveryId: string;
  /** The provider configuration that mapped it (the `{provider}` URL segment). */
  provider: string;
  surveyId: string;
  respondent: Respondent;
  /** ISO 8601, UTC. */
  submittedAt: string;
  /** The NPS answer, an integer 0-10; absent when not answered. */
  nps?: number;
  /** True when an NPS question was shown but skipped or dismissed (no score). */
  npsSkipped: boolean;
  /** Free text: personal data, to be sealed; only `deriveThemes` may read it in clear. */
  comment?: string;
  answers: SurveyAnswer[];
}

export interface ResponseDelivery {
  kind: 'response';
  response: SurveyResponse;
}

/** A survey was sent to (or shown to) a respondent: the denominator of the participation rate. */
export interface SurveySentDelivery {
  kind: 'surveySent';
  deliveryId: string;
  provider: string;
  surveyId: string;
  respondent: Respondent;
  /** ISO 8601, UTC. */
  sentAt: string;
}

/**
 * A well-formed delivery of an event riskloop does not use (e.g. Formbricks `responseCreated`):
 * acknowledge it (2xx, so the sender does not retry) and change nothing. `event` is the sender's
 * event name when it looks like one, otherwise `unknown`.
 */
export interface IgnoredDelivery {
  kind: 'ignored';
  deliveryId: string;
  provider: string;
  event: string;
}

export type Delivery = ResponseDelivery | SurveySentDelivery | IgnoredDelivery;

/** 422: the payload does not fit the provider's mapping. Details name paths, never values. */
export class PayloadMappingError extends AppError {
  constructor(details: ErrorDetail[]) {
    super(422, 'PAYLOAD_UNMAPPABLE', 'The survey payload does not match the provider mapping', details);
    this.name = 'PayloadMappingError';
  }
}

/** 404: no provider configuration has this name. */
export class ProviderNotFoundError extends AppError {
  constructor(provider?: string) {
    // Echo the name only when it has the shape of a configured name (it comes from the URL).
    const shown = provider && /^[a-z0-9][a-z0-9-]{0,39}$/.test(provider) ? ` ${provider}` : '';
    super(404, 'PROVIDER_NOT_FOUND', `Unknown survey provider${shown}`, [
      { path: 'provider', code: 'unknown', message: 'No survey provider is configured under this name' },
    ]);
    this.name = 'ProviderNotFoundError';
  }
}

/** An event name from a payload, kept only when it looks like vocabulary (not free data). */
export function safeEventName(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(value) ? value : 'unknown';
}
