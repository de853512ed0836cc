import type { Actor, AuditEvent } from './ports.js';

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
    schemaVersion: 1,
  };
}
