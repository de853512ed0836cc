/**
 * Builds the OpenAPI 3.1 document of the API from the system's own descriptions: paths, methods,
 * roles, authentication and body limits from the manifest (infra/manifest.ts), summaries and
 * schemas from the registry (the zod schemas the handlers validate with and answer by). Nothing is
 * written by hand twice, so the document cannot drift from what the API does.
 */
import type { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { type FunctionName, functions, type HttpRoute, httpRoutes } from '../../../infra/manifest.js';
import { type ResponseDoc, type RouteDoc, routeDocs } from './registry.js';

export type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: Record<string, Record<string, unknown>>;
  tags: { name: string }[];
  [key: string]: unknown;
};
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  'x-roles': string[];
  'x-auth': 'token' | 'signature' | 'public';
  'x-function': string;
  'x-max-body-bytes'?: number;
  parameters?: Record<string, unknown>[];
  requestBody?: Record<string, unknown>;
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

export const routeKey = (route: Pick<HttpRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** JSON Schema 2020-12 (the dialect of OpenAPI 3.1) for a zod schema; inputs as the client sends them. */
export function jsonSchemaOf(schema: z.ZodTypeAny, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _dialect, ...out } = zodToJsonSchema(schema, {
    // 2019-09 output is valid 2020-12 for everything used here (no tuples), unlike the draft-07 default.
    target: 'jsonSchema2019-09',
    $refStrategy: 'none',
    // Refinements keep their base schema; response schemas use no transforms.
    effectStrategy: 'input',
    pipeStrategy: io,
  }) as JsonSchema;
  return out;
}

const errorResponses: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing or invalid credentials',
  403: 'The role may not call this route',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone: the customer was erased',
  413: 'Request body above the route limit',
  415: 'Content-Type must be application/json when there is a body',
  422: 'Unprocessable',
  500: 'Internal error (the body carries only the request id)',
};

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'UPPER_SNAKE error code, e.g. VALIDATION_FAILED.' },
        message: { type: 'string', description: 'Sanitised: never echoes input values.' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'message'],
            additionalProperties: false,
            properties: {
              path: { type: 'string', description: 'Where in the input, never the value.' },
              code: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/** The error statuses any route may answer, from how the manifest declares it. */
function implicitErrors(route: HttpRoute): number[] {
  const auth = route.auth ?? 'token';
  if (auth === 'public') return [500];
  if (auth === 'signature') return [...(route.maxBodyBytes ? [413] : []), 500];
  return [401, 403, ...(route.maxBodyBytes ? [400, 413, 415] : []), 500];
}

function operationId(method: string, path: string): string {
  const words = path
    .replace(/[{}]/g, '')
    .split(/[/.-]/)
    .filter((w) => w && w !== 'v1');
  return [method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join('');
}

function parametersOf(route: HttpRoute, doc: RouteDoc | undefined): Record<string, unknown>[] {
  const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const path = names.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: doc?.params?.[name] ? jsonSchemaOf(doc.params[name], 'input') : { type: 'string' },
  }));
  const fromObject = (where: 'query' | 'header', object: z.AnyZodObject | undefined) =>
    Object.entries(object?.shape ?? {}).map(([name, schema]) => {
      const s = schema as z.ZodTypeAny;
      const json = jsonSchemaOf(s, 'input');
      const { description, ...rest } = json;
      return {
        name,
        in: where,
        required: !s.isOptional(),
        ...(description ? { description } : {}),
        schema: rest,
      };
    });
  return [...path, ...fromObject('query', doc?.query), ...fromObject('header', doc?.headers)];
}

function responsesOf(route: HttpRoute, doc: RouteDoc | undefined): OpenApiOperation['responses'] {
  const own: Record<number, ResponseDoc> = doc?.responses ?? { 200: { description: 'Success' } };
  const statuses = [...new Set([...Object.keys(own).map(Number), ...implicitErrors(route)])].sort(
    (a, b) => a - b,
  );
  return Object.fromEntries(
    statuses.map((status) => {
      const r = own[status];
      if (status >= 400) {
        return [String(status), { $ref: `#/components/responses/Error${status}`, ...descriptionOf(r) }];
      }
      const content = r?.schema
        ? { [r.contentType ?? 'application/json']: { schema: jsonSchemaOf(r.schema) } }
        : undefined;
      return [String(status), { description: r?.description ?? 'Success', ...(content ? { content } : {}) }];
    }),
  ) as OpenApiOperation['responses'];
}

/** OpenAPI 3.1 lets a Reference Object override its description. */
const descriptionOf = (r: ResponseDoc | undefined) => (r ? { description: r.description } : {});

function securityOf(route: HttpRoute): Record<string, string[]>[] {
  const auth = route.auth ?? 'token';
  if (auth === 'public') return [];
  if (auth === 'signature') return [{ webhookSignature: [] }];
  return [{ apiKey: [] }];
}

function describe(route: HttpRoute, fn: FunctionName, doc: RouteDoc | undefined): string {
  const auth = route.auth ?? 'token';
  const who =
    auth === 'public'
      ? 'Public: no credentials, no data.'
      : auth === 'signature'
        ? 'No API key: the sender signs the body (Standard Webhooks).'
        : `Roles: ${route.roles.join(', ')}.`;
  const limit = route.maxBodyBytes ? ` Body limit: ${route.maxBodyBytes} bytes.` : '';
  const text = doc?.description ?? functions[fn].description;
  return `${text}\n\n${who}${limit}`;
}

function operationOf(route: HttpRoute, fn: FunctionName): OpenApiOperation {
  const doc = routeDocs[routeKey(route)];
  const parameters = parametersOf(route, doc);
  return {
    operationId: operationId(route.method, route.path),
    summary: doc?.summary ?? functions[fn].description,
    description: describe(route, fn, doc),
    tags: [doc?.tag ?? 'Undocumented'],
    security: securityOf(route),
    'x-roles': [...route.roles],
    'x-auth': route.auth ?? 'token',
    'x-function': fn,
    ...(route.maxBodyBytes ? { 'x-max-body-bytes': route.maxBodyBytes } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(doc?.body
      ? {
          requestBody: {
            // No body reads as {} (shared/http/middleware.ts): optional wherever {} is a valid body.
            required: !doc.body.safeParse({}).success,
            content: { 'application/json': { schema: jsonSchemaOf(doc.body, 'input') } },
          },
        }
      : {}),
    responses: responsesOf(route, doc),
  };
}

export function openApiDocument(version = '0.1.0'): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const { functionName, route } of httpRoutes()) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, OpenApiOperation>)[route.method.toLowerCase()] = operationOf(
      route,
      functionName,
    );
  }
  const tags = [...new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags)))];
  return {
    openapi: '3.1.0',
    info: {
      title: 'riskloop API',
      version,
      description:
        'Customer risk segmentation with pseudonymised ingestion, explainable rules and an audit trail. Generated from infra/manifest.ts and the zod schemas of the handlers (`npm run openapi`).',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: '/', description: 'The API this document is served by' }],
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'rl_<role>_<secret>',
          description: 'An API key; its role decides the routes (docs/auth.md).',
        },
        webhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description: 'Standard Webhooks signature over "{webhook-id}.{webhook-timestamp}.{body}".',
        },
      },
      schemas: { Error: errorSchema },
      responses: Object.fromEntries(
        Object.entries(errorResponses).map(([status, description]) => [
          `Error${status}`,
          {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}
