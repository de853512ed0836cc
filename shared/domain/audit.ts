import type { Actor, AuditEvent } from './ports.js';

/**
 * The shape of the records written now, inside their hashed content. 1: a pin's details could carry
 * the officer's free-text reason; 2: staff text is a code plus the hash of its sealed note
 * (shared/domain/staff-notes.ts). Readers and the verifier accept both.
 */
export const AUDIT_SCHEMA_VERSION = 2;

/**
 * Builds an audit record. The `eventId` must be derived from the fact being recorded (not from
 * the clock or a random id) so that retries and re-sent requests land on the same key.
 */
export function auditEvent(fields: {
  eventId: string;
  subject: string | null;
  actor: Actor;
  action: AuditEvent['action'];
  reasonCodes: string[];
  requestId: string;
  at: Date;
  modelVersion?: string;
  details?: Record<string, unknown>;
}): AuditEvent {
  const at = fields.at.toISOString();
  return {
    stream: fields.subject ?? 'system',
    eventId: fields.eventId,
    at,
    day: at.slice(0, 10),
    actor: fields.actor,
    action: fields.action,
    subject: fields.subject,
    reasonCodes: fields.reasonCodes,
    ...(fields.modelVersion ? { modelVersion: fields.modelVersion } : {}),
    requestId: fields.requestId,
    details: fields.details ?? {},
    schemaVersion: AUDIT_SCHEMA_VERSION,
  };
}

/**
 * The record that a decision's audit record describes a decision that never took effect: another
 * container decided the customer first, so the assignment's revision condition refused it. Derived
 * from the refused record, so a retry lands on the same key.
 */
export function discardedDecision(refused: AuditEvent): AuditEvent {
  return {
    ...refused,
    eventId: `discarded#${refused.eventId}`,
    action: 'segment.discarded',
    reasonCodes: ['CONCURRENT_DECISION'],
    details: { discarded: refused.eventId, revision: refused.details.revision ?? null },
  };
}

/**
 * A subject's records without the decisions that never took effect: each `segment.discarded`
 * record and the record it names (a history of what happened, not of what was attempted; the
 * trail keeps both).
 */
export function withoutDiscarded<R extends { action?: unknown; eventId?: unknown; details?: unknown }>(
  records: readonly R[],
): R[] {
  const discarded = new Set(
    records.flatMap((r) =>
      r.action === 'segment.discarded' && typeof r.details === 'object' && r.details !== null
        ? [String((r.details as Record<string, unknown>).discarded)]
        : [],
    ),
  );
  return records.filter((r) => r.action !== 'segment.discarded' && !discarded.has(String(r.eventId)));
}
