import { auditEvent } from '../audit.js';
import type { AuditLog, SegmentationQueue } from '../ports.js';
import type { IngestIntent, IngestIntents } from './intents.js';

/** The intents a crash left behind, and how to remove one once repaired. */
export interface IntentLedger extends Pick<IngestIntents, 'close'> {
  /** Intents opened before `cutoff`: a read of this small table (requests in flight), never of the population. */
  openedBefore(cutoff: Date): Promise<IngestIntent[]>;
}

/** A subject directory entry as the reconciler reads it. */
export interface DirectoryEntry {
  lookup: string;
  /** Absent on entries created before the directory kept it: such an entry cannot be repaired. */
  pseudonym?: string;
  createdAt: string;
}

export interface OrphanRepair {
  entries(lookups: readonly string[]): Promise<DirectoryEntry[]>;
  /** Which of these customers were accepted (have a profile). */
  accepted(pseudonyms: readonly string[]): Promise<Set<string>>;
  /**
   * Removes the subject key and directory entry of a customer never accepted, only while it still has
   * no profile (one conditional transaction: a request that accepts it meanwhile wins). True if removed.
   */
  removeUnaccepted(entry: { lookup: string; pseudonym: string }): Promise<boolean>;
}

export interface ReconcileDeps {
  intents: IntentLedger;
  orphans: OrphanRepair;
  queue: SegmentationQueue;
  audit: AuditLog;
}

export interface Reconciled {
  /** Intents found and repaired. */
  intents: number;
  /** Accepted customers queued again (written, but their queue send may not have happened). */
  requeued: number;
  /** Customers never accepted whose subject key and directory entry were removed. */
  removed: number;
  /** Directory entries without a pseudonym (older than this mechanism): left as they are. */
  unresolvable: number;
}

/**
 * Finishes or undoes what crashed ingestion requests left half-written, from the intents they recorded
 * before writing: accepted customers are queued again (the worker ignores a decision it already made),
 * and entries of customers never accepted are removed, with their key. Each repair is audited once
 * (event id from the intent) and the intent closed. `cutoff` must be well past a request's timeout, so a
 * request still running is never repaired under its feet.
 */
export async function reconcileIngestion(
  deps: ReconcileDeps,
  options: { cutoff: Date; now: Date; requestId: string },
): Promise<Reconciled> {
  const totals: Reconciled = { intents: 0, requeued: 0, removed: 0, unresolvable: 0 };
  for (const intent of await deps.intents.openedBefore(options.cutoff)) {
    const repaired =
      intent.kind === 'transactions'
        ? {
            requeued: await requeue(deps, intent.pseudonyms ?? [], 'transactions', options),
            removed: 0,
            unresolvable: 0,
          }
        : await repairCustomers(deps, intent, options);
    await deps.audit.append([
      auditEvent({
        eventId: `ingest.repaired#${intent.intentId}`,
        subject: null,
        actor: { type: 'system', id: 'reconciler' },
        action: 'ingest.repaired',
        reasonCodes: ['INCOMPLETE_INGESTION'],
        requestId: options.requestId,
        at: options.now,
        details: { kind: intent.kind, intentRequestId: intent.intentId, ...repaired },
      }),
    ]);
    await deps.intents.close(intent.intentId);
    totals.intents += 1;
    totals.requeued += repaired.requeued;
    totals.removed += repaired.removed;
    totals.unresolvable += repaired.unresolvable;
  }
  return totals;
}

async function repairCustomers(
  deps: ReconcileDeps,
  intent: IngestIntent,
  options: { cutoff: Date; requestId: string },
): Promise<Omit<Reconciled, 'intents'>> {
  const entries = await deps.orphans.entries(intent.lookups ?? []);
  const known = entries.filter((e): e is DirectoryEntry & { pseudonym: string } => e.pseudonym !== undefined);
  const accepted = await deps.orphans.accepted(known.map((e) => e.pseudonym));
  const requeued = await requeue(
    deps,
    known.filter((e) => accepted.has(e.pseudonym)).map((e) => e.pseudonym),
    'profile',
    options,
  );
  let removed = 0;
  for (const entry of known) {
    // Only what this request created (not a customer accepted before it), and only once it is old enough.
    const createdByIntent =
      entry.createdAt >= intent.createdAt && entry.createdAt < options.cutoff.toISOString();
    if (!accepted.has(entry.pseudonym) && createdByIntent && (await deps.orphans.removeUnaccepted(entry))) {
      removed += 1;
    }
  }
  return { requeued, removed, unresolvable: entries.length - known.length };
}

async function requeue(
  deps: ReconcileDeps,
  pseudonyms: readonly string[],
  cause: 'profile' | 'transactions',
  options: { requestId: string },
): Promise<number> {
  if (pseudonyms.length === 0) return 0;
  await deps.queue.enqueue(
    pseudonyms.map((pseudonym) => ({ pseudonym, cause, requestId: options.requestId })),
  );
  return pseudonyms.length;
}
