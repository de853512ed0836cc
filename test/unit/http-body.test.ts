import { describe, expect, it } from 'vitest';
import { requireEmptyBody } from '../../shared/http/empty-body.js';
import { type JsonEvent, jsonBody } from '../../shared/http/middleware.js';
import { openApiDocument } from '../../shared/http/openapi/document.js';

/** The JSON body middleware as a route with a 4 KiB limit runs it (publish, retire, rotate a secret). */
async function parse(body: string | null, headers: Record<string, string> = {}) {
  const event = { body, headers, isBase64Encoded: false } as unknown as JsonEvent;
  await jsonBody({ maxBytes: 4096 }).before?.({ event } as never);
  return event;
}

describe('a POST without a body (curl -X POST …/publish)', () => {
  it('reads as {}, with or without a JSON Content-Type', async () => {
    expect((await parse(null)).jsonBody).toEqual({});
    expect((await parse('')).jsonBody).toEqual({});
    expect((await parse(null, { 'Content-Type': 'application/json' })).jsonBody).toEqual({});
  });

  it('is still a 415 when the client declares a type that is not JSON', async () => {
    await expect(parse(null, { 'content-type': 'text/plain' })).rejects.toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });

  it('does not change what a body needs: a type, and JSON', async () => {
    await expect(parse('{}')).rejects.toMatchObject({ status: 415 });
    await expect(parse('{', { 'content-type': 'application/json' })).rejects.toMatchObject({ status: 400 });
    expect((await parse('{"a":1}', { 'content-type': 'application/json' })).jsonBody).toEqual({ a: 1 });
  });

  it('is documented as optional where {} is a valid body, required elsewhere', () => {
    const paths = openApiDocument().paths as Record<
      string,
      Record<string, { requestBody?: { required: boolean } }>
    >;
    expect(paths['/v1/risk-models/{modelId}/versions/{version}/publish']?.post?.requestBody?.required).toBe(
      false,
    );
    expect(paths['/v1/webhooks/surveys/{provider}/secrets']?.post?.requestBody?.required).toBe(false);
    expect(paths['/v1/customers']?.post?.requestBody?.required).toBe(true);
  });
});

describe('routes whose path says everything take {} or nothing, strictly', () => {
  const event = (jsonBody: unknown) => ({ jsonBody }) as JsonEvent;

  it('accepts {} (and so no body at all)', () => {
    expect(() => requireEmptyBody(event({}))).not.toThrow();
  });

  it('refuses any field with a 400 naming it, and anything that is not an object', () => {
    expect(() => requireEmptyBody(event({ secret: 'mine', note: 'x' }))).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [
          expect.objectContaining({ code: 'unrecognized_keys', message: 'Unknown field(s): secret, note' }),
        ],
      }),
    );
    for (const body of [null, [], 'x', 1]) {
      expect(() => requireEmptyBody(event(body))).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});
