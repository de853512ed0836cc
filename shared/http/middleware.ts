import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Caller, RequestActor } from '../domain/actors.js';
import { isApprovalId } from '../domain/approvals/approval.js';
import { isPseudonym } from '../domain/crypto/pseudonymiser.js';
import { inputViolations } from '../domain/input-safety.js';
import { formatPath } from '../domain/validation.js';
import {
  AppError,
  ForbiddenError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { jsonResponse } from './responses.js';
import { isThrottling, retryAfterSeconds } from './throttling.js';

type HttpMiddleware = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;

export type { Caller };

/** The caller of a request as an actor of the domain: who, which request, and when. */
export function actorOf(event: APIGatewayProxyEvent, caller: Caller): RequestActor {
  return { ...caller, requestId: event.requestContext.requestId, now: new Date() };
}

/** The `{pseudonym}` path parameter, or a 400 naming it: anything else must not reach a table. */
export function pseudonymParam(event: APIGatewayProxyEvent): string {
  const pseudonym = event.pathParameters?.pseudonym ?? '';
  if (!isPseudonym(pseudonym)) {
    throw new ValidationError('Not a pseudonym', [
      {
        path: 'pseudonym',
        code: 'INVALID_PSEUDONYM',
        message: 'Expected <keyVersion>.<43 base64url characters>',
      },
    ]);
  }
  return pseudonym;
}

/** The caller as established by the authoriser (API Gateway puts its context here); people carry issuer and subject. */
/** The `{approvalId}` path parameter, or a 400 naming it. */
export function approvalIdParam(event: APIGatewayProxyEvent): string {
  const approvalId = event.pathParameters?.approvalId ?? '';
  if (!isApprovalId(approvalId)) {
    throw new ValidationError('Not an approval id', [
      {
        path: 'approvalId',
        code: 'INVALID_APPROVAL_ID',
        message: 'Expected apr_ and 22 base64url characters',
      },
    ]);
  }
  return approvalId;
}

export function callerOf(event: APIGatewayProxyEvent): Caller {
  const ctx = event.requestContext.authorizer as Partial<Record<keyof Caller, string>> | null | undefined;
  if (!ctx?.principalId || !ctx.role) throw new UnauthorizedError();
  const { principalId, role, issuer, subject } = ctx;
  return issuer && subject ? { principalId, role, issuer, subject } : { principalId, role };
}

/**
 * Second line of role checks: API Gateway already enforces the authoriser's policy, but a handler
 * must not trust that a route was wired correctly.
 */
export function requireRole(allowed: readonly string[]): HttpMiddleware {
  const requireRoleBefore: HttpMiddleware['before'] = (request) => {
    if (!allowed.includes(callerOf(request.event).role)) throw new ForbiddenError();
  };
  return { before: requireRoleBefore };
}

/** The raw body of a request, as bytes (API Gateway may hand it over base64-encoded). */
export function rawBody(event: APIGatewayProxyEvent): Buffer {
  return event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64')
    : Buffer.from(event.body ?? '', 'utf8');
}

/** Size limit only, for routes that must see the raw body before anything else (signed webhooks). */
export function bodyLimit(options: { maxBytes: number }): HttpMiddleware {
  const bodyLimitBefore: HttpMiddleware['before'] = (request) => {
    if (rawBody(request.event).length > options.maxBytes) throw new PayloadTooLargeError(options.maxBytes);
  };
  return { before: bodyLimitBefore };
}

/**
 * Enforces content type and size before parsing, parses JSON into `event.body`'s place, and refuses input
 * no route accepts (reserved keys, inexact numbers, ill-formed text: shared/domain/input-safety.ts),
 * except inside the items of a batch (`batchItems`), which are checked one by one.
 *
 * No body at all reads as `{}`, with or without a JSON Content-Type: `curl -X POST …/publish` has
 * nothing to declare a type for, and a 415 would blame a header nobody needs. Each route's schema then
 * decides (a route that needs fields names them in a 400). A declared non-JSON type is still a 415.
 */
export function jsonBody(options: { maxBytes: number; batchItems?: string | undefined }): HttpMiddleware {
  const jsonBodyBefore: HttpMiddleware['before'] = (request) => {
    const { event } = request;
    const contentType = Object.entries(event.headers ?? {}).find(
      ([k]) => k.toLowerCase() === 'content-type',
    )?.[1];
    const raw = rawBody(event);
    if (contentType === undefined && raw.length === 0) {
      (event as JsonEvent).jsonBody = {};
      return;
    }
    if (!contentType || !/^application\/(.+\+)?json\b/i.test(contentType))
      throw new UnsupportedMediaTypeError();
    if (raw.length > options.maxBytes) throw new PayloadTooLargeError(options.maxBytes);
    if (raw.length === 0) {
      (event as JsonEvent).jsonBody = {};
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ValidationError('Body is not valid JSON', [
        { code: 'MALFORMED_JSON', message: 'Unparseable JSON' },
      ]);
    }
    // Recursive code downstream (canonical JSON digests, schema checks) would overflow the stack
    // on a body nested thousands deep: a 500 where the caller deserves a 400.
    if (nestsDeeperThan(parsed, maxJsonDepth)) {
      throw new ValidationError('Body is nested too deeply', [
        { code: 'TOO_DEEP', message: `At most ${maxJsonDepth} levels of nesting` },
      ]);
    }
    const { batchItems } = options;
    const violations = inputViolations(
      parsed,
      batchItems === undefined ? undefined : (path) => path.length === 2 && path[0] === batchItems,
    );
    if (violations.length > 0) {
      throw new ValidationError(
        'Body contains input riskloop refuses',
        violations.map((v) => ({ path: formatPath(v.path), code: v.code, message: v.message })),
      );
    }
    (event as JsonEvent).jsonBody = parsed;
  };
  return { before: jsonBodyBefore };
}

/** Far beyond the nesting of any request schema of the API. */
const maxJsonDepth = 64;

/** Iterative, so the check itself cannot overflow. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** An API Gateway event after jsonBody() ran: the parsed body sits beside the raw one. */
export type JsonEvent = APIGatewayProxyEvent & { jsonBody?: unknown };

/**
 * Maps every error to `{ error: { code, message, details } }`. Known errors keep their status and
 * sanitised message; anything else becomes a 500 whose body carries only the request id, while
 * the log gets the error name and stack (never the input, which may be personal data).
 */
export function httpErrors(logger: Logger): HttpMiddleware {
  const httpErrorsOnError: HttpMiddleware['onError'] = (request) => {
    const { error } = request;
    const requestId = request.event.requestContext?.requestId;
    if (error instanceof AppError) {
      logger.info('request rejected', { code: error.code, status: error.status });
      request.response = jsonResponse(error.status, {
        error: { code: error.code, message: error.message, details: error.details },
      });
      return;
    }
    if (isThrottling(error)) {
      // Load, not the request: the caller may send it again shortly (the SDK already retried).
      logger.warn('request throttled', { errorName: error?.name });
      const response = jsonResponse(503, {
        error: {
          code: 'TEMPORARILY_UNAVAILABLE',
          message: `Too busy right now: retry after ${retryAfterSeconds} s`,
          details: [],
        },
      });
      request.response = {
        ...response,
        headers: { ...response.headers, 'retry-after': String(retryAfterSeconds) },
      };
      return;
    }
    logger.error('request failed', { errorName: error?.name, stack: error?.stack });
    request.response = jsonResponse(500, {
      error: {
        code: 'INTERNAL',
        message: 'Internal error',
        details: [{ code: 'REQUEST_ID', message: String(requestId) }],
      },
    });
  };
  return { onError: httpErrorsOnError };
}
