import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditActor, type RequestActor } from '../actors.js';
import { auditEvent } from '../audit.js';
import { surveyAfterCase } from '../events/builders.js';
import type { WorkflowEventPublisher } from '../events/ports.js';
import type { WorkflowEvent } from '../events/schemas.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../paging.js';
import type { AssignmentStore, AuditEvent, AuditOutcome } from '../ports.js';
import { type ErasureLedger, refuseErased } from '../privacy/erasure-ledger.js';
import { STAFF_TEXT_SCHEMA_VERSION } from '../staff-notes.js';
import { toErrorDetails } from '../validation.js';

/**
 * Compliance cases: the unit of work a segment policy or a feedback signal creates for a human.
 * A case moves open → in_review → closed, each move audited; closing records a result and,
 * when asked, an audit outcome that predictive scoring learns from. Cases hold pseudonyms and
 * codes only: no notes field, because free text is where names and account numbers slip in.
 */
// Kinds and statuses live in a module without imports, so the console's browser bundle can share them.
import {
  type CaseKind,
  type CaseOutcome,
  type CaseRecord,
  type CaseStatus,
  caseKinds,
  caseStatuses,
} from './vocabulary.js';

export { type CaseKind, type CaseOutcome, type CaseStatus, caseKinds, caseStatuses };

const code = z.string().regex(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, 'UPPER_SNAKE code');
const pseudonym = z.string().regex(/^k\d+\.[A-Za-z0-9_-]{43}$/, 'a customer pseudonym');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export interface ComplianceCase extends CaseRecord {
  /** The workflow event this case answers, if any (e.g. the KycReviewDue event id). */
  triggerEventId?: string;
  /** Scheduler bookkeeping: its workflow event went out. */
  eventPublished?: boolean;
  /**
   * Events the case still owes the bus (an outbox written with the move that caused them);
   * `outbox: 'pending'` puts the case in a sparse index the daily sweep reads.
   */
  pendingEvents?: WorkflowEvent[];
  outbox?: 'pending';
  revision: number;
}

export interface CaseStore {
  get(caseId: string): Promise<ComplianceCase | undefined>;
  /** A page of the cases of one status, oldest opened first (a work queue), after `after`. */
  list(filter: {
    status: CaseStatus;
    kind?: CaseKind;
    limit: number;
    after?: CasePageKey;
  }): Promise<{ cases: ComplianceCase[]; next: CasePageKey | undefined }>;
  /** Cases whose events are still pending (the sparse outbox index). */
  pendingOutbox(limit: number): Promise<ComplianceCase[]>;
  /** Creates the case with its audit record; false when a case with that id exists. */
  create(c: ComplianceCase, audit: AuditEvent): Promise<boolean>;
  /**
   * Replaces `previous` (the case as read) by `next` if its revision is still `previous.revision`,
   * together with its audit record, the effects of the move and the case counts, in one
   * transaction; false when the case moved meanwhile.
   */
  update(
    previous: ComplianceCase,
    next: ComplianceCase,
    audit: AuditEvent | undefined,
    effects?: CaseEffects,
  ): Promise<boolean>;
}

/** Where a page of the byStatus index ended (its key attributes), carried by an opaque cursor. */
export const casePageKey = z
  .object({
    caseId: z.string().regex(/^case_[A-Za-z0-9_-]{22}$/),
    status: z.enum(caseStatuses),
    openedAt: z.string().datetime({ offset: true }),
  })
  .strict();
export type CasePageKey = z.infer<typeof casePageKey>;

/** GET /v1/cases: one status (default open), optionally one kind, a bounded page. */
export const caseListQuery = z
  .object({
    status: z.enum(caseStatuses).default('open'),
    kind: z.enum(caseKinds).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(512).optional().describe('The nextCursor of the previous page, unchanged.'),
  })
  .strict();

/** A page of cases of one status, oldest opened first: the order they should be worked. */
export async function listCases(query: unknown, cases: Pick<CaseStore, 'list'>) {
  const q = parse(caseListQuery, query, 'query');
  const after = q.cursor ? decodeCursor(q.cursor, casePageKey) : undefined;
  if (after && after.status !== q.status) throw invalidCursor();
  const page = await cases.list({
    status: q.status,
    ...(q.kind ? { kind: q.kind } : {}),
    limit: q.limit,
    ...(after ? { after } : {}),
  });
  return {
    status: q.status,
    ...(q.kind ? { kind: q.kind } : {}),
    count: page.cases.length,
    cases: page.cases,
    nextCursor: page.next ? encodeCursor(page.next) : null,
  };
}

