import { describe, expect, it } from 'vitest';
import zigpollFile from '../../shared/data/survey-providers/zigpoll.json' with { type: 'json' };
import {
  type Delivery,
  loadProviderConfigs,
  mapDelivery,
  PayloadMappingError,
  type ProviderConfig,
  ProviderNotFoundError,
  resolveProvider,
  type SurveyResponse,
} from '../../shared/domain/feedback/index.js';
import { ConfigError } from '../../shared/errors.js';

const configs = loadProviderConfigs();
const riskloop = resolveProvider(configs, 'riskloop');
const formbricks = resolveProvider(configs, 'formbricks');
const zigpoll = resolveProvider(configs, 'zigpoll');
const secretText = 'my passport number is X1234567';

function mappingError(config: ProviderConfig, payload: unknown): PayloadMappingError {
  try {
    mapDelivery(config, payload, 'msg_1');
  } catch (error) {
    if (!(error instanceof PayloadMappingError)) throw error;
    expect(error.status).toBe(422);
    expect(error.code).toBe('PAYLOAD_UNMAPPABLE');
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toMatch(/X1234567|C-1001|ada@/);
    return error;
  }
  throw new Error('expected a PayloadMappingError');
}

const paths = (error: PayloadMappingError) => error.details.map((d) => d.path);

function response(delivery: Delivery): SurveyResponse {
  if (delivery.kind !== 'response') throw new Error(`expected a response, got ${delivery.kind}`);
  return delivery.response;
}

describe('provider registry', () => {
  it('has the built-ins and every JSON configuration', () => {
    expect(Object.keys(configs).sort()).toEqual(['formbricks', 'riskloop', 'zigpoll']);
    expect(zigpoll.kind).toBe('mapping');
  });

  it('answers an unknown provider with a 404, also for prototype names', () => {
    for (const name of ['surveymonkey', 'constructor', '__proto__', 'toString']) {
      let caught: unknown;
      try {
        resolveProvider(configs, name);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProviderNotFoundError);
      expect((caught as ProviderNotFoundError).status).toBe(404);
    }
  });

  it('refuses an invalid configuration at load, naming the file and the path', () => {
    const bad = { ...zigpollFile, surveyId: 'poll..id' };
    expect(() => loadProviderConfigs({ broken: bad })).toThrow(/broken\.json.*surveyId/);
    expect(() => loadProviderConfigs({ riskloop: zigpollFile })).toThrow(ConfigError);
    expect(() => loadProviderConfigs({ x: { ...zigpollFile, extra: 1 } })).toThrow(/Unknown field/);
  });

  it('lets a formbricks file override the question ids and keep the other defaults', () => {
    const custom = loadProviderConfigs({
      'formbricks-onboarding': { kind: 'formbricks', npsQuestionIds: ['q_nps'] },
    })['formbricks-onboarding'];
    expect(custom).toMatchObject({
      kind: 'formbricks',
      name: 'formbricks-onboarding',
      npsQuestionIds: ['q_nps'],
    });
    expect(custom && 'responseEvents' in custom && custom.responseEvents).toEqual(['responseFinished']);
  });
});

