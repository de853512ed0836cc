/**
 * Write order and repair instead of transactions: before its first write an ingestion request records
 * what it is about to write (an intent), and removes the record once its customers are queued. A request
 * that dies in between leaves its intent behind, and the reconciler (reconcile.ts) finishes or undoes
 * exactly what it names, reading these few records, never the population.
 */
export interface IngestIntent {
  /** The request's id: one intent per request. */
  intentId: string;
  kind: 'customers' | 'transactions';
  /** `customers`: directory lookups (keyed MACs) of the customers the request may create or change. */
  lookups?: string[];
  /** `transactions`: pseudonyms of the customers whose transactions the request writes. */
  pseudonyms?: string[];
  /** ISO 8601: entries created by the request are no older than this. */
  createdAt: string;
}

export interface IngestIntents {
  open(intent: IngestIntent): Promise<void>;
  /** The request completed: its customers are written and queued. */
  close(intentId: string): Promise<void>;
}

/** Runs `work` under an intent: opened first, closed only when `work` succeeds (a failure keeps it for repair). */
export async function underIntent<T>(
  intents: IngestIntents,
  intent: IngestIntent | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (!intent) return work();
  await intents.open(intent);
  const result = await work();
  await intents.close(intent.intentId);
  return result;
}
