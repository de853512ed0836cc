import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { type ActorRef, actorRef, auditActor, isPerson, type RequestActor, sameActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import { canonicalJson } from '../canonical.js';
import type { AuditEvent } from '../ports.js';
import { toErrorDetails } from '../validation.js';
import { type ApprovalAction, type ApprovalArea, approvalAreas, type FourEyesPolicy } from './policy.js';

export type ApprovalStatus =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'withdrawn'
  | 'stale'
  | 'expired'
  | 'failed';

/**
 * A maker's request that waits for a second person. It holds what the action needs to take effect
 * (ids, codes, sealed notes: never personal data in clear) and the hash of the target's content at
 * the time of the request: approval re-checks it, so nobody approves something that changed since.
 */
export interface ApprovalRequest {
  approvalId: string;
  action: ApprovalAction;
  /** What the action is about: model ids and versions, a pseudonym, a provider. */
  target: Record<string, string | number>;
  /** What the action needs to take effect, beyond the target (the pin asked for, a reason code). */
  payload: Record<string, unknown>;
  contentHash: string;
  status: ApprovalStatus;
  requestedBy: ActorRef;
  requestedAt: string;
  requestId: string;
  expiresAt: string;
  decidedBy?: ActorRef;
  decidedAt?: string;
  /** The checker's (or, withdrawing, the maker's) reason, as a code. */
  reasonCode?: string;
  /** Approved, the action not yet carried out (it failed transiently): the same checker may retry. */
  effected?: boolean;
  /** Why an approved action could not take effect (the error code it ended with). */
  failure?: string;
}

/** One approval request's part of the stores' transactions. */
export interface ApprovalStore {
  /** Stores a new request; false if one with this id exists and is still pending or approved. */
  create(request: ApprovalRequest, audit: AuditEvent): Promise<boolean>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  /** Replaces a request whose status is still `from` (and, for approved, not yet effected); false otherwise. */
  update(request: ApprovalRequest, from: ApprovalStatus, audit: AuditEvent): Promise<boolean>;
  /** Requests pending and unexpired at `now`, the soonest to expire first, one page. */
  pending(now: Date, limit: number, cursor?: string): Promise<{ items: ApprovalRequest[]; cursor?: string }>;
}

/** Decisions are codes (like pins' reasons): free text from staff would be personal data in a trail that never forgets. */
export const reasonCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'An upper-case code such as REVIEWED_OK');

export const decisionRequest = z
  .object({ decision: z.enum(['approve', 'reject', 'withdraw']), reasonCode })
  .strict();

export const isApprovalId = (value: string): boolean => /^apr_[A-Za-z0-9_-]{22}$/.test(value);

/** The digest of what an action is about, as the approval compares it: canonical JSON, SHA-256. */
export function contentHash(content: unknown): string {
  // A target that is gone (undefined) hashes as null: a request about it is then stale, never a crash.
  return createHash('sha256')
    .update(canonicalJson(content ?? null), 'utf8')
    .digest('hex');
}

/** Where a checker decides on a request: the route of the function that carries the action out. */
export function decisionPath(approval: Pick<ApprovalRequest, 'action' | 'approvalId'>): string {
  return `/v1/approvals/${approvalAreas[approval.action]}/${approval.approvalId}`;
}

/** What the API shows of a request (everything: it holds no personal data), with where to decide. */
export function approvalView(approval: ApprovalRequest, now: Date) {
  const expired = approval.status === 'pending' && Date.parse(approval.expiresAt) <= now.getTime();
  return {
    ...approval,
    status: expired ? ('expired' as const) : approval.status,
    links: { self: `/v1/approvals/${approval.approvalId}`, decide: decisionPath(approval) },
  };
}

/** What a four-eyes action answers when it must wait: 202 with the request. */
export type Deferred = { status: 'pending-approval'; approval: ReturnType<typeof approvalView> };

/** What a function that can defer an action needs: the policy and where requests are kept. */
export interface FourEyesDeps {
  policy: FourEyesPolicy;
  approvals: ApprovalStore;
}

