import { type AnswerType, type Delivery, type SurveyAnswer, safeEventName } from './delivery.js';
import { PayloadReader, type RespondentSource } from './extract.js';

/**
 * Formbricks webhooks (signed with Standard Webhooks): `{ webhookId, event, data }`, where `event`
 * is `responseCreated`, `responseUpdated` or `responseFinished` and `data` is the response:
 * `{ id, createdAt, updatedAt, surveyId, finished, contact: { id, userId } | null,
 * contactAttributes: { userId?, email?, … }, data: { <questionId>: answer }, meta, … }`
 * (older releases send `person: { id, userId }` instead of `contact`). Hidden fields are stored
 * in `data.data` under their field id. NPS questions answer with an integer 0-10.
 */
export interface FormbricksProviderConfig {
  kind: 'formbricks';
  name: string;
  description?: string;
  /** Events that carry a complete response; every other event is acknowledged and ignored. */
  responseEvents: string[];
  /**
   * Ids of NPS questions in `data.data`. Set the question id in the Formbricks editor (e.g. `nps`)
   * or list yours here. When the payload includes `data.survey.questions`, questions of type `nps`
   * are found there too.
   */
  npsQuestionIds: string[];
  /** Ids of the open-text question(s) whose answer is the comment (personal data: sealed downstream). */
  commentQuestionIds: string[];
  /** Where the respondent identifier is, tried in order: the first present value wins. */
  respondent: RespondentSource[];
  /** Other questions to keep (e.g. a multiple-choice question about the customer's situation). */
  answers: { questionId: string; type: AnswerType }[];
}

export const formbricksDefaults: FormbricksProviderConfig = {
  kind: 'formbricks',
  name: 'formbricks',
  description: 'Formbricks webhook payloads ({ webhookId, event, data }); responseFinished only.',
  responseEvents: ['responseFinished'],
  npsQuestionIds: ['nps'],
  commentQuestionIds: ['comment'],
  respondent: [
    { path: 'data.contact.userId', kind: 'externalId' },
    { path: 'data.person.userId', kind: 'externalId' },
    { path: 'data.contactAttributes.userId', kind: 'externalId' },
    // A hidden field `externalId` set in the survey link (…?externalId=C-1001).
    { path: 'data.data.externalId', kind: 'externalId' },
    { path: 'data.contactAttributes.email', kind: 'email' },
  ],
  answers: [],
};

/** NPS question ids declared by the survey itself, when the payload carries it. */
function surveyNpsIds(reader: PayloadReader): string[] {
  const questions = reader.value('data.survey.questions');
  if (!Array.isArray(questions)) return [];
  return questions.flatMap((q: unknown) => {
    if (q === null || typeof q !== 'object') return [];
    const { id, type } = q as { id?: unknown; type?: unknown };
    return type === 'nps' && typeof id === 'string' && id.length <= 100 ? [id] : [];
  });
}

export function mapFormbricks(
  config: FormbricksProviderConfig,
  payload: unknown,
  deliveryId: string,
): Delivery {
  const reader = new PayloadReader(payload);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    reader.fail('(root)', 'invalid_type', 'Expected a JSON object');
  } else {
    const event = reader.value('event');
    const data = reader.value('data');
    if (typeof event !== 'string') reader.fail('event', 'required', 'Expected the event name');
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      reader.fail('data', 'invalid_type', 'Expected the response object');
    }
  }
  reader.done();
  const event = reader.value('event') as string;
  if (!config.responseEvents.includes(event)) {
    return { kind: 'ignored', deliveryId, provider: config.name, event: safeEventName(event) };
  }

  const surveyId = reader.id('data.surveyId');
  const submittedAt = reader.timestamp(
    reader.value('data.updatedAt') !== undefined ? 'data.updatedAt' : 'data.createdAt',
  );
  const respondent = reader.respondent(config.respondent);
  let nps: number | undefined;
  for (const id of new Set([...config.npsQuestionIds, ...surveyNpsIds(reader)])) {
    nps = reader.nps(['data', 'data', id]);
    if (nps !== undefined) break;
  }
  let comment: string | undefined;
  for (const id of config.commentQuestionIds) {
    comment = reader.comment(['data', 'data', id]);
    if (comment !== undefined) break;
  }
  const answers = config.answers.flatMap((a): SurveyAnswer[] => {
    const answer = reader.answer(a.questionId, a.type, ['data', 'data', a.questionId]);
    return answer ? [answer] : [];
  });
  reader.done();
  return {
    kind: 'response',
    response: {
      deliveryId,
      provider: config.name,
      surveyId: surveyId as string,
      respondent: respondent as NonNullable<typeof respondent>,
      submittedAt: submittedAt as string,
      ...(nps !== undefined ? { nps } : {}),
      // responseFinished without a score: the NPS question was skipped (Formbricks omits it or sends "").
      npsSkipped: nps === undefined,
      ...(comment !== undefined ? { comment } : {}),
      answers,
    },
  };
}
