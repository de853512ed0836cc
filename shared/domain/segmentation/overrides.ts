import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { auditActor, type RequestActor } from '../actors.js';
import { type FourEyesDeps, withFourEyes } from '../approvals/approval.js';
import { auditEvent } from '../audit.js';
import { safeInput } from '../input-safety.js';
import type { AssignmentStore, KeyService, Override, OverrideStore, SegmentationQueue } from '../ports.js';
import { type ErasureLedger, refuseErased } from '../privacy/erasure-ledger.js';
import {
  pinNoteContext,
  pinReasonCodes,
  requireNoteForOther,
  STAFF_TEXT_SCHEMA_VERSION,
  sealNote,
  staffNote,
} from '../staff-notes.js';
import { toErrorDetails } from '../validation.js';

export const pinRequest = z
  .object({
    segment: z.string().min(1).max(64),
    /** Why, as a code: reports, the segment route and the audit trail show it. */
    reasonCode: z.enum(pinReasonCodes),
    /** Anything more, in words: sealed under the customer's key, readable under the segment policy. */
    note: staffNote,
    expiresAt: z.string().datetime({ offset: true }),
  })
  .strict()
  .superRefine((pin, ctx) => requireNoteForOther(pin, pin.reasonCode, ctx));

const safePin = safeInput(pinRequest);

const maxPinDays = 366;

export interface OverrideDeps {
  overrides: Pick<OverrideStore, 'put' | 'remove' | 'getMany'>;
  assignments: Pick<AssignmentStore, 'get'>;
  queue: SegmentationQueue;
  /** Segment names of the published model, least to most severe. */
  segments: readonly string[];
  /** Refuses pins on erased customers with SUBJECT_ERASED rather than a bare 404. */
  erasures?: ErasureLedger;
  /** The subject's key seals the officer's note. */
  keys: Pick<KeyService, 'subjectKeys'>;
}

/**
 * Pins a customer's segment until an expiry, then queues the customer so the pin applies now. A pin
 * below the segment the model decides waits for a second officer where the four-eyes policy says so.
 */
export async function pinSegment(
  pseudonym: string,
  input: unknown,
  deps: OverrideDeps & Partial<FourEyesDeps>,
  actor: RequestActor,
) {
  const { override, modelSegment } = await preparePin(pseudonym, input, deps, actor);
  const lower = deps.segments.indexOf(override.segment) < deps.segments.indexOf(modelSegment);
  const apply = () => applyPin(override, modelSegment, deps, actor);
  if (!lower) return apply();
  const { pinnedBy: _maker, ...payload } = override;
  return withFourEyes(
    deps,
    {
      action: 'segment.pin-lower',
      target: { pseudonym, segment: override.segment },
      payload,
      // The assignment was just read: only the pin in force is read again.
      content: pinContent(modelSegment, (await deps.overrides.getMany([pseudonym])).get(pseudonym)),
    },
    actor,
    apply,
  );
}

/**
 * What a lower pin's approval re-checks: the customer's segment by the model, and the pin in force
 * (read from the pins themselves: a pin set or lifted meanwhile counts at once, not when re-decided).
 */
export async function pinTargetContent(
  pseudonym: string,
  deps: Pick<OverrideDeps, 'assignments' | 'overrides'>,
) {
  const [current, pins] = await Promise.all([
    deps.assignments.get(pseudonym),
    deps.overrides.getMany([pseudonym]),
  ]);
  return current ? pinContent(current.modelSegment ?? current.segment, pins.get(pseudonym)) : undefined;
}

const pinContent = (modelSegment: string, pin: Override | undefined) => ({
  modelSegment,
  pinned: pin ? { segment: pin.segment, expiresAt: pin.expiresAt, pinnedAt: pin.pinnedAt } : null,
});

/**
 * Applies an approved lower pin, as the second officer. The note was sealed when the first asked (its
 * context names that time, so `pinnedAt` stays); an expiry that passed meanwhile ends the request.
 */
export async function applyApprovedPin(
  payload: Record<string, unknown>,
  deps: OverrideDeps,
  actor: RequestActor,
) {
  const override = { ...(payload as unknown as Override), pinnedBy: actor.principalId };
  if (Date.parse(override.expiresAt) <= actor.now.getTime())
    throw new ConflictError(
      'PIN_EXPIRED',
      'The pin would already have expired: ask again with a later expiry',
    );
  const content = await pinTargetContent(override.pseudonym, deps);
  if (!content) throw new NotFoundError('No segment assigned to this pseudonym');
  return applyPin(override, content.modelSegment, deps, actor);
}

