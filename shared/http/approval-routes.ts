/**
 * The HTTP side of four-eyes approval, shared by the functions that carry its actions out: the answer of
 * an action that may wait for a second person, and the decision route of an area (docs/auth.md).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type DecisionDeps,
  type Deferred,
  decideApproval,
  isDeferred,
} from '../domain/approvals/approval.js';
import type { RouteHandler } from './http-function.js';
import { actorOf, approvalIdParam } from './middleware.js';
import { jsonResponse } from './responses.js';

/** 202 with the request when the action waits for approval; otherwise the action's own status. */
export function deferrableResponse<R>(result: R | Deferred, status = 200) {
  return jsonResponse(isDeferred(result) ? 202 : status, result);
}

/** `POST /v1/approvals/{area}/{approvalId}`: approve, reject or withdraw, and (approved) carry it out. */
export function decisionRoute<R>(logger: Logger, deps: DecisionDeps<R>): RouteHandler {
  return async (event, caller) => {
    const decided = await decideApproval(
      approvalIdParam(event),
      event.jsonBody,
      deps,
      actorOf(event, caller),
    );
    logger.info('approval request decided', {
      approvalId: decided.approval.approvalId,
      action: decided.approval.action,
      status: decided.approval.status,
    });
    return jsonResponse(200, decided);
  };
}
