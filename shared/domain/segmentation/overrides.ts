import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors.js';
import { auditEvent } from '../audit.js';
import type { AssignmentStore, Override, OverrideStore, SegmentationQueue } from '../ports.js';
import { type ErasureLedger, refuseErased } from '../privacy/erasure.js';
import { toErrorDetails } from '../validation.js';

export const pinRequest = z
  .object({
    segment: z.string().min(1).max(64),
    /** Why: kept in the audit trail. Describe the case, not the person (no names, no identifiers). */
    reason: z.string().trim().min(10).max(500),
    expiresAt: z.string().datetime({ offset: true }),
  })
  .strict();

const maxPinDays = 366;

export interface OverrideDeps {
  overrides: Pick<OverrideStore, 'put' | 'remove'>;
  assignments: Pick<AssignmentStore, 'get'>;
  queue: SegmentationQueue;
  /** Segment names of the published model, least to most severe. */
  segments: readonly string[];
  /** Refuses pins on erased customers with SUBJECT_ERASED rather than a bare 404. */
  erasures?: ErasureLedger;
}

export interface OverrideActor {
  principalId: string;
  role: string;
  requestId: string;
  now: Date;
}

/** Pins a customer's segment until an expiry, then queues the customer so the pin applies now. */
export async function pinSegment(
  pseudonym: string,
  input: unknown,
  deps: OverrideDeps,
  actor: OverrideActor,
) {
  const parsed = pinRequest.safeParse(input);
  if (!parsed.success) throw new ValidationError('Invalid pin', toErrorDetails(parsed.error.issues));
  const { segment, reason, expiresAt } = parsed.data;
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

  const override: Override = {
    pseudonym,
    segment,
    reason,
    expiresAt: new Date(expiry).toISOString(),
    pinnedBy: actor.principalId,
    pinnedAt: actor.now.toISOString(),
  };
  await deps.overrides.put(
    override,
    auditEvent({
      eventId: `pin#${override.pinnedAt}#${actor.requestId}`,
      subject: pseudonym,
      actor: { type: 'principal', id: actor.principalId, role: actor.role },
      action: 'segment.pinned',
      reasonCodes: ['MANUAL_OVERRIDE'],
      requestId: actor.requestId,
      at: actor.now,
      details: {
        segment,
        expiresAt: override.expiresAt,
        reason,
        modelSegment: current.modelSegment ?? current.segment,
      },
    }),
  );
  await deps.queue.enqueue([{ pseudonym, cause: 'manual', requestId: actor.requestId }]);
  return override;
}

/** Lifts a pin; the model decides again at once. */
export async function unpinSegment(
  pseudonym: string,
  deps: OverrideDeps,
  actor: OverrideActor,
): Promise<void> {
  const removed = await deps.overrides.remove(
    pseudonym,
    auditEvent({
      eventId: `unpin#${actor.now.toISOString()}#${actor.requestId}`,
      subject: pseudonym,
      actor: { type: 'principal', id: actor.principalId, role: actor.role },
      action: 'segment.unpinned',
      reasonCodes: ['MANUAL_OVERRIDE_LIFTED'],
      requestId: actor.requestId,
      at: actor.now,
    }),
  );
  if (!removed) throw new NotFoundError('This customer has no pinned segment');
  await deps.queue.enqueue([{ pseudonym, cause: 'manual', requestId: actor.requestId }]);
}