async function preparePin(pseudonym: string, input: unknown, deps: OverrideDeps, actor: RequestActor) {
  const parsed = safePin.safeParse(input);
  if (!parsed.success) throw new ValidationError('Invalid pin', pinIssues(input, parsed.error.issues));
  const { segment, reasonCode, note, expiresAt } = parsed.data;
  const details = [];
  if (!deps.segments.includes(segment)) {
    details.push({
      path: 'segment',
      code: 'UNKNOWN_SEGMENT',
      message: `One of: ${deps.segments.join(', ')}`,
    });
  }
  const expiry = Date.parse(expiresAt);
  if (expiry <= actor.now.getTime() || expiry > actor.now.getTime() + maxPinDays * 86_400_000) {
    details.push({
      path: 'expiresAt',
      code: 'OUT_OF_RANGE',
      message: `In the future, at most ${maxPinDays} days ahead`,
    });
  }
  if (details.length > 0) throw new ValidationError('Invalid pin', details);
  const current = await deps.assignments.get(pseudonym);
  if (!current) {
    await refuseErased(deps.erasures, pseudonym);
    throw new NotFoundError('No segment assigned to this pseudonym (yet)');
  }

  const pinnedAt = actor.now.toISOString();
  const sealed = note === undefined ? undefined : await sealPinNote(pseudonym, pinnedAt, note, deps);
  const override: Override = {
    pseudonym,
    segment,
    reasonCode,
    ...sealed,
    expiresAt: new Date(expiry).toISOString(),
    pinnedBy: actor.principalId,
    pinnedAt,
    schemaVersion: STAFF_TEXT_SCHEMA_VERSION,
  };
  return { override, modelSegment: current.modelSegment ?? current.segment };
}

async function applyPin(override: Override, modelSegment: string, deps: OverrideDeps, actor: RequestActor) {
  const { pseudonym, segment, reasonCode } = override;
  const sealed = override.noteHash ? { noteHash: override.noteHash, note: override.note } : undefined;
  await deps.overrides.put(
    override,
    auditEvent({
      eventId: `pin#${override.pinnedAt}#${actor.approval?.approvalId ?? actor.requestId}`,
      subject: pseudonym,
      actor: auditActor(actor),
      action: 'segment.pinned',
      reasonCodes: ['MANUAL_OVERRIDE', reasonCode],
      requestId: actor.requestId,
      at: actor.now,
      details: {
        segment,
        expiresAt: override.expiresAt,
        reasonCode,
        // The sealed note and its hash, never the text: the note stays on record after the pin is
        // replaced or lifted, erasure shreds it with the key, and the trail stays whole.
        ...(sealed ? { noteHash: sealed.noteHash, sealedNote: sealed.note } : {}),
        modelSegment,
      },
    }),
  );
  await deps.queue.enqueue([{ pseudonym, cause: 'manual', requestId: actor.requestId }]);
  return pinView(override);
}

/** What the pin route answers: the codes and whether a note was sealed, never the note. */
export function pinView(o: Override) {
  return {
    pseudonym: o.pseudonym,
    segment: o.segment,
    reasonCode: o.reasonCode,
    ...(o.noteHash ? { noteHash: o.noteHash } : {}),
    expiresAt: o.expiresAt,
    pinnedBy: o.pinnedBy,
    pinnedAt: o.pinnedAt,
  };
}

async function sealPinNote(
  pseudonym: string,
  pinnedAt: string,
  note: string,
  deps: Pick<OverrideDeps, 'keys'>,
) {
  const key = (await deps.keys.subjectKeys([pseudonym], false)).get(pseudonym);
  // Every accepted customer has a key; without one the note could only be kept in clear.
  if (!key)
    throw new ConflictError(
      'NO_SUBJECT_KEY',
      'This customer has no data key, so the note cannot be sealed: pin without a note',
    );
  return sealNote(key, note, pinNoteContext(pseudonym, pinnedAt));
}

/** A client still sending the free-text `reason` of schema version 1 is told what replaced it. */
function pinIssues(input: unknown, issues: readonly z.ZodIssue[]) {
  const details = toErrorDetails(issues);
  const sentReason = input !== null && typeof input === 'object' && Object.hasOwn(input as object, 'reason');
  return sentReason
    ? [
        {
          path: 'reason',
          code: 'REPLACED_FIELD',
          message: `Free text is personal data: give reasonCode (one of ${pinReasonCodes.join(', ')}) and, if needed, a note (sealed under the customer's key)`,
        },
        ...details.filter((d) => d.path !== '(root)' && d.path !== 'reason'),
      ]
    : details;
}

/** Lifts a pin; the model decides again at once. */
export async function unpinSegment(
  pseudonym: string,
  deps: OverrideDeps,
  actor: RequestActor,
): Promise<void> {
  const removed = await deps.overrides.remove(
    pseudonym,
    auditEvent({
      eventId: `unpin#${actor.now.toISOString()}#${actor.requestId}`,
      subject: pseudonym,
      actor: auditActor(actor),
      action: 'segment.unpinned',
      reasonCodes: ['MANUAL_OVERRIDE_LIFTED'],
      requestId: actor.requestId,
      at: actor.now,
    }),
  );
  if (!removed) throw new NotFoundError('This customer has no pinned segment');
  await deps.queue.enqueue([{ pseudonym, cause: 'manual', requestId: actor.requestId }]);
}
