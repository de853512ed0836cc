/**
 * Free text typed by staff (why a segment was pinned, where an audit finding came from) is personal
 * data: it tends to name the customer, their family or their circumstances. So the reason itself is
 * a code from a fixed list, which reports, the segment route and the audit trail may show, and any
 * free text travels as an optional note sealed under the subject's key: readable only through the
 * personal-data gatekeeper (segment policy, audited), and shredded with the key on erasure. The
 * append-only audit trail keeps the code and a hash of the sealed note, never the text, so an
 * auditor can tell which note a decision referred to while erasure still removes its content.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical.js';
import { type SealedBox, sealJson } from './crypto/envelope.js';

// The codes live in a module without imports, so the console's browser bundle can share them.
export { type PinReasonCode, pinReasonCodes } from './pin-reasons.js';

/** Where an audit outcome (a label for predictive scoring) comes from. */
export const outcomeSources = [
  'INTERNAL_AUDIT',
  'EXTERNAL_AUDIT',
  'REGULATOR_EXAMINATION',
  'TRANSACTION_MONITORING',
  'CUSTOMER_DUE_DILIGENCE',
  'LAW_ENFORCEMENT',
  'OTHER',
] as const;
export type OutcomeSource = (typeof outcomeSources)[number];

/**
 * Shown for a pin stored before reasons were coded (schema version 1): its free text stays in the
 * overrides table, readable only through the personal-data route, and is never shown as a code.
 */
export const UNCODED_REASON = 'UNCODED';

/** Items and audit records written since staff text became codes plus sealed notes. */
export const STAFF_TEXT_SCHEMA_VERSION = 2;

/** An optional note: free text, so personal data. Trimmed; an empty note is no note. */
export const staffNote = z
  .string()
  .trim()
  .max(1000)
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** `OTHER` says nothing by itself: it needs a note saying what. */
export function requireNoteForOther(
  value: { note?: string | undefined },
  code: string,
  ctx: z.RefinementCtx,
): void {
  if (code === 'OTHER' && !value.note)
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['note'], message: 'Required when the code is OTHER' });
}

/** The AAD of a pin's note: a box copied to another subject or pin fails to open. */
export const pinNoteContext = (pseudonym: string, pinnedAt: string) =>
  `riskloop:pin:${pseudonym}:${pinnedAt}:note`;

export const outcomeNoteContext = (pseudonym: string, outcomeId: string) =>
  `riskloop:outcome:${pseudonym}:${outcomeId}:note`;

/**
 * SHA-256 over the sealed box, not the text: it identifies the note without revealing anything
 * about it (the box is random ciphertext), even to someone guessing short notes, and it still
 * identifies the box after erasure has made it unreadable.
 */
export const noteHashOf = (box: SealedBox): string =>
  createHash('sha256').update(canonicalJson(box)).digest('hex');

export interface SealedNote {
  note: SealedBox;
  noteHash: string;
}

export function sealNote(key: Buffer, text: string, context: string): SealedNote {
  const note = sealJson(key, text, context);
  return { note, noteHash: noteHashOf(note) };
}
