import type { ComplianceCase } from '../cases/case.js';
import type { FeedbackItem } from '../feedback/store.js';
import type { AuditEvent, AuditOutcome, Override, StoredTransaction } from '../ports.js';
import type { LegalHold } from './legal-hold.js';

/** An erasure deferred by a legal hold. No identifier in clear: the pseudonym and the directory lookup MAC. */
export interface ErasureRequest {
  pseudonym: string;
  /** The subject directory's key, so the scheduler can remove the entry without the external id. */
  lookup: string;
  hold: LegalHold;
  requestedAt: string;
  requestedBy: string;
  requestId: string;
}

export interface ErasureRequestStore {
  put(request: ErasureRequest): Promise<void>;
  get(pseudonym: string): Promise<ErasureRequest | undefined>;
  /** Every pending request, page by page (the table only holds deferred erasures: it stays small). */
  scanAll(): AsyncIterable<ErasureRequest[]>;
}

/** What an erasure removed, per category: the 200 answer and the audit record carry these counts. */
export interface ErasedCounts {
  subjectKey: number;
  profile: number;
  transactions: number;
  assignment: number;
  override: number;
  feedback: number;
  outcomes: number;
  erasureRequest: number;
  cases: number;
  kycReview: number;
  directoryEntry: number;
}

/**
 * Port: removes what is keyed by a pseudonym. `shred` deletes the subject key first (crypto-shred:
 * what a failure might leave behind can no longer be decrypted), then the rest; `forget` removes the
 * directory entry last, so an interrupted erasure can be found and retried.
 */
export interface SubjectEraser {
  shred(pseudonym: string): Promise<Omit<ErasedCounts, 'directoryEntry'>>;
  forget(lookup: string): Promise<number>;
}

/** Port: everything held about one subject, read for a subject access request. */
export interface SubjectRecords {
  transactions(pseudonym: string): Promise<StoredTransaction[]>;
  feedback(pseudonym: string): Promise<FeedbackItem[]>;
  outcomes(pseudonym: string): Promise<AuditOutcome[]>;
  auditTrail(pseudonym: string): Promise<AuditEvent[]>;
  override(pseudonym: string): Promise<Override | undefined>;
  cases(pseudonym: string): Promise<ComplianceCase[]>;
  kycReview(pseudonym: string): Promise<{ lastReviewAt: string; basis: string } | undefined>;
}
