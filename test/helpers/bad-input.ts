/**
 * The bad-input corpus: fast-check arbitraries for hostile request bodies, headers, path and query
 * parameters, derived for every route from the manifest (httpRoutes()) and the zod schemas of the
 * OpenAPI registry, so a new route is fuzzed without anyone writing a generator for it. A generated
 * request knows whether it is certainly invalid (`mustReject`), and `checkAnswer` states what the
 * API owes such a request: a 4xx JSON error `{error:{code,message,details}}` that echoes no value,
 * never a 5xx; for the batch routes, a 207 in which every item is rejected also counts.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { type HttpRoute, httpRoutes } from '../../infra/manifest.js';
import { routeDocs } from '../../shared/http/openapi/registry.js';

/** Well-formed, but naming nothing that exists: reaching them must end in a 4xx, never a write. */
export const placeholderParams: Record<string, string> = {
  pseudonym: `k1.${'A'.repeat(43)}`,
  caseId: `case_${'A'.repeat(22)}`,
  modelId: 'fuzz-none',
  version: '999999',
  otherVersion: '999998',
  runId: 'run-fuzz-none',
  provider: 'fuzz-none',
  segment: 'fuzz-none',
};

/** Distinctive personal data mixed into the corpus: the leak scan afterwards must find it nowhere. */
export function fuzzPersonalData(id: string) {
  return {
    name: `Fuzzina Quuxley ${id}`,
    email: `fuzzina.${id}@fuzz.example`,
    externalId: `FUZZ-EXT-${id}`,
    phone: `+44770090${id.replace(/\D/g, '').padEnd(4, '7').slice(0, 4)}`,
    comment: `fuzz comment ${id}: my divorce left me broke`,
  };
}

/** Values a handler must never take for data: a few hand-picked classics, then generated ones. */
const unicodeEdges = [
  '\uD800',
  'a\uDC00b',
  '\uDBFF\uDFFF\uD800',
  '\u202Eevil\u202C',
  '\u200B\u200C\u200D\uFEFF',
  'nul\u0000byte',
  '\u0000',
  'e\u0301\u0301\u0301',
  '𝕗𝕦𝕫𝕫',
  '\u2028\u2029',
  '\\u0000',
  '%00',
  '../../etc/passwd',
];
const operatorLike = ['$gt', '$ne', '$where', '$regex', '$or', '$expr', '$$ROOT'];
const poisonKeys = ['__proto__', 'constructor', 'prototype', ...operatorLike, 'toString', 'hasOwnProperty'];
const invalidDates = [
  '2026-02-30',
  '2026-13-01T00:00:00Z',
  '2026-11-25T25:61:00Z',
  'not-a-date',
  '0000-00-00',
  '+275760-09-13T00:00:00.001Z',
  '2026-11-25T10:00:00+99:00',
  '1e999',
];
const invalidCodes = ['EURO', 'eur', 'XX1', 'ZZ', 'gb', 'GBR', 'XXX', 'E', '€', 'US\u200B'];

export const badString = (pii: Record<string, string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...unicodeEdges, ...invalidDates, ...invalidCodes) },
    { weight: 2, arbitrary: fc.constantFrom(...Object.values(pii)) },
    { weight: 1, arbitrary: fc.constantFrom(...poisonKeys) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 0 }) },
    // Huge strings: most routes' body limits sit between 1 KiB and 1 MiB.
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
  );

/** An object with own poison keys (`{ __proto__: … }` in a literal would set the prototype instead). */
const poisonObject = (value: fc.Arbitrary<unknown>) =>
  fc
    .tuple(fc.subarray(poisonKeys, { minLength: 1, maxLength: 3 }), value)
    .map(([keys, v]) => JSON.parse(JSON.stringify(Object.fromEntries(keys.map((k) => [k, v])))) as unknown);

/**
 * Nested arrays or objects far deeper than any schema: recursive code paths must not overflow into
 * a 500. (Nested inside other values, so kept within what JSON.stringify manages here; whole
 * bodies go deeper, see `rawBodies`.)
 */
