import { describe, expect, it } from 'vitest';
import { inputViolations, safeInput } from '../../shared/domain/input-safety.js';
import { customerRecord } from '../../shared/domain/schemas.js';
import { toErrorDetails } from '../../shared/domain/validation.js';
import { jsonBody } from '../../shared/http/middleware.js';

const inheritedNames = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];

describe('input safety: keys are data, numbers are exact, text is well-formed', () => {
  it('finds a key named like any member every object inherits, at any depth, in arrays too', () => {
    for (const name of inheritedNames) {
      // JSON.parse makes `__proto__` an own key, as a request body would.
      const body = JSON.parse(`{"a":[{"b":{${JSON.stringify(name)}:1}}]}`);
      expect(inputViolations(body), name).toEqual([
        { path: ['a', 0, 'b', name], code: 'RESERVED_KEY', message: expect.stringContaining(name) },
      ]);
    }
  });

  it('finds lone surrogates in values and keys (without echoing the key), and unsafe numbers', () => {
    const body = JSON.parse(
      '{"id":"x\\ud800y","n":[9007199254740993,1e400,-9007199254740991,1.5],"\\udc00k":1,"ok":"𝕗"}',
    );
    expect(inputViolations(body).map((v) => [v.path, v.code])).toEqual([
      [['id'], 'ILL_FORMED_UNICODE'],
      [['n', 0], 'UNSAFE_NUMBER'],
      [['n', 1], 'UNSAFE_NUMBER'],
      [['?'], 'ILL_FORMED_UNICODE'],
    ]);
  });

  it('leaves out the subtrees another check owns (batch items)', () => {
    const body = { records: [{ constructor: 1 }], note: { toString: 1 } };
    expect(inputViolations(body, (path) => path.length === 2 && path[0] === 'records')).toEqual([
      expect.objectContaining({ path: ['note', 'toString'], code: 'RESERVED_KEY' }),
    ]);
  });

  it('refuses such a record before its schema, with the violation as the detail code', () => {
    const record = {
      externalId: 'C-\ud800',
      type: 'individual',
      jurisdictions: ['DE'],
      attributes: { constructor: 'x', big: 2 ** 53 + 2 },
      lawfulBasis: {},
    };
    const parsed = safeInput(customerRecord).safeParse(record);
    expect(parsed.success).toBe(false);
    const details = toErrorDetails(parsed.success ? [] : parsed.error.issues, 'records[0]');
    expect(details.map((d) => [d.path, d.code])).toEqual([
      ['records[0].externalId', 'ILL_FORMED_UNICODE'],
      ['records[0].attributes.constructor', 'RESERVED_KEY'],
      ['records[0].attributes.big', 'UNSAFE_NUMBER'],
    ]);
    expect(JSON.stringify(details)).not.toContain('\ud800');
  });
});

describe('the JSON body middleware refuses such input at the door, except inside batch items', () => {
  const run = async (body: string, batchItems?: string) => {
    const event = { body, headers: { 'content-type': 'application/json' }, isBase64Encoded: false };
    await jsonBody({ maxBytes: 10_000, batchItems }).before?.({ event } as never);
    return event as typeof event & { jsonBody?: unknown };
  };

  it('answers 400 naming the place and the code, for a key, a number or text anywhere', async () => {
    await expect(run('{"model":{"variables":{"constructor":{"type":"numeric"}}}}')).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'model.variables.constructor', code: 'RESERVED_KEY' })],
    });
    await expect(run('{"n":1e400}')).rejects.toMatchObject({
      details: [expect.objectContaining({ path: 'n', code: 'UNSAFE_NUMBER' })],
    });
    await expect(run('{"reason":"\\ud800"}')).rejects.toMatchObject({
      details: [expect.objectContaining({ path: 'reason', code: 'ILL_FORMED_UNICODE' })],
    });
  });

  it('lets a batch item through (it is rejected on its own), but not the envelope around it', async () => {
    const event = await run('{"records":[{"attributes":{"constructor":1}}]}', 'records');
    expect(event.jsonBody).toEqual(JSON.parse('{"records":[{"attributes":{"constructor":1}}]}'));
    await expect(run('{"records":[],"toString":1}', 'records')).rejects.toMatchObject({
      details: [expect.objectContaining({ code: 'RESERVED_KEY' })],
    });
  });
});
