import type { ErrorDetail } from '../../errors.js';
import type { RequestActor } from '../actors.js';
import { canonicalJson } from '../canonical.js';
import { safeInput } from '../input-safety.js';
import type {
  KeyService,
  ProfileStore,
  SegmentationQueue,
  StoredTransaction,
  TransactionStore,
} from '../ports.js';
import { resolveSubjects, type SubjectDirectory } from '../privacy/subject-directory.js';
import { fxTable, type TransactionRecord, transactionRecord } from '../schemas.js';
import { toErrorDetails } from '../validation.js';
import { type IngestIntent, type IngestIntents, underIntent } from './intents.js';
import type { ItemResult } from './results.js';

export interface TransactionIngestionDeps {
  intents: IngestIntents;
  keys: KeyService;
  profiles: ProfileStore;
  transactions: TransactionStore;
  queue: SegmentationQueue;
  subjects: SubjectDirectory;
}

/** Transactions are kept long enough for the widest aggregate window plus a review margin. */
export const transactionRetentionDays = 400;
const maxClockSkewMs = 5 * 60_000;

/**
 * Records transactions of known customers (the transaction id only as a keyed MAC) and queues
 * one re-segmentation per affected customer. The same transaction sent twice is a duplicate;
 * the same id with different content is a conflict, not an overwrite.
 */
export async function ingestTransactions(
  items: readonly unknown[],
  deps: TransactionIngestionDeps,
  ctx: RequestActor,
): Promise<ItemResult[]> {
  const pseudonymiser = await deps.keys.pseudonymiser();
  const results: ItemResult[] = [];
  const valid: { index: number; record: TransactionRecord; txn: StoredTransaction }[] = [];
  const seen = new Set<string>();

  const parsedItems = items.map((item) => recordSchema.safeParse(item));
  // Resolve only: a transaction never creates a customer, so an unknown id has no subject at all.
  const subjects = await resolveSubjects(
    [...new Set(parsedItems.flatMap((p) => (p.success ? [p.data.customerExternalId] : [])))],
    pseudonymiser,
    deps.subjects,
    { create: false, now: ctx.now },
  );

  parsedItems.forEach((parsed, index) => {
    if (!parsed.success) {
      results.push(
        rejected(index, 'VALIDATION_FAILED', 'Record failed validation', toErrorDetails(parsed.error.issues)),
      );
      return;
    }
    const record = parsed.data;
    if (Date.parse(record.timestamp) > ctx.now.getTime() + maxClockSkewMs) {
      results.push(rejected(index, 'FUTURE_TIMESTAMP', 'Transaction timestamp is in the future'));
      return;
    }
    const pseudonym = subjects.get(record.customerExternalId)?.pseudonym;
    if (!pseudonym) {
      results.push(
        rejected(index, 'UNKNOWN_CUSTOMER', 'No customer with this customerExternalId; send it first'),
      );
      return;
    }
    const txnRef = pseudonymiser.pseudonym('transaction', record.transactionId);
    if (seen.has(txnRef)) {
      results.push(
        rejected(index, 'DUPLICATE_IN_BATCH', 'The same transactionId appears earlier in this batch'),
      );
      return;
    }
    seen.add(txnRef);
    const rate = fxTable.rates[record.currency] ?? Number.NaN;
    valid.push({
      index,
      record,
      txn: {
        pseudonym,
        txnRef,
        contentDigest: pseudonymiser.digest('content', canonicalJson(record)),
        amount: record.amount,
        currency: record.currency,
        amountEur: Math.round((record.amount / rate) * 100) / 100,
        fxAsOf: fxTable.asOf,
        timestamp: new Date(record.timestamp).toISOString(),
        direction: record.direction,
        ...(record.counterpartyCountry ? { counterpartyCountry: record.counterpartyCountry } : {}),
        paymentMethod: record.paymentMethod,
        expiresAt: Math.floor(Date.parse(record.timestamp) / 1000) + transactionRetentionDays * 86_400,
      },
    });
  });

  const known = await deps.profiles.getMany([...new Set(valid.map((v) => v.txn.pseudonym))]);
  const insertable = valid.filter((v) => {
    if (known.has(v.txn.pseudonym)) return true;
    results.push(
      rejected(v.index, 'UNKNOWN_CUSTOMER', 'No customer with this customerExternalId; send it first'),
    );
    return false;
  });

  // Before the first write, whose customers this request touches: a crash between the writes and the
  // queue send is repaired by re-queuing them (reconcile.ts).
  const pseudonyms = [...new Set(insertable.map((v) => v.txn.pseudonym))];
  const intent: IngestIntent | undefined =
    pseudonyms.length === 0
      ? undefined
      : { intentId: ctx.requestId, kind: 'transactions', pseudonyms, createdAt: ctx.now.toISOString() };
  await underIntent(deps.intents, intent, async () => {
    const existing = await deps.transactions.putIfAbsent(insertable.map((v) => v.txn));
    const touched = new Set<string>();
    for (const v of insertable) {
      const storedDigest = existing.get(v.txn.txnRef);
      if (storedDigest === undefined) {
        touched.add(v.txn.pseudonym);
        results.push({ index: v.index, status: 'accepted', pseudonym: v.txn.pseudonym });
      } else if (storedDigest === v.txn.contentDigest) {
        // Queued again in case the first attempt stored it but failed to queue; the worker
        // recognises unchanged inputs and writes nothing, so this never segments twice.
        touched.add(v.txn.pseudonym);
        results.push({ index: v.index, status: 'duplicate', pseudonym: v.txn.pseudonym });
      } else {
        results.push(
          rejected(v.index, 'TRANSACTION_CONFLICT', 'This transactionId was recorded with different content'),
        );
      }
    }

    await deps.queue.enqueue(
      [...touched].map((pseudonym) => ({
        pseudonym,
        cause: 'transactions' as const,
        requestId: ctx.requestId,
      })),
    );
  });
  return results;
}

function rejected(index: number, code: string, message: string, details?: ErrorDetail[]): ItemResult {
  return { index, status: 'rejected', code, message, ...(details ? { details } : {}) };
}

/** A transaction's schema, after the checks every input gets (reserved keys, exact numbers, well-formed text). */
const recordSchema = safeInput(transactionRecord);