const deeplyNested = fc
  .tuple(fc.integer({ min: 100, max: 1_500 }), fc.boolean())
  .map(
    ([depth, arrays]) =>
      JSON.parse(
        arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      ) as unknown,
  );

export const badValue = (pii: Record<string, string>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: badString(pii) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(-1, 0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, 1e-320, true, false, null),
    },
    { weight: 1, arbitrary: fc.array(badString(pii), { maxLength: 3 }) },
    { weight: 1, arbitrary: poisonObject(badString(pii)) },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constant([]) },
  );

// biome-ignore lint/suspicious/noExplicitAny: zod v3 internals (_def) are untyped.
type AnyDef = any;
const OMIT = Symbol('omit');

/**
 * A value shaped like `schema` in which leaves are hostile: each known field is omitted, replaced
 * by a bad value or mutated one level further down; poison keys are added now and then.
 */
export function mutate(schema: z.ZodTypeAny, pii: Record<string, string>, depth = 0): fc.Arbitrary<unknown> {
  const def: AnyDef = schema._def;
  const bad = badValue(pii);
  if (depth > 3) return bad;
  switch (def.typeName as string) {
    case 'ZodEffects':
      return mutate(def.schema, pii, depth);
    case 'ZodOptional':
    case 'ZodNullable':
    case 'ZodDefault':
    case 'ZodCatch':
    case 'ZodReadonly':
      return mutate(def.innerType, pii, depth);
    case 'ZodBranded':
      return mutate(def.type, pii, depth);
    case 'ZodPipeline':
      return mutate(def.in, pii, depth);
    case 'ZodLazy':
      return mutate(def.getter(), pii, depth);
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion':
      return fc.oneof(...(def.options as z.ZodTypeAny[]).map((o) => mutate(o, pii, depth + 1)));
    case 'ZodIntersection':
      return fc.oneof(mutate(def.left, pii, depth + 1), mutate(def.right, pii, depth + 1));
    case 'ZodArray': {
      const element = def.type as z.ZodTypeAny;
      // An element that happens to be valid would be accepted beside the rejected ones: replace it.
      const elements = fc
        .array(mutate(element, pii, depth + 1), { minLength: 1, maxLength: 3 })
        .map((items) => items.map((item) => (element.safeParse(item).success ? 42 : item)));
      return fc.oneof({ weight: 4, arbitrary: elements }, { weight: 1, arbitrary: bad });
    }
    case 'ZodRecord':
      return fc.oneof(poisonObject(mutate(def.valueType, pii, depth + 1)), bad);
    case 'ZodObject': {
      const shape = (schema as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      const fields = Object.entries(shape).map(([key, child]) =>
        fc.oneof(fc.constant(OMIT), bad, mutate(child, pii, depth + 1)).map((value) => [key, value] as const),
      );
      const object = fc
        .tuple(fc.tuple(...fields), fc.option(poisonObject(bad), { freq: 4 }))
        .map(([entries, poison]) => ({
          ...Object.fromEntries(entries.filter(([, v]) => v !== OMIT)),
          ...(poison as object | null),
        }));
      return fc.oneof({ weight: 5, arbitrary: object }, { weight: 1, arbitrary: bad });
    }
    default:
      return bad;
  }
}

/** A request as both layers send it: in-process as an API Gateway event, or over HTTP. */
export interface FuzzRequest {
  route: HttpRoute;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Raw body text, or undefined for none. */
  body: string | undefined;
  /** True when some part is certainly invalid, so only a 4xx (or an all-rejected 207) will do. */
  mustReject: boolean;
  /** Strings the request carried, which no answer may echo. */
  sentStrings: string[];
  /** Key names the request carried (body and query), which error details may name. */
  sentKeys: string[];
}

/** Lone surrogates replaced by U+FFFD (String.prototype.toWellFormed, which ES2023's lib lacks). */
export const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

const routeKey = (route: HttpRoute) => `${route.method} ${route.path}`;
const paramNames = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
const isBatch = (route: HttpRoute) =>
  route.method === 'POST' && (route.path === '/v1/customers' || route.path === '/v1/transactions');

const contentTypes = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  '',
];
const json = 'application/json';
/** Bodies no serialiser would produce: broken JSON, and nesting 100,000 deep. */
const rawBodies = [
  '{',
  '{"a":1,}',
  'null',
  '""',
  '[]',
  '\u0000',
  '{"a":NaN}',
  '\uFEFF{}',
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `{"records":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
];

/** Fuzzes one route: which part is hostile is chosen per run; the rest stays plausible. */
export function requestFor(
  route: HttpRoute,
  pii: Record<string, string>,
  options: { httpSafe: boolean },
): fc.Arbitrary<FuzzRequest> {
  const doc = routeDocs[routeKey(route)];
  if (!doc) throw new Error(`no OpenAPI entry for ${routeKey(route)}`);
  const names = paramNames(route.path);
  const strings = options.httpSafe
    ? // fetch refuses lone surrogates in URLs and anything but Latin-1 in headers.
      badString(pii).map(wellFormed)
    : badString(pii);
  const paramArb = fc.record(
    Object.fromEntries(
      names.map((n) => [
        n,
        fc.oneof(
          fc.constant(placeholderParams[n] ?? 'fuzz-none'),
          // Over HTTP, URLs stay under Node's 16 KiB header limit (API Gateway's own is 10 KiB, 414).
          options.httpSafe ? strings.map((s) => s.slice(0, 2000)) : strings,
        ),
      ]),
    ) as Record<string, fc.Arbitrary<string>>,
  );
  const declaredQuery = doc.query ? Object.keys(doc.query.shape) : [];
  const queryArb = fc.dictionary(
    fc.oneof(
      fc.constantFrom(...(declaredQuery.length ? declaredQuery : ['q'])),
      fc.constantFrom(...poisonKeys),
    ),
    strings.map((s) => s.slice(0, 2000)),
    { maxKeys: 3 },
  );
  const headerValue = fc.oneof(
    fc.constantFrom('', ' ', 'x'.repeat(4_000), '%00', '\u00ff\u00fe', '$where'),
    fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
  );
  const headersArb = fc.record(
    {
      'content-type': fc.oneof({ weight: 4, arbitrary: fc.constant(json) }, fc.constantFrom(...contentTypes)),
      'Idempotency-Key': headerValue,
      'webhook-id': headerValue,
      'webhook-timestamp': fc.oneof(headerValue, fc.constantFrom('0', '99999999999', '-1', '1e3')),
      'webhook-signature': fc.oneof(headerValue, fc.constant('v1,AAAA v1,')),
      'x-fuzz': headerValue,
    },
    { requiredKeys: ['content-type'] },
  );
  const bodyArb: fc.Arbitrary<string | undefined> = doc.body
    ? fc.oneof(
        { weight: 8, arbitrary: mutate(doc.body, pii).map((v) => JSON.stringify(v) ?? 'null') },
        { weight: 1, arbitrary: fc.constantFrom(...rawBodies) },
        // Just over the route's limit (413), or API Gateway's 10 MiB when it has none.
        {
          weight: 1,
          arbitrary: fc.constant(JSON.stringify({ pad: 'x'.repeat(route.maxBodyBytes ?? 1_048_576) })),
        },
      )
    : fc.constant(undefined);

  return fc.tuple(paramArb, queryArb, headersArb, bodyArb).map(([params, query, headers, body]) => {
    const pathBad = names.some((n) => {
      const schema = doc.params?.[n];
      return schema ? !schema.safeParse(params[n]).success : false;
    });
    const declared = Object.fromEntries(Object.entries(query).filter(([k]) => declaredQuery.includes(k)));
    const queryBad = doc.query ? !doc.query.safeParse(declared).success : false;
    let bodyBad = false;
    let text = body;
    if (doc.body && route.maxBodyBytes) {
      let parsed: unknown;
      try {
        parsed = text === undefined ? undefined : JSON.parse(text);
        bodyBad = !doc.body.safeParse(parsed).success;
      } catch {
        bodyBad = true;
      }
      // A body that happens to be valid must not slip through and write: make it certainly invalid.
      if (!bodyBad) {
        text = '[]';
        bodyBad = true;
      }
    }
    const typeBad = Boolean(route.maxBodyBytes) && headers['content-type'] !== json;
    const keyBad =
      isBatch(route) &&
      headers['Idempotency-Key'] !== undefined &&
      !/^[\x21-\x7e]{1,255}$/.test(headers['Idempotency-Key']);
    const signatureRoute = route.auth === 'signature';
    const sentStrings = [
      // A well-formed name from the URL (a provider) may be named back; anything else may not.
      ...names.flatMap((n) => {
        const value = params[n] ?? '';
        const schema = doc.params?.[n];
        return value === placeholderParams[n] || schema?.safeParse(value).success ? [] : [value];
      }),
      ...Object.values(query),
      ...Object.values(headers),
      ...stringLeaves(text),
    ];
    return {
      route,
      pathParameters: params,
      query,
      headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
      body: text,
      mustReject: signatureRoute || pathBad || queryBad || bodyBad || typeBad || keyBad,
      sentStrings,
      sentKeys: [...Object.keys(query), ...keysOf(text)],
    };
  });
}

function keysOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const out: string[] = [];
    const walk = (v: unknown, depth: number) => {
      if (depth > 50 || !v || typeof v !== 'object') return;
      if (!Array.isArray(v)) out.push(...Object.keys(v));
      for (const x of Object.values(v)) walk(x, depth + 1);
    };
    walk(JSON.parse(text), 0);
    return out;
  } catch {
    return [];
  }
}

function stringLeaves(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const out: string[] = [];
    const walk = (v: unknown, depth: number) => {
      if (depth > 50) return;
      if (typeof v === 'string') out.push(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
    };
    walk(JSON.parse(text), 0);
    return out;
  } catch {
    return [text];
  }
}

/** Every HTTP route of the manifest with its fuzzer. */
export const fuzzedRoutes = () => httpRoutes().map(({ functionName, route }) => ({ functionName, route }));

/** Words the API itself uses in errors (field names, codes): a sent string equal to one is no echo. */
const vocabulary = new Set(poisonKeys);

/** What the API owes a fuzzed request; returns the broken promises (empty when all is well). */
export function checkAnswer(
  request: FuzzRequest,
  answer: { status: number; body: string; contentType: string | undefined },
): string[] {
  const problems: string[] = [];
  const { status } = answer;
  if (status >= 500) problems.push(`status ${status}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parsed = undefined;
  }
  if (status >= 400 || status === 207) {
    for (const s of request.sentStrings) {
      // Key names may be named back (unknown fields): a value that is part of a sent key is no echo.
      if (s.length < 8 || vocabulary.has(s) || request.sentKeys.some((k) => k.includes(s))) continue;
      if (answer.body.includes(s) || answer.body.includes(JSON.stringify(s).slice(1, -1)))
        problems.push(`echoes a sent value (${s.length} chars)`);
    }
  }
  if (status >= 400) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
    if (!answer.contentType?.startsWith('application/json'))
      problems.push(`content type ${answer.contentType}`);
    if (
      !error ||
      typeof error.code !== 'string' ||
      typeof error.message !== 'string' ||
      !Array.isArray(error.details)
    )
      problems.push('not the {error:{code,message,details}} shape');
  }
  if (request.mustReject && !(status >= 400 && status < 500)) {
    // Batch routes answer 207 with a result per item; validation routes answer 200 with valid: false.
    const answerBody = parsed as { results?: { status?: string }[]; valid?: unknown } | undefined;
    const results = answerBody?.results;
    const allRejected =
      status === 207 && Array.isArray(results) && results.every((r) => r.status === 'rejected');
    const reportedInvalid = status === 200 && answerBody?.valid === false;
    if (!(allRejected || reportedInvalid)) problems.push(`status ${status} for an invalid request`);
  }
  return problems;
}