export interface Approvable {
  action: ApprovalAction;
  target: ApprovalRequest['target'];
  payload?: ApprovalRequest['payload'];
  /** The target's content now (hashed; the same function computes it again at approval). */
  content: unknown;
}

/**
 * Carries an action out now, or, where the policy wants a second person, stores the request and
 * answers with it. The same maker asking again for the same thing gets the same request back.
 */
export async function withFourEyes<R>(
  deps: Partial<FourEyesDeps>,
  approvable: Approvable,
  actor: RequestActor,
  act: () => Promise<R>,
): Promise<R | Deferred> {
  const { policy, approvals } = deps;
  if (!policy?.required.has(approvable.action)) return act();
  if (!approvals) throw new Error(`${approvable.action} needs approval, and this function keeps no requests`);
  const request = newRequest(approvable, actor, policy.ttlHours);
  const audit = approvalAudit(request, 'approval.requested', actor, []);
  if (!(await approvals.create(request, audit))) {
    const existing = await approvals.get(request.approvalId);
    if (existing) return { status: 'pending-approval', approval: approvalView(existing, actor.now) };
  }
  return { status: 'pending-approval', approval: approvalView(request, actor.now) };
}

export function isDeferred<R>(result: R | Deferred): result is Deferred {
  return (result as Deferred | undefined)?.status === 'pending-approval';
}

function newRequest(approvable: Approvable, actor: RequestActor, ttlHours: number): ApprovalRequest {
  const hash = contentHash(approvable.content);
  const payload = approvable.payload ?? {};
  // Derived from what is asked and by whom: a retried request lands on the same item.
  const approvalId = `apr_${createHash('sha256')
    .update(canonicalJson([approvable.action, approvable.target, payload, hash, actor.principalId]))
    .digest('base64url')
    .slice(0, 22)}`;
  return {
    approvalId,
    action: approvable.action,
    target: approvable.target,
    payload,
    contentHash: hash,
    status: 'pending',
    requestedBy: actorRef(actor),
    requestedAt: actor.now.toISOString(),
    requestId: actor.requestId,
    expiresAt: new Date(actor.now.getTime() + ttlHours * 3_600_000).toISOString(),
  };
}

export interface DecisionDeps<R> {
  approvals: ApprovalStore;
  /** The actions this function decides (its area). */
  area: ApprovalArea;
  /** The target's content now, as `Approvable.content` had it at the request; undefined if it is gone. */
  contentOf(request: ApprovalRequest): Promise<unknown>;
  /** Carries the action out, as the checker (whose audit records name the request and its maker). */
  execute(request: ApprovalRequest, actor: RequestActor): Promise<R>;
}

/** The request as decided and, approved, the action's own answer. */
export type DecisionOutcome<R> = { approval: ReturnType<typeof approvalView>; result?: R };

/**
 * A checker approves or rejects, or the maker withdraws. Approval needs a person (API keys never
 * approve), not the maker (another issuer and subject), a request still pending and unexpired, and
 * the target's content unchanged; only then the action is carried out. Every outcome is audited.
 */
