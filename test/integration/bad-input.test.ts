/**
 * The bad-input corpus (docs/testing.md): every route of the manifest, fuzzed from its OpenAPI
 * schemas with fast-check. Layer 1 calls each handler module in this process with API Gateway
 * events (many runs, no HTTP); layer 2 sends fewer runs through the real local gateway. Both
 * against the shared local system's DynamoDB Local, queues and KMS endpoint; a PII leak scan then
 * checks that nothing the corpus carried was written or logged anywhere.
 *
 * Reproduce a failure: RISKLOOP_FUZZ_SEED=<printed seed> (and the `path` fast-check prints).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../infra/cdk/functions.js';
import { LocalLambdas } from '../../infra/local/lambda.js';
import type { FunctionName, HttpRoute } from '../../infra/manifest.js';
import {
  checkAnswer,
  type FuzzRequest,
  fuzzedRoutes,
  fuzzPersonalData,
  placeholderParams,
  requestFor,
  wellFormed,
} from '../helpers/bad-input.js';
import { scanForLeaks } from '../helpers/leak-scan.js';
import { api, env, runId } from '../helpers/local.js';

const seed = Number(process.env.RISKLOOP_FUZZ_SEED ?? 20261125);
const inProcessRuns = Number(process.env.RISKLOOP_FUZZ_RUNS ?? 40);
const gatewayRuns = Math.max(1, Math.round(inProcessRuns / 5));
const id = runId();
const pii = fuzzPersonalData(id);
const responses: string[] = [];
const captured: string[] = [];
const measured: { layer: string; requests: number; ms: number }[] = [];

/** Routes with nothing to fuzz but headers get a few runs; the rest get the full count. */
const runsFor = (route: HttpRoute, full: number) =>
  /\{/.test(route.path) || route.maxBodyBytes || route.auth === 'signature'
    ? full
    : Math.max(1, Math.ceil(full / 8));

const roleOf = (route: HttpRoute) => route.roles[0];

function toEvent(request: FuzzRequest): APIGatewayProxyEvent {
  const { route } = request;
  const role = roleOf(route);
  const path = route.path.replace(/\{([^}]+)\}/g, (_m, n: string) =>
    encodeURIComponent(wellFormed(request.pathParameters[n] ?? '')),
  );
  const requestId = `fuzz-${Math.random().toString(36).slice(2)}`;
  const hasQuery = Object.keys(request.query).length > 0;
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers: request.headers,
    multiValueHeaders: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: hasQuery ? request.query : null,
    multiValueQueryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: Object.keys(request.pathParameters).length ? request.pathParameters : null,
    stageVariables: null,
    body: request.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: (route.auth ?? 'token') === 'token' && role ? { principalId: `local-${role}`, role } : null,
      httpMethod: route.method,
      path: `/local${path}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.path,
      resourcePath: route.path,
      stage: 'local',
      identity: { sourceIp: '127.0.0.1' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** A failing request, short enough to read: the shape of each part, huge strings cut. */
function describeRequest(request: FuzzRequest | undefined): string {
  if (!request) return '';
  const { pathParameters, query, headers, body } = request;
  return JSON.stringify({ pathParameters, query, headers, body: body?.slice(0, 300) }, (_k, v) =>
    typeof v === 'string' && v.length > 300 ? `${v.slice(0, 40)}…(${v.length} chars)` : v,
  );
}

let lambdas: LocalLambdas;
const realStdout = process.stdout.write.bind(process.stdout);
const realStderr = process.stderr.write.bind(process.stderr);
const capture = (chunk: unknown) => {
  captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  return true;
};

beforeAll(() => {
  // Handlers read their settings at import, as on Lambda: the shared local system's resources.
  Object.assign(process.env, env());
  lambdas = new LocalLambdas(repoRoot, inject('runtime').stage);
  realStdout(
    `bad-input corpus: seed ${seed}, ${inProcessRuns} in-process / ${gatewayRuns} gateway runs per route\n`,
  );
});

afterAll(() => {
  for (const m of measured) realStdout(`bad-input ${m.layer}: ${m.requests} requests in ${m.ms} ms\n`);
});

describe('bad input, in-process (handler modules called with API Gateway events)', () => {
  it('answers every hostile request to every route with a 4xx JSON error, never a 5xx', async () => {
    const started = Date.now();
    let requests = 0;
    const failures: string[] = [];
    // Handler log lines go to a buffer the leak scan reads, not to the test output.
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    try {
      for (const { functionName, route } of fuzzedRoutes()) {
        const outcome = await fc.check(
          fc.asyncProperty(requestFor(route, pii, { httpSafe: false }), async (request) => {
            requests++;
            let result: APIGatewayProxyResult;
            try {
              result = (await lambdas.invoke(
                functionName as FunctionName,
                toEvent(request),
              )) as APIGatewayProxyResult;
            } catch (error) {
              throw new Error(`handler threw ${(error as Error).name}`);
            }
            responses.push(result.body);
            const contentType = Object.entries(result.headers ?? {}).find(
              ([k]) => k.toLowerCase() === 'content-type',
            )?.[1];
            const problems = checkAnswer(request, {
              status: result.statusCode,
              body: result.body,
              contentType: contentType === undefined ? undefined : String(contentType),
            });
            if (problems.length) throw new Error(problems.join('; '));
          }),
          { seed, numRuns: runsFor(route, inProcessRuns), endOnFailure: true },
        );
        if (outcome.failed)
          failures.push(
            `${route.method} ${route.path}: ${(outcome.errorInstance as Error)?.message} (seed ${outcome.seed}, path ${outcome.counterexamplePath}) ${describeRequest(outcome.counterexample?.[0])}`,
          );
      }
    } finally {
      process.stdout.write = realStdout as typeof process.stdout.write;
      process.stderr.write = realStderr as typeof process.stderr.write;
    }
    measured.push({ layer: 'in-process', requests, ms: Date.now() - started });
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('bad input, through the local gateway', () => {
  const { apiUrl, credentials } = inject('runtime');

  const pathOf = (request: FuzzRequest) =>
    request.route.path.replace(/\{([^}]+)\}/g, (_m, n: string) =>
      encodeURIComponent(request.pathParameters[n] ?? ''),
    );

  async function send(request: FuzzRequest, rawPath?: string) {
    const { route } = request;
    const role = roleOf(route);
    const path = rawPath ?? pathOf(request);
    const query = new URLSearchParams(request.query).toString();
    const res = await fetch(`${apiUrl}${path}${query ? `?${query}` : ''}`, {
      method: route.method,
      headers: {
        ...request.headers,
        ...((route.auth ?? 'token') === 'token' && role
          ? { authorization: `Bearer ${credentials[role]}` }
          : {}),
      },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const body = await res.text();
    responses.push(body);
    return { status: res.status, body, contentType: res.headers.get('content-type') ?? undefined };
  }

  it('answers hostile requests over HTTP as in-process, and writes nothing for them', async () => {
    const started = Date.now();
    let requests = 0;
    const failures: string[] = [];
    for (const { route } of fuzzedRoutes()) {
      const outcome = await fc.check(
        fc.asyncProperty(requestFor(route, pii, { httpSafe: true }), async (request) => {
          requests++;
          // API Gateway ignores one trailing slash: an empty last path parameter (`/v1/cases/`) names
          // the parent resource, another route, which may rightly serve the request.
          const judged = pathOf(request).endsWith('/') ? { ...request, mustReject: false } : request;
          const problems = checkAnswer(judged, await send(request));
          if (problems.length) throw new Error(problems.join('; '));
        }),
        { seed, numRuns: runsFor(route, gatewayRuns), endOnFailure: true },
      );
      if (outcome.failed)
        failures.push(
          `${route.method} ${route.path}: ${(outcome.errorInstance as Error)?.message} (seed ${outcome.seed}, path ${outcome.counterexamplePath}) ${describeRequest(outcome.counterexample?.[0])}`,
        );
    }
    measured.push({ layer: 'gateway', requests, ms: Date.now() - started });
    expect(failures).toEqual([]);

    // Nothing was created under the corpus's identifiers: the external id resolves to no customer.
    const lookup = await api('analyst', 'POST', '/v1/customers/lookup', { externalId: pii.externalId });
    expect(lookup.status).toBe(404);
    const segment = await api('analyst', 'GET', `/v1/customers/${placeholderParams.pseudonym}/segment`);
    expect(segment.status).toBe(404);
  }, 120_000);

  it('answers a malformed percent-encoding in a path parameter with a 4xx', async () => {
    const failures: string[] = [];
    for (const { route } of fuzzedRoutes().filter(({ route }) => /\{/.test(route.path))) {
      const rawPath = route.path
        .replace(/\{[^}]+\}/, '%E0%A4%A')
        .replace(/\{([^}]+)\}/g, (_m, n: string) => placeholderParams[n] ?? 'x');
      const answer = await send(
        {
          route,
          pathParameters: {},
          query: {},
          headers: { 'content-type': 'application/json' },
          body: route.maxBodyBytes ? '{}' : undefined,
          mustReject: true,
          sentStrings: [],
          sentKeys: [],
        },
        rawPath,
      );
      if (answer.status < 400 || answer.status >= 500)
        failures.push(`${route.method} ${route.path}: ${answer.status}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('after the corpus', () => {
  it('finds none of the personal data it carried in tables, queues, events, logs or answers', async () => {
    // A canary planted in the captured logs proves the scan can fail.
    const canary = `canary-${id}`;
    const scan = await scanForLeaks({
      needles: { ...pii, canary },
      responses,
      logs: `${captured.join('')}\n{"message":"planted","value":"${canary}"}`,
    });
    // The scan must have seen the handlers' own log lines, or an empty result proves nothing.
    expect(scan.text.logs).toContain('request rejected');
    expect(scan.hits).toEqual([expect.stringMatching(/^canary in log line \d+$/)]);
  }, 60_000);
});
