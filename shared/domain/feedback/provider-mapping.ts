import { type AnswerType, type Delivery, type SurveyAnswer, safeEventName } from './delivery.js';
import { type Condition, PayloadReader, type RespondentSource } from './extract.js';

/**
 * A provider described by configuration only (`shared/data/survey-providers/<name>.json`): every
 * field is a path in the payload (see paths.ts for the path language).
 */
export interface MappingProviderConfig {
  kind: 'mapping';
  name: string;
  description?: string;
  /**
   * Which deliveries are responses and which are "survey sent" notices. Without it every delivery
   * is a response. Values in neither list are acknowledged and ignored; a missing value uses
   * `whenMissing` (or is a 422 when that is not set).
   */
  event?: {
    path: string;
    response: string[];
    surveySent: string[];
    whenMissing?: 'response' | 'surveySent' | 'ignored';
  };
  surveyId: string;
  /** Tried in order: the first present value wins. */
  respondent: RespondentSource[];
  submittedAt: string;
  /** Time of a "survey sent" delivery; defaults to `submittedAt`'s path. */
  sentAt?: string;
  /** The NPS score (0-10); with `when`, only if e.g. the question type says it is an NPS question. */
  nps?: { path: string; when?: Condition };
  /** A boolean the tool sets when the respondent skipped or dismissed the question. */
  npsSkipped?: string;
  comment?: string;
  answers: { questionId: string; type: AnswerType; path: string; when?: Condition }[];
  /** Documentation only: a payload this mapping is written for. */
  examplePayload?: unknown;
}

type Kind = 'response' | 'surveySent' | 'ignored';

function kindOf(
  config: MappingProviderConfig,
  reader: PayloadReader,
): { kind: Kind; event: string } | undefined {
  const spec = config.event;
  if (!spec) return { kind: 'response', event: 'response' };
  const value = reader.value(spec.path);
  if (value === undefined || value === null || value === '') {
    if (spec.whenMissing) return { kind: spec.whenMissing, event: 'unknown' };
    return reader.fail(spec.path, 'required', 'Expected the event type');
  }
  if (typeof value !== 'string') return reader.fail(spec.path, 'invalid_type', 'Expected the event type');
  if (spec.response.includes(value)) return { kind: 'response', event: value };
  if (spec.surveySent.includes(value)) return { kind: 'surveySent', event: value };
  return { kind: 'ignored', event: value };
}

export function mapByConfig(config: MappingProviderConfig, payload: unknown, deliveryId: string): Delivery {
  const reader = new PayloadReader(payload);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    reader.fail('(root)', 'invalid_type', 'Expected a JSON object');
  }
  reader.done();
  const kind = kindOf(config, reader);
  reader.done();
  const provider = config.name;
  if (!kind || kind.kind === 'ignored') {
    return { kind: 'ignored', deliveryId, provider, event: safeEventName(kind?.event) };
  }

  const surveyId = reader.id(config.surveyId);
  const respondent = reader.respondent(config.respondent);
  if (kind.kind === 'surveySent') {
    const sentAt = reader.timestamp(config.sentAt ?? config.submittedAt);
    reader.done();
    return {
      kind: 'surveySent',
      deliveryId,
      provider,
      surveyId: surveyId as string,
      respondent: respondent as NonNullable<typeof respondent>,
      sentAt: sentAt as string,
    };
  }

  const submittedAt = reader.timestamp(config.submittedAt);
  const npsApplies = config.nps !== undefined && reader.matches(config.nps.when);
  const nps = npsApplies && config.nps ? reader.nps(config.nps.path) : undefined;
  const skippedFlag = config.npsSkipped ? reader.boolean(config.npsSkipped) : undefined;
  if (skippedFlag === true && nps !== undefined && config.npsSkipped) {
    reader.fail(config.npsSkipped, 'conflict', 'A skipped NPS question cannot also have a score');
  }
  const comment = config.comment ? reader.comment(config.comment) : undefined;
  const answers = config.answers.flatMap((a): SurveyAnswer[] => {
    const answer = reader.matches(a.when) ? reader.answer(a.questionId, a.type, a.path) : undefined;
    return answer ? [answer] : [];
  });
  reader.done();
  return {
    kind: 'response',
    response: {
      deliveryId,
      provider,
      surveyId: surveyId as string,
      respondent: respondent as NonNullable<typeof respondent>,
      submittedAt: submittedAt as string,
      ...(nps !== undefined ? { nps } : {}),
      // Skipped: the tool says so, or an NPS question was asked (its condition held) without a score.
      npsSkipped: skippedFlag === true || (npsApplies && nps === undefined),
      ...(comment !== undefined ? { comment } : {}),
      answers,
    },
  };
}