export async function decideApproval<R>(
  approvalId: string,
  input: unknown,
  deps: DecisionDeps<R>,
  actor: RequestActor,
): Promise<DecisionOutcome<R>> {
  const parsed = decisionRequest.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'Body must be { "decision": "approve" | "reject" | "withdraw", "reasonCode": "CODE" }',
      toErrorDetails(parsed.error.issues),
    );
  }
  const { decision, reasonCode } = parsed.data;
  const request = await deps.approvals.get(approvalId);
  // Another area's request is not found here either: each function decides only on its own actions.
  if (!request || approvalAreas[request.action] !== deps.area)
    throw new NotFoundError('No such approval request');
  const retrying =
    decision === 'approve' &&
    request.status === 'approved' &&
    request.effected === false &&
    request.decidedBy &&
    sameActor(request.decidedBy, actor);
  if (decision === 'withdraw') {
    if (!sameActor(request.requestedBy, actor))
      throw new AppError(
        403,
        'NOT_THE_MAKER',
        'Only the person or principal who asked can withdraw a request',
      );
  } else {
    if (!isPerson(actor))
      throw new AppError(
        403,
        'PERSON_REQUIRED',
        'Approvals are decided by a signed-in person, never with an API key',
      );
    if (sameActor(request.requestedBy, actor))
      throw new AppError(
        403,
        'SAME_PERSON',
        'A second person must decide: the maker cannot approve or reject their own request',
      );
  }
  if (!retrying) await requirePending(request, deps, actor);
  const decided: ApprovalRequest = {
    ...request,
    status: decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'withdrawn',
    decidedBy: actorRef(actor),
    decidedAt: actor.now.toISOString(),
    reasonCode,
    ...(decision === 'approve' ? { effected: false } : {}),
  };
  if (decision === 'approve' && !retrying) {
    const now = contentHash(await deps.contentOf(request));
    if (now !== request.contentHash) {
      await settle(
        deps,
        request,
        { ...decided, status: 'stale', effected: undefined },
        'approval.stale',
        actor,
        ['CONTENT_CHANGED'],
      );
      throw new ConflictError(
        'APPROVAL_STALE',
        'What this request is about changed since it was made; it was not carried out. Ask again.',
      );
    }
  }
  if (!retrying) {
    const action = `approval.${decided.status}` as
      | 'approval.approved'
      | 'approval.rejected'
      | 'approval.withdrawn';
    await settle(deps, request, decided, action, actor, [reasonCode]);
  }
  if (decision !== 'approve') return { approval: approvalView(decided, actor.now) };
  let result: R;
  try {
    result = await deps.execute(decided, {
      ...actor,
      approval: { approvalId, requestedBy: request.requestedBy.principalId },
    });
  } catch (error) {
    // A refusal (4xx) ends the request; anything else leaves it approved for the same checker to retry.
    if (error instanceof AppError && error.status < 500) {
      await deps.approvals.update(
        { ...decided, status: 'failed', effected: undefined, failure: error.code },
        'approved',
        approvalAudit(decided, 'approval.failed', actor, [error.code]),
      );
    }
    throw error;
  }
  const effected: ApprovalRequest = { ...decided, effected: true };
  await deps.approvals.update(effected, 'approved', approvalAudit(effected, 'approval.effected', actor, []));
  return { approval: approvalView(effected, actor.now), result };
}

async function requirePending(request: ApprovalRequest, deps: DecisionDeps<unknown>, actor: RequestActor) {
  if (request.status !== 'pending') {
    throw new ConflictError('APPROVAL_DECIDED', `This request is already ${request.status}`);
  }
  if (Date.parse(request.expiresAt) <= actor.now.getTime()) {
    await settle(deps, request, { ...request, status: 'expired' }, 'approval.expired', actor, ['EXPIRED']);
    throw new ConflictError('APPROVAL_EXPIRED', `This request expired at ${request.expiresAt}; ask again`);
  }
}

/** Moves a pending request on; a concurrent decision (the condition failing) is a 409. */
async function settle(
  deps: Pick<DecisionDeps<unknown>, 'approvals'>,
  request: ApprovalRequest,
  next: ApprovalRequest,
  action: ApprovalAuditAction,
  actor: RequestActor,
  reasonCodes: string[],
): Promise<void> {
  if (!(await deps.approvals.update(next, request.status, approvalAudit(next, action, actor, reasonCodes)))) {
    throw new ConflictError('APPROVAL_DECIDED', 'Someone decided on this request at the same time');
  }
}

type ApprovalAuditAction = Extract<AuditEvent['action'], `approval.${string}`>;

function approvalAudit(
  request: ApprovalRequest,
  action: ApprovalAuditAction,
  actor: RequestActor,
  reasonCodes: string[],
): AuditEvent {
  return auditEvent({
    eventId: `${action}#${request.approvalId}#${request.requestedAt}`,
    subject: typeof request.target.pseudonym === 'string' ? request.target.pseudonym : null,
    actor: auditActor(actor),
    action,
    reasonCodes,
    requestId: actor.requestId,
    at: actor.now,
    details: {
      approvalId: request.approvalId,
      approvalAction: request.action,
      target: request.target,
      contentHash: request.contentHash,
      requestedBy: request.requestedBy.principalId,
      expiresAt: request.expiresAt,
    },
  });
}
