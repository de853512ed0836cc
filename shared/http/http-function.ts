import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { HttpRoute } from '../../infra/manifest.js';
import { NotFoundError } from '../errors.js';
import {
  bodyLimit,
  type Caller,
  callerOf,
  httpErrors,
  type JsonEvent,
  jsonBody,
  requireRole,
} from './middleware.js';

export type RouteHandler = (
  event: JsonEvent,
  caller: Caller,
  context: Context,
) => Promise<APIGatewayProxyResult>;

const routeKey = (method: string, path: string) => `${method} ${path}`;
/** The caller of a signature-authenticated route, until the handler has verified who signed. */
const signedSender: Caller = { principalId: 'unverified-sender', role: 'webhook' };
/** The caller of a public route: nobody in particular, and the route serves no data. */
const anonymous: Caller = { principalId: 'anonymous', role: 'public' };

/**
 * Builds the Lambda handler of an HTTP function from its manifest routes: one middy chain with
 * logging, error mapping, role checks and body limits taken from the route description, so a
 * route's roles and size limit are declared once (in infra/manifest.ts) and enforced everywhere.
 */
export function httpFunction(
  routes: readonly HttpRoute[],
  logger: Logger,
  handlers: Record<string, RouteHandler>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const table = new Map(
    routes.map((route) => {
      const handler = handlers[routeKey(route.method, route.path)];
      if (!handler) throw new Error(`No handler for route ${route.method} ${route.path}`);
      const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult>();
      if (route.auth === 'public') {
        return [
          routeKey(route.method, route.path),
          chain.handler((event, context) => handler(event, anonymous, context)),
        ] as const;
      }
      if (route.auth === 'signature') {
        // No API credentials and no JSON parsing before the handler has verified the signature over
        // the raw body: an unsigned request learns nothing but 401 (or 413 above the size limit).
        if (route.maxBodyBytes) chain.use(bodyLimit({ maxBytes: route.maxBodyBytes }));
        return [
          routeKey(route.method, route.path),
          chain.handler((event, context) => handler(event, signedSender, context)),
        ] as const;
      }
      chain.use(requireRole(route.roles));
      if (route.maxBodyBytes) {
        chain.use(jsonBody({ maxBytes: route.maxBodyBytes, batchItems: route.batchItems }));
      }
      return [
        routeKey(route.method, route.path),
        chain.handler((event, context) => handler(event, callerOf(event), context)),
      ] as const;
    }),
  );
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors(logger))
    .handler(async (event, context) => {
      const route = table.get(routeKey(event.httpMethod, event.resource));
      if (!route) throw new NotFoundError('No such route');
      return route(event, context);
    });
}