describe('riskloop format', () => {
  const base = {
    type: 'survey.response',
    surveyId: 'onboarding-nps',
    respondent: { externalId: 'C-1001' },
    submittedAt: '2026-11-20T11:00:00+01:00',
  };

  it('maps a response with score, comment and answers', () => {
    const r = response(
      mapDelivery(
        riskloop,
        {
          ...base,
          nps: 6,
          comment: ` ${secretText} `,
          answers: [{ questionId: 'plan', type: 'choice', value: 'pro' }],
        },
        'msg_1',
      ),
    );
    expect(r).toEqual({
      deliveryId: 'msg_1',
      provider: 'riskloop',
      surveyId: 'onboarding-nps',
      respondent: { kind: 'externalId', value: 'C-1001' },
      submittedAt: '2026-11-20T10:00:00.000Z',
      nps: 6,
      npsSkipped: false,
      comment: secretText,
      answers: [{ questionId: 'plan', type: 'choice', value: 'pro' }],
    });
  });

  it('maps a survey.sent notice', () => {
    const d = mapDelivery(
      riskloop,
      {
        type: 'survey.sent',
        surveyId: 's1',
        respondent: { email: 'ada@example.com' },
        sentAt: '2026-11-19T09:00:00Z',
      },
      'msg_2',
    );
    expect(d).toEqual({
      kind: 'surveySent',
      deliveryId: 'msg_2',
      provider: 'riskloop',
      surveyId: 's1',
      respondent: { kind: 'email', value: 'ada@example.com' },
      sentAt: '2026-11-19T09:00:00.000Z',
    });
  });

  it.each([
    ['an out-of-range score', { ...base, nps: 11 }, 'nps'],
    ['a fractional score', { ...base, nps: 8.5 }, 'nps'],
    ['a score and a skip', { ...base, nps: 8, npsSkipped: true }, 'npsSkipped'],
    [
      'a text rating',
      { ...base, answers: [{ questionId: 'csat', type: 'rating', value: 'good' }] },
      'answers[0].value',
    ],
    ['no respondent', { ...base, respondent: undefined }, 'respondent'],
    ['an unknown field', { ...base, commment: secretText }, '(root)'],
    ['a bad time', { ...base, submittedAt: 'yesterday' }, 'submittedAt'],
  ])('rejects %s with the path', (_label, payload, path) => {
    expect(paths(mappingError(riskloop, payload))).toContain(path);
  });
});

describe('formbricks', () => {
  const finished = (data: Record<string, unknown>, event = 'responseFinished') => ({
    webhookId: 'wh_1',
    event,
    data: {
      id: 'resp_1',
      createdAt: '2026-11-20T09:58:00.000Z',
      updatedAt: '2026-11-20T10:00:00.000Z',
      surveyId: 'srv_1',
      finished: true,
      contact: { id: 'ct_1', userId: 'C-1001' },
      contactAttributes: {},
      data: { nps: 3, comment: secretText },
      meta: { source: 'link' },
      ...data,
    },
  });

  it('maps responseFinished with an NPS answer and a comment', () => {
    const r = response(mapDelivery(formbricks, finished({}), 'msg_1'));
    expect(r).toMatchObject({
      provider: 'formbricks',
      surveyId: 'srv_1',
      respondent: { kind: 'externalId', value: 'C-1001' },
      submittedAt: '2026-11-20T10:00:00.000Z',
      nps: 3,
      npsSkipped: false,
      comment: secretText,
      answers: [],
    });
  });

  it('finds the NPS question through the survey definition when the payload carries it', () => {
    const payload = finished({
      data: { q7x2: 10 },
      survey: {
        questions: [
          { id: 'q1', type: 'openText' },
          { id: 'q7x2', type: 'nps' },
        ],
      },
    });
    expect(response(mapDelivery(formbricks, payload, 'msg_1')).nps).toBe(10);
  });

  it('counts an empty NPS answer as skipped', () => {
    const r = response(mapDelivery(formbricks, finished({ data: { nps: '' } }), 'msg_1'));
    expect(r.nps).toBeUndefined();
    expect(r.npsSkipped).toBe(true);
  });

  it('falls back to the older person field, then to a hidden field', () => {
    const person = finished({ contact: null, person: { id: 'p1', userId: 'C-2002' } });
    expect(response(mapDelivery(formbricks, person, 'm')).respondent).toEqual({
      kind: 'externalId',
      value: 'C-2002',
    });
    const hidden = finished({ contact: null, data: { nps: 9, externalId: 'C-3003' } });
    expect(response(mapDelivery(formbricks, hidden, 'm')).respondent.value).toBe('C-3003');
  });

  it('acknowledges other events as ignored, with their name', () => {
    expect(mapDelivery(formbricks, finished({}, 'responseCreated'), 'msg_9')).toEqual({
      kind: 'ignored',
      deliveryId: 'msg_9',
      provider: 'formbricks',
      event: 'responseCreated',
    });
  });

  it('rejects a response without respondent, naming the paths tried', () => {
    const error = mappingError(formbricks, finished({ contact: null }));
    expect(paths(error)).toEqual(expect.arrayContaining(['data.contact.userId', 'data.data.externalId']));
  });

  it('rejects an out-of-range score and a payload that is not an envelope', () => {
    expect(paths(mappingError(formbricks, finished({ data: { nps: 11 } })))).toEqual(['data.data.nps']);
    expect(paths(mappingError(formbricks, { event: 'responseFinished' }))).toEqual(['data']);
    expect(paths(mappingError(formbricks, [1, 2]))).toEqual(['(root)']);
  });

  it('keeps configured answers from a custom Formbricks configuration', () => {
    const custom = loadProviderConfigs({
      fb: {
        kind: 'formbricks',
        npsQuestionIds: ['q_nps'],
        commentQuestionIds: ['q_why'],
        answers: [{ questionId: 'q_situation', type: 'choice' }],
      },
    }).fb as ProviderConfig;
    const r = response(
      mapDelivery(
        custom,
        finished({ data: { q_nps: '8', q_why: 'ok', q_situation: ['student', 'abroad'] } }),
        'm',
      ),
    );
    expect(r).toMatchObject({
      nps: 8,
      comment: 'ok',
      answers: [{ questionId: 'q_situation', value: 'student|abroad' }],
    });
  });
});

