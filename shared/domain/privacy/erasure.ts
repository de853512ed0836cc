import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors.js';
import { auditActor, type RequestActor } from '../actors.js';
import { type Deferred, type FourEyesDeps, reasonCode, withFourEyes } from '../approvals/approval.js';
import { auditEvent } from '../audit.js';
import type { Actor, AssignmentStore, AuditLog, KeyService, ProfileStore } from '../ports.js';
import type { ModelSegment } from '../risk-model/model.js';
import { toErrorDetails } from '../validation.js';
import { erasureEventId } from './erasure-ledger.js';
import { type LegalHold, legalHold, policyOfSegment } from './legal-hold.js';
import type { ErasedCounts, ErasureRequest, ErasureRequestStore, SubjectEraser } from './ports.js';
import type { SubjectDirectory } from './subject-directory.js';

/** The body of both privacy routes: the subject is named here, never in the path or query string. */
export const subjectRequest = z.object({ customerExternalId: z.string().trim().min(1).max(128) }).strict();

/**
 * The erasure route's body: `liftHold` erases now despite a legal hold (a court order, a hold found
 * wrong), with the reason as a code; where the four-eyes policy says so, a second privacy officer
 * approves it first.
 */
export const erasureRequest = subjectRequest
  .extend({
    liftHold: z.object({ reasonCode }).strict().optional(),
  })
  .strict();

export interface ErasureDeps {
  keys: Pick<KeyService, 'pseudonymiser'>;
  subjects: Pick<SubjectDirectory, 'saltsOf'>;
  profiles: Pick<ProfileStore, 'getMany'>;
  assignments: Pick<AssignmentStore, 'getMany'>;
  /** Segments of the published risk model (their policies set the retention). */
  segments: () => Promise<readonly ModelSegment[]>;
  requests: ErasureRequestStore;
  eraser: SubjectEraser;
  audit: AuditLog;
}

export type ErasureOutcome =
  | { status: 'erased'; removed: ErasedCounts }
  | { status: 'deferred'; hold: LegalHold };

const erasurePurpose = 'erasure-request';

/** A resolved subject: its pseudonym and its directory key. Unknown ids are a 404 that reveals nothing more. */
export async function locateSubject(
  input: unknown,
  deps: Pick<ErasureDeps, 'keys' | 'subjects'>,
): Promise<{ pseudonym: string; lookup: string }> {
  const parsed = subjectRequest.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      'Body must be { "customerExternalId": "..." }',
      toErrorDetails(parsed.error.issues),
    );
  const id = parsed.data.customerExternalId;
  const pseudonymiser = await deps.keys.pseudonymiser();
  const lookup = pseudonymiser.subjectLookup(id);
  const salt = (await deps.subjects.saltsOf([lookup])).get(lookup);
  if (salt === undefined) throw new NotFoundError('No such subject');
  return { pseudonym: pseudonymiser.subjectPseudonym(id, salt), lookup };
}

/**
 * POST /v1/subjects/erasure. Without a legal hold: crypto-shred now (subject key, personal data,
 * everything keyed by the pseudonym, then the directory entry) and say what was removed. Under a
 * hold: record a pending request (pseudonym and lookup MAC only) that the daily scheduler carries
 * out once the hold ends, and say why and until when.
 */
export async function requestErasure(
  input: unknown,
  deps: ErasureDeps & Partial<FourEyesDeps>,
  actor: RequestActor,
): Promise<ErasureOutcome | Deferred> {
  const parsed = erasureRequest.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      'Body must be { "customerExternalId": "...", "liftHold"?: { "reasonCode": "CODE" } }',
      toErrorDetails(parsed.error.issues),
    );
  const { liftHold, ...named } = parsed.data;
  const subject = await locateSubject(named, deps);
  const hold = await holdOf(subject.pseudonym, deps, actor.now);
  const principal = auditActor(actor);
  if (hold && liftHold) {
    return withFourEyes(
      deps,
      {
        action: 'legal-hold.lift',
        target: { pseudonym: subject.pseudonym },
        payload: { lookup: subject.lookup, reasonCode: liftHold.reasonCode },
        content: hold,
      },
      actor,
      () => eraseDespiteHold(subject, liftHold.reasonCode, deps, actor),
    );
  }
  if (hold) {
    const request: ErasureRequest = {
      ...subject,
      hold,
      requestedAt: actor.now.toISOString(),
      requestedBy: actor.principalId,
      requestId: actor.requestId,
    };
    await deps.requests.put(request);
    await deps.audit.append([
      auditEvent({
        eventId: `subject.erasure-deferred#${actor.requestId}`,
        subject: subject.pseudonym,
        actor: principal,
        action: 'subject.erasure-deferred',
        reasonCodes: [hold.reason === 'relationship active' ? 'RELATIONSHIP_ACTIVE' : 'AML_RECORD_KEEPING'],
        requestId: actor.requestId,
        at: actor.now,
        details: { purpose: erasurePurpose, hold },
      }),
    ]);
    return { status: 'deferred', hold };
  }
  return {
    status: 'erased',
    removed: await eraseSubject(subject, deps, principal, actor.requestId, actor.now, erasureReason),
  };
}

