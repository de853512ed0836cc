/**
 * Stored pins across schema versions, read into the current shape. Apart from overrides.ts so the
 * adapters that read pins and assignments do not bundle the pin route's validation.
 */
import type { Assignment, Override, PinInForce } from '../ports.js';
import { STAFF_TEXT_SCHEMA_VERSION, UNCODED_REASON } from '../staff-notes.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * A stored pin in the current shape. Schema version 1 kept the officer's free text as `reason`:
 * it becomes `legacyReason` (in clear, so only the personal-data route releases it) under the
 * code `UNCODED`.
 */
export function overrideOf(raw: Record<string, unknown>): Override {
  const { reason, ...rest } = raw;
  if (typeof raw.schemaVersion === 'number' && raw.schemaVersion >= STAFF_TEXT_SCHEMA_VERSION)
    return rest as unknown as Override;
  return {
    pseudonym: str(raw.pseudonym),
    segment: str(raw.segment),
    reasonCode: UNCODED_REASON,
    ...(typeof reason === 'string' ? { legacyReason: reason } : {}),
    expiresAt: str(raw.expiresAt),
    pinnedBy: str(raw.pinnedBy),
    pinnedAt: str(raw.pinnedAt),
    schemaVersion: 1,
  };
}

/** The pin an assignment shows: codes only. An assignment of schema version 1 copied the reason text. */
export function pinInForceOf(
  pin: Pick<Override, 'segment' | 'reasonCode' | 'expiresAt' | 'pinnedBy'>,
): PinInForce {
  return {
    segment: pin.segment,
    reasonCode: pin.reasonCode || UNCODED_REASON,
    expiresAt: pin.expiresAt,
    pinnedBy: pin.pinnedBy,
  };
}

/** A stored assignment in the current shape: a version-1 pin's free-text reason is never read back. */
export function assignmentOf<T extends Assignment>(raw: T): T {
  if (!raw.pinned) return raw;
  return { ...raw, pinned: pinInForceOf(raw.pinned) };
}
