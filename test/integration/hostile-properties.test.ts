import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanForLeaks } from '../helpers/leak-scan.js';
import { api, deliverSigned, eventually, lawfulBasis, runId } from '../helpers/local.js';

/**
 * Properties over the whole pipeline, generated: batches mixing good records with hostile ones (keys named
 * like members of every object, numbers beyond exact range, lone surrogates, at every level the record
 * allows) go through ingest → queue → worker → reads, and survey answers through the webhook → NPS.
 * Whatever the mix: no 5xx, every good record accepted and segmented, every hostile one rejected with a
 * code and leaving nothing behind, and the good records' personal data in clear nowhere.
 */
const inherited = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];
const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', 'a\ud83d', '\ude00b');
const unsafeNumber = fc.oneof(
  fc.constantFrom(2 ** 53 + 2, -(2 ** 60), 1e300, -1e21),
  fc.double({ min: 2 ** 54, max: 1e200, noNaN: true }),
);

/** An own property of any name, `__proto__` included (an assignment would set the prototype instead). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

type Mutation = (record: Record<string, unknown>) => void;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(...inherited).map(
    (key): Mutation =>
      (r) => {
        r.attributes = withKey({ segmentHint: 'retail' }, key, 'x');
      },
  ),
  fc.tuple(fc.constantFrom(...inherited), fc.constantFrom('personalData', 'lawfulBasis', '')).map(
    ([key, where]): Mutation =>
      (r) => {
        const target = where === '' ? r : (r[where] as Record<string, unknown>);
        withKey(target, key, { nested: true });
      },
  ),
  unsafeNumber.map(
    (n): Mutation =>
      (r) => {
        r.attributes = { balance: n };
      },
  ),
  fc.tuple(loneSurrogate, fc.constantFrom('externalId', 'name', 'attribute', 'source')).map(
    ([bad, where]): Mutation =>
      (r) => {
        if (where === 'externalId') r.externalId = `${r.externalId}${bad}`;
        else if (where === 'name') (r.personalData as Record<string, unknown>).name = `Name ${bad}`;
        else if (where === 'attribute') r.attributes = { occupation: `farmer${bad}` };
        else
          (r.lawfulBasis as { risk_assessment: Record<string, unknown> }).risk_assessment.source =
            `web${bad}`;
      },
  ),
);

const batch = fc.array(fc.option(mutation, { nil: undefined, freq: 2 }), { minLength: 2, maxLength: 6 });

describe('hostile input, generated, through the whole pipeline', () => {
  it('never answers 5xx, segments every good record and rejects every hostile one with a code', async () => {
    const needles: Record<string, string> = {};
    const accepted: string[] = [];
    await fc.assert(
      fc.asyncProperty(batch, async (mutations) => {
        const run = runId();
        const records = mutations.map((mutate, i) => {
          const record: Record<string, unknown> = {
            externalId: `HP-${run}-${i}`,
            type: 'individual',
            jurisdictions: ['DE'],
            personalData: { name: `Prop Erty ${run} ${i}`, email: `prop.${run}.${i}@prop.example` },
            lawfulBasis: structuredClone(lawfulBasis),
          };
          mutate?.(record);
          return record;
        });

        const res = await api('ingest', 'POST', '/v1/customers', { records });

        expect(res.status).toBe(207);
        mutations.forEach((mutate, i) => {
          const result = res.body.results[i] as { status: string; code?: string; pseudonym?: string };
          if (mutate) {
            expect(result.status, `record ${i}`).toBe('rejected');
            expect(result.code).toEqual(expect.any(String));
            // Nothing of it stays: it was never given a subject.
            expect(result.pseudonym).toBeUndefined();
          } else {
            expect(result.status, `record ${i}`).toBe('accepted');
            accepted.push(result.pseudonym as string);
            needles[`name ${run} ${i}`] = `Prop Erty ${run} ${i}`;
            needles[`email ${run} ${i}`] = `prop.${run}.${i}@prop.example`;
          }
        });
      }),
      { numRuns: 6, seed: 20261207 },
    );

    expect(accepted.length).toBeGreaterThan(0);
    for (const pseudonym of accepted) {
      await eventually(async () =>
        (await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`)).status === 200 ? true : undefined,
      );
    }
    const report = await scanForLeaks({ needles });
    expect(report.hits).toEqual([]);
  });

  it('refuses hostile survey answers with a 4xx, counts good ones, and the NPS route stays whole', async () => {
    const secret = (await api('admin', 'POST', '/v1/webhooks/surveys/riskloop/secrets', {})).body
      .secret as string;
    // The webhook function re-reads its secrets on a bad signature at most every 5 s (survey-webhooks.test.ts).
    await new Promise((r) => setTimeout(r, 5_100));
    const answer = fc.oneof(
      fc.record({
        questionId: fc.constantFrom(...inherited),
        value: fc.constant('yes'),
        hostile: fc.constant(true),
      }),
      fc.record({ questionId: fc.constant('employment'), value: loneSurrogate, hostile: fc.constant(true) }),
      fc.record({ questionId: fc.constant('income'), value: unsafeNumber, hostile: fc.constant(true) }),
      fc.record({
        questionId: fc.constant('employment'),
        value: fc.constant('self-employed'),
        hostile: fc.constant(false),
      }),
    );
    await fc.assert(
      fc.asyncProperty(answer, async ({ questionId, value, hostile }) => {
        const res = await deliverSigned('riskloop', secret, {
          type: 'survey.response',
          surveyId: 'nps',
          respondent: { externalId: `HP-never-${runId()}` },
          submittedAt: new Date().toISOString(),
          nps: 7,
          answers: [{ questionId, type: typeof value === 'number' ? 'rating' : 'choice', value }],
        });
        if (hostile) {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
        } else {
          expect(res.status).toBe(200);
        }
      }),
      { numRuns: 12, seed: 20261207 },
    );
    expect((await api('analyst', 'GET', '/v1/feedback/nps')).status).toBe(200);
  });
});