describe('Zigpoll-like mapping', () => {
  const payload = (over: Record<string, unknown> = {}) => ({
    id: 'zp_1',
    pollId: 'poll_kyc',
    participant: { externalId: 'C-1001' },
    response: { type: 'nps', value: 4, comment: secretText },
    createdAt: 1_795_000_000,
    ...over,
  });

  it('maps the documented example payload', () => {
    const r = response(mapDelivery(zigpoll, zigpollFile.examplePayload, 'msg_1'));
    expect(r).toMatchObject({ surveyId: 'poll_onboarding_nps', nps: 9, npsSkipped: false });
    expect(r.submittedAt).toBe('2026-11-20T10:00:00.000Z');
  });

  it('maps an NPS answer with a Unix-time timestamp', () => {
    const r = response(mapDelivery(zigpoll, payload(), 'msg_1'));
    expect(r).toMatchObject({
      nps: 4,
      comment: secretText,
      submittedAt: new Date(1_795_000_000_000).toISOString(),
    });
  });

  it('maps a rating question to an answer, not to NPS', () => {
    const r = response(mapDelivery(zigpoll, payload({ response: { type: 'rating', value: '4' } }), 'msg_1'));
    expect(r.nps).toBeUndefined();
    expect(r.npsSkipped).toBe(false);
    expect(r.answers).toEqual([{ questionId: 'satisfaction', type: 'rating', value: 4 }]);
  });

  it('marks an unanswered NPS question as skipped', () => {
    for (const response_ of [
      { type: 'nps', value: null },
      { type: 'nps', skipped: true },
    ]) {
      const r = response(mapDelivery(zigpoll, payload({ response: response_ }), 'msg_1'));
      expect(r).toMatchObject({ npsSkipped: true });
      expect(r.nps).toBeUndefined();
    }
  });

  it('reads survey-sent and ignored events from the event path', () => {
    const sent = mapDelivery(zigpoll, { ...payload(), event: 'poll.sent' }, 'msg_3');
    expect(sent).toMatchObject({
      kind: 'surveySent',
      surveyId: 'poll_kyc',
      sentAt: '2026-11-18T11:06:40.000Z',
    });
    expect(mapDelivery(zigpoll, { ...payload(), event: 'poll.closed' }, 'msg_4')).toMatchObject({
      kind: 'ignored',
      event: 'poll.closed',
    });
  });

  it('rejects missing respondent and bad values, naming every failing path', () => {
    const error = mappingError(
      zigpoll,
      payload({
        participant: {},
        createdAt: 'soon',
        response: { type: 'nps', value: 12, comment: secretText },
      }),
    );
    expect(paths(error).sort()).toEqual([
      'createdAt',
      'participant.email',
      'participant.externalId',
      'response.value',
    ]);
  });
});