/** What closing a case changes elsewhere, written atomically with the case. */
export interface CaseEffects {
  /** A label for predictive scoring. */
  outcome?: AuditOutcome;
  /** A completed KYC review restarts the customer's review interval. */
  review?: { pseudonym: string; at: string; caseId: string };
}

/** When a KYC review last happened per customer (or when the first review cycle started). */
export interface KycReviewLog {
  getMany(pseudonyms: readonly string[]): Promise<Map<string, { lastReviewAt: string }>>;
  /** Records a review (or a baseline) unless a later one is already recorded. */
  record(pseudonym: string, at: string, basis: 'review' | 'baseline', caseId: string | null): Promise<void>;
}

export const openCaseRequest = z
  .object({
    kind: z.enum(caseKinds),
    subject: pseudonym,
    reasonCode: code,
    dueAt: isoDate.optional(),
    segment: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .optional(),
    triggerEventId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
  })
  .strict();

export const transitionRequest = z
  .object({
    to: z.enum(['in_review', 'closed']),
    outcome: z
      .object({
        result: z.enum(['no_issue', 'issue_found']),
        reasonCode: code,
        /** Also record the result as an audit outcome, a label for predictive scoring. */
        recordAuditOutcome: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => (r.to === 'closed') === (r.outcome !== undefined), {
    message: 'closing a case needs an outcome; only closing takes one',
    path: ['outcome'],
  });

const allowed: Record<CaseStatus, readonly CaseStatus[]> = {
  open: ['in_review'],
  in_review: ['closed'],
  closed: [],
};

/** Case ids are derived from what caused the case, so a retried open lands on the same case. */
export function caseIdOf(kind: CaseKind, subject: string, cause: string): string {
  return `case_${createHash('sha256').update(`${kind}\u001f${subject}\u001f${cause}`).digest('base64url').slice(0, 22)}`;
}

export interface CaseDeps {
  cases: CaseStore;
  /** Refuses cases about erased customers (SUBJECT_ERASED); the API always passes it. */
  erasures?: ErasureLedger;
  /** Whether the subject's lawful basis allows asking for feedback now (no survey without it). */
  feedbackAllowed?: (subject: string) => Promise<boolean>;
  /**
   * Where customers stand: a case opened without a segment takes the customer's, and an audit
   * outcome recorded on closing is counted where the customer stands then.
   */
  placements?: Pick<AssignmentStore, 'placements'>;
}

const surveyTouchpoints: Partial<
  Record<CaseKind, 'kyc_review_completed' | 'enhanced_due_diligence_completed'>
> = {
  kyc_review: 'kyc_review_completed',
  enhanced_due_diligence: 'enhanced_due_diligence_completed',
};

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(`Invalid ${what}`, toErrorDetails(parsed.error.issues));
  return parsed.data;
}

const caseAudit = (
  c: ComplianceCase,
  action: AuditEvent['action'],
  actor: RequestActor,
  reasonCodes: string[],
) =>
  auditEvent({
    eventId: `case:${c.caseId}:r${c.revision}`,
    subject: c.subject,
    actor: auditActor(actor),
    action,
    reasonCodes,
    requestId: actor.requestId,
    at: actor.now,
    details: {
      caseId: c.caseId,
      kind: c.kind,
      status: c.status,
      ...(c.outcome ? { outcome: c.outcome } : {}),
    },
  });

/** Opens a case (idempotent: the same kind, subject and cause is the same case). */
export async function openCase(
  input: unknown,
  deps: Pick<CaseDeps, 'cases' | 'erasures' | 'placements'>,
  actor: RequestActor | { system: string; requestId: string; now: Date },
): Promise<{ created: boolean; case: ComplianceCase }> {
  const req = parse(openCaseRequest, input, 'case');
  await refuseErased(deps.erasures, req.subject);
  const at = actor.now.toISOString();
  // The segment the case is for: given, or the customer's when it is opened (its counts stay there).
  const segment =
    req.segment ?? (await deps.placements?.placements([req.subject]))?.get(req.subject)?.segment ?? null;
  const c: ComplianceCase = {
    caseId: caseIdOf(req.kind, req.subject, req.triggerEventId ?? req.dueAt ?? at),
    kind: req.kind,
    subject: req.subject,
    segment,
    status: 'open',
    reasonCode: req.reasonCode,
    dueAt: req.dueAt ?? null,
    openedAt: at,
    openedBy: 'system' in actor ? actor.system : actor.principalId,
    updatedAt: at,
    ...(req.triggerEventId ? { triggerEventId: req.triggerEventId } : {}),
    revision: 1,
  };
  const audit = auditEvent({
    eventId: `case:${c.caseId}:r1`,
    subject: c.subject,
    actor: 'system' in actor ? { type: 'system', id: actor.system } : auditActor(actor),
    action: 'case.opened',
    reasonCodes: [c.reasonCode],
    requestId: actor.requestId,
    at: actor.now,
    details: { caseId: c.caseId, kind: c.kind, status: c.status, dueAt: c.dueAt },
  });
  if (await deps.cases.create(c, audit)) return { created: true, case: c };
  const existing = await deps.cases.get(c.caseId);
  if (!existing) throw new ConflictError('CASE_CONFLICT', 'The case could not be opened; retry');
  return { created: false, case: existing };
}

/** Moves a case one step; closing records the result (and, if asked, an audit outcome). */
export async function transitionCase(
  caseId: string,
  input: unknown,
  deps: CaseDeps,
  actor: RequestActor,
): Promise<ComplianceCase> {
  const req = parse(transitionRequest, input, 'transition');
  const current = await deps.cases.get(caseId);
  if (!current) throw new NotFoundError('No such case');
  if (!allowed[current.status].includes(req.to)) {
    throw new ConflictError(
      'INVALID_TRANSITION',
      `A case that is ${current.status} cannot move to ${req.to}; allowed: ${allowed[current.status].join(', ') || 'none'}`,
    );
  }
  const at = actor.now.toISOString();
  const next: ComplianceCase = {
    ...current,
    status: req.to,
    updatedAt: at,
    assignee: actor.principalId,
    revision: current.revision + 1,
    ...(req.to === 'closed' && req.outcome
      ? {
          closedAt: at,
          outcome: {
            result: req.outcome.result,
            reasonCode: req.outcome.reasonCode,
            auditOutcomeRecorded: req.outcome.recordAuditOutcome,
          },
        }
      : {}),
  };
  const action = req.to === 'closed' ? 'case.closed' : 'case.in-review';
  const reasonCodes = req.outcome ? [req.outcome.reasonCode] : [current.reasonCode];
  const effects: CaseEffects = {};
  if (next.outcome?.auditOutcomeRecorded) {
    const outcome = next.outcome.result === 'issue_found' ? 'issue' : 'no_issue';
    const date = at.slice(0, 10);
    const source = `case:${caseId}`;
    effects.outcome = {
      pseudonym: next.subject,
      // One outcome per case: its id only has to be unique, and holds nothing but pseudonym and codes.
      outcomeId: createHash('sha256')
        .update(`${next.subject}|${outcome}|${date}|${source}`)
        .digest('base64url'),
      outcome,
      date,
      source,
      recordedBy: actor.principalId,
      recordedAt: at,
      schemaVersion: STAFF_TEXT_SCHEMA_VERSION,
    };
    const placedIn = (await deps.placements?.placements([next.subject]))?.get(next.subject);
    if (placedIn) effects.outcome.placedIn = placedIn;
  }
  if (next.status === 'closed' && next.kind === 'kyc_review') {
    effects.review = { pseudonym: next.subject, at, caseId };
  }
  const touchpoint = next.status === 'closed' ? surveyTouchpoints[next.kind] : undefined;
  if (touchpoint && next.segment && (await deps.feedbackAllowed?.(next.subject))) {
    next.pendingEvents = [
      surveyAfterCase({ caseId, subject: next.subject, segment: next.segment, touchpoint, now: actor.now }),
    ];
    next.outbox = 'pending';
  }
  if (!(await deps.cases.update(current, next, caseAudit(next, action, actor, reasonCodes), effects))) {
    throw new ConflictError('CASE_CHANGED', 'The case changed meanwhile; read it again and retry');
  }
  return next;
}

/**
 * Publishes what cases owe the bus and empties their outbox. Called right after a move that queued
 * events, and by the daily sweep for anything a failed publication left behind. Clearing is
 * conditional on the revision: a case that moved meanwhile keeps its outbox for the next sweep.
 */
export async function publishCaseEvents(
  cases: readonly ComplianceCase[],
  deps: { cases: CaseStore; events: WorkflowEventPublisher },
): Promise<number> {
  const owing = cases.filter((c) => c.pendingEvents && c.pendingEvents.length > 0);
  if (owing.length === 0) return 0;
  await deps.events.publish(owing.flatMap((c) => c.pendingEvents ?? []));
  for (const c of owing) {
    const { pendingEvents: _sent, outbox: _flag, ...rest } = c;
    await deps.cases.update(c, { ...rest, revision: c.revision + 1 }, undefined);
  }
  return owing.reduce((n, c) => n + (c.pendingEvents?.length ?? 0), 0);
}
