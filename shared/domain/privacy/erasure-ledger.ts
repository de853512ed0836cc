/**
 * The erasure record as the other workflows read it (cases, outcomes and pins refuse an erased
 * customer), apart from erasure itself (erasure.ts), which brings its request schema and the
 * legal-hold rules into every bundle that imports it.
 */
import { SubjectErasedError } from '../../errors.js';

/** The id of a subject's erasure record in the audit trail (stream = the pseudonym): one per subject. */
export const erasureEventId = (pseudonym: string) => `subject.erased#${pseudonym}`;

/**
 * Whether a pseudonym was erased, read from its erasure record in the audit trail, which outlives the
 * erasure: new cases, outcomes and pins about an erased customer are refused with it.
 */
export interface ErasureLedger {
  isErased(pseudonym: string): Promise<boolean>;
}

/** Throws SUBJECT_ERASED (410) when `pseudonym` was erased. */
export async function refuseErased(ledger: ErasureLedger | undefined, pseudonym: string): Promise<void> {
  if (ledger && (await ledger.isErased(pseudonym))) throw new SubjectErasedError();
}
