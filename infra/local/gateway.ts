import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { policyAllows } from '../../shared/domain/auth.js';
import { type FunctionName, type HttpRoute, httpRoutes } from '../manifest.js';
import type { LocalLambdas } from './lambda.js';

/** API Gateway's own hard limit for REST APIs; routes may declare a lower one. */
const apiGatewayMaxBody = 10 * 1024 * 1024;
const accountId = '000000000000';
const apiId = 'local';

interface CompiledRoute {
  functionName: FunctionName;
  route: HttpRoute;
  pattern: RegExp;
  params: string[];
}

export interface GatewayOptions {
  host: string;
  port: number;
  stage: string;
  lambdas: LocalLambdas;
  /** One line per request, like API Gateway access logs: method, route, status, latency. No query strings. */
  accessLog: (line: Record<string, unknown>) => void;
}

/**
 * A local REST API (v1) gateway: turns each HTTP request into the API Gateway proxy event the
 * deployed API sends, runs the same TOKEN authoriser first and enforces its policy, then invokes
 * the very same handler module.
 */
export async function startGateway(
  options: GatewayOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const routes: CompiledRoute[] = httpRoutes().map(({ functionName, route }) => {
    const params: string[] = [];
    const source = route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return { functionName, route, pattern: new RegExp(`^${source}$`), params };
  });

  const server: Server = createServer((req, res) => {
    handle(req, res, routes, options).catch((error: unknown) => {
      options.accessLog({ level: 'ERROR', message: 'gateway failure', errorName: (error as Error).name });
      send(res, 502, errorBody('BAD_GATEWAY', 'Internal server error'), randomUUID());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: CompiledRoute[],
  options: GatewayOptions,
) {
  const started = Date.now();
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  const log = (status: number, resource: string) =>
    options.accessLog({
      requestId,
      httpMethod: method,
      resourcePath: resource,
      status,
      latencyMs: Date.now() - started,
    });

  // As API Gateway (REST) does, one trailing slash is ignored when matching a resource: `/dashboard/`
  // reaches the `/dashboard` route. The event's `path` keeps what the client sent.
  const resourcePath = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
  const matched = routes
    .map((r) => ({ r, m: r.pattern.exec(resourcePath) }))
    .filter((x): x is { r: CompiledRoute; m: RegExpExecArray } => x.m !== null);
  const hit = matched.find((x) => x.r.route.method === method);
  if (!hit) {
    const status = matched.length > 0 ? 405 : 404;
    send(
      res,
      status,
      errorBody(status === 405 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', 'No such route'),
      requestId,
    );
    log(status, '(none)');
    return;
  }
  const { r: compiled, m } = hit;
  const { route } = compiled;
  // A malformed percent-encoding (e.g. %E0%A4%A) is the client's error, not an integration failure.
  if (compiled.params.some((_p, i) => !decodable(m[i + 1] ?? ''))) {
    send(res, 400, errorBody('BAD_REQUEST', 'Malformed path parameter'), requestId);
    log(400, route.path);
    return;
  }

  const body = await readBody(req, apiGatewayMaxBody);
  if (body === undefined) {
    send(res, 413, errorBody('PAYLOAD_TOO_LARGE', 'Request body too large'), requestId);
    log(413, route.path);
    return;
  }

  const methodArn = `arn:aws:execute-api:us-east-1:${accountId}:${apiId}/${options.stage}/${method}${resourcePath}`;
  let authContext: Record<string, string> | undefined;
  // Signature-authenticated routes (webhooks) have no authoriser, as on AWS: the function verifies.
  if ((route.auth ?? 'token') === 'token') {
    const authorization = header(req, 'authorization');
    if (authorization) {
      try {
        const result = (await options.lambdas.invoke('authorizer', {
          type: 'TOKEN',
          authorizationToken: authorization,
          methodArn,
        })) as APIGatewayAuthorizerResult;
        const statements = result.policyDocument.Statement as {
          Effect: string;
          Resource: string | string[];
        }[];
        const allowed = statements
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
        if (!policyAllows(allowed, methodArn)) {
          send(res, 403, errorBody('FORBIDDEN', 'Your role does not allow this operation'), requestId);
          log(403, route.path);
          return;
        }
        authContext = { ...(result.context as Record<string, string>), principalId: result.principalId };
      } catch (error) {
        // As on AWS: only the exact 'Unauthorized' error means 401; any other authoriser failure (its
        // principals read throttled, an outage) is transient, answered like API Gateway's AUTHORIZER_FAILURE
        // response in infra/cdk/api.ts: 503 with Retry-After.
        if ((error as Error).message !== 'Unauthorized') {
          options.accessLog({
            level: 'ERROR',
            message: 'authorizer failure',
            errorName: (error as Error).name,
          });
          send(
            res,
            503,
            errorBody('TEMPORARILY_UNAVAILABLE', 'Too busy right now: retry after 1 s'),
            requestId,
            { 'retry-after': '1' },
          );
          log(503, route.path);
          return;
        }
        authContext = undefined;
      }
    }
    if (!authContext) {
      send(res, 401, errorBody('UNAUTHORIZED', 'Missing or invalid credentials'), requestId);
      log(401, route.path);
      return;
    }
  }

  const event = toProxyEvent(
    req,
    url,
    body,
    route,
    compiled.params,
    m,
    requestId,
    options.stage,
    authContext,
  );
  let result: APIGatewayProxyResult;
  try {
    result = (await options.lambdas.invoke(compiled.functionName, event)) as APIGatewayProxyResult;
  } catch (error) {
    // What API Gateway answers when the integration fails or times out.
    options.accessLog({
      level: 'ERROR',
      message: 'integration failure',
      errorName: (error as Error).name,
      requestId,
    });
    send(res, 502, errorBody('BAD_GATEWAY', 'Internal server error'), requestId);
    log(502, route.path);
    return;
  }
  res.writeHead(result.statusCode, { ...flatHeaders(result.headers), 'x-amzn-requestid': requestId });
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  log(result.statusCode, route.path);
}

function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: HttpRoute,
  paramNames: string[],
  match: RegExpExecArray,
  requestId: string,
  stage: string,
  authorizer: Record<string, string> | undefined,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    headers[name] = value;
    // Object.hasOwn: a header or query key named like an Object.prototype member (toString) is data.
    multiValueHeaders[name] = [
      ...(Object.hasOwn(multiValueHeaders, name) ? (multiValueHeaders[name] ?? []) : []),
      value,
    ];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(Object.hasOwn(multiQuery, k) ? (multiQuery[k] ?? []) : []), v];
  }
  const pathParameters = Object.fromEntries(
    paramNames.map((p, i) => [p, decodeURIComponent(match[i + 1] ?? '')]),
  );
  const now = new Date();
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    pathParameters: paramNames.length ? pathParameters : null,
    stageVariables: null,
    body: body.length ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId,
      apiId,
      authorizer: authorizer ?? null,
      domainName: header(req, 'host') ?? 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: requestId,
      httpMethod: route.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: header(req, 'user-agent') ?? null,
        userArn: null,
      },
      path: `/${stage}${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: route.path,
      resourcePath: route.path,
      stage,
    },
  };
}

function decodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function flatHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function errorBody(code: string, message: string) {
  return { error: { code, message, details: [] } };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-amzn-requestid': requestId,
    ...headers,
  });
  res.end(JSON.stringify(body));
}