/**
 * The daily run: every pending request whose hold has ended (the relationship end may have been
 * ingested since, or the retention period passed) is erased. Holds are recomputed from the current
 * profile and segment, so a later relationship end or a policy change is taken into account.
 * `now` is a parameter so tests can run it at a date past the hold.
 */
export async function runDeferredErasures(
  deps: Omit<ErasureDeps, 'keys' | 'subjects'>,
  now: Date,
  runId: string,
): Promise<{ checked: number; erased: number; pending: number }> {
  const totals = { checked: 0, erased: 0, pending: 0 };
  const system = { type: 'system' as const, id: 'privacy-scheduler' };
  for await (const page of deps.requests.scanAll()) {
    const holds = await holdsOf(
      page.map((r) => r.pseudonym),
      deps,
      now,
    );
    const due = page.filter((r) => !holds.get(r.pseudonym));
    // Keep the stored hold current (e.g. a relationship end ingested since) for exports and operators.
    const changed = page.flatMap((r) => {
      const hold = holds.get(r.pseudonym);
      return hold && JSON.stringify(hold) !== JSON.stringify(r.hold) ? [{ ...r, hold }] : [];
    });
    await Promise.all(changed.map((r) => deps.requests.put(r)));
    totals.checked += page.length;
    totals.pending += page.length - due.length;
    // A few subjects at a time: each erasure is a handful of calls, and the tables' capacity is shared.
    for (let i = 0; i < due.length; i += 8) {
      await Promise.all(
        due
          .slice(i, i + 8)
          .map((r) => eraseSubject(r, deps, system, `${runId}#${r.requestId}`, now, erasureReason)),
      );
    }
    totals.erased += due.length;
  }
  return totals;
}

/** Why a subject is erased, as the audit record states it. */
export interface ErasureReason {
  reasonCode: string;
  purpose: string;
  /** Further codes: why a legal hold was lifted. */
  more?: string[];
}

const erasureReason: ErasureReason = { reasonCode: 'ERASURE_REQUEST', purpose: erasurePurpose };

/**
 * Crypto-shreds one subject and audits it. The one erasure path: requests, deferred requests and
 * the retention job all come through here. `lookup` may be unknown (a profile written before
 * profiles carried it): everything keyed by the pseudonym still goes, the directory entry stays.
 */
export async function eraseSubject(
  subject: { pseudonym: string; lookup: string | undefined },
  deps: Pick<ErasureDeps, 'eraser' | 'audit'>,
  actor: Actor,
  requestId: string,
  now: Date,
  why: ErasureReason,
): Promise<ErasedCounts> {
  const shredded = await deps.eraser.shred(subject.pseudonym);
  // Audited before the directory entry goes: if the last step fails, a retry still finds the
  // subject, erases nothing more, and the audit record (same event id) is not written twice.
  const removed = { ...shredded, directoryEntry: subject.lookup === undefined ? 0 : 1 };
  await deps.audit.append([
    auditEvent({
      eventId: erasureEventId(subject.pseudonym),
      subject: subject.pseudonym,
      actor,
      action: 'subject.erased',
      reasonCodes: [why.reasonCode, ...(why.more ?? [])],
      requestId,
      at: now,
      details: { purpose: why.purpose, removed },
    }),
  ]);
  removed.directoryEntry = subject.lookup === undefined ? 0 : await deps.eraser.forget(subject.lookup);
  return removed;
}

/** The hold on one subject now (undefined: none): what a request to lift it re-checks at approval. */
export async function holdOf(
  pseudonym: string,
  deps: Pick<ErasureDeps, 'profiles' | 'assignments' | 'segments'>,
  now: Date,
): Promise<LegalHold | undefined> {
  return (await holdsOf([pseudonym], deps, now)).get(pseudonym);
}

/** Erases a subject under a legal hold, the hold lifted for the reason given (audited with it). */
export async function eraseDespiteHold(
  subject: { pseudonym: string; lookup: string },
  reasonCode: string,
  deps: Pick<ErasureDeps, 'eraser' | 'audit'>,
  actor: RequestActor,
): Promise<ErasureOutcome> {
  const why = { reasonCode: 'LEGAL_HOLD_LIFTED', purpose: erasurePurpose, more: [reasonCode] };
  const removed = await eraseSubject(subject, deps, auditActor(actor), actor.requestId, actor.now, why);
  return { status: 'erased', removed };
}

/** The legal hold of each subject (absent: none), from its profile and its segment's policy. */
async function holdsOf(
  pseudonyms: readonly string[],
  deps: Pick<ErasureDeps, 'profiles' | 'assignments' | 'segments'>,
  now: Date,
): Promise<Map<string, LegalHold>> {
  const [profiles, assignments, segments] = await Promise.all([
    deps.profiles.getMany(pseudonyms),
    deps.assignments.getMany(pseudonyms),
    deps.segments(),
  ]);
  const holds = new Map<string, LegalHold>();
  for (const p of pseudonyms) {
    const policy = policyOfSegment(segments, assignments.get(p)?.segment);
    const hold = legalHold(profiles.get(p), policy, now);
    if (hold) holds.set(p, hold);
  }
  return holds;
}
