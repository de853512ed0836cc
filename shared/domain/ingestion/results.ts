import type { ErrorDetail } from '../../errors.js';

/** Per-item outcome of a batch: one bad record never blocks or corrupts the others. */
export type ItemResult =
  | { index: number; status: 'accepted' | 'duplicate'; pseudonym: string }
  | {
      index: number;
      status: 'rejected';
      pseudonym?: string;
      code: string;
      message: string;
      details?: ErrorDetail[];
    };

export interface BatchOutcome {
  summary: { received: number; accepted: number; duplicates: number; rejected: number };
  results: ItemResult[];
}

export function summarise(results: ItemResult[]): BatchOutcome {
  const count = (s: ItemResult['status']) => results.filter((r) => r.status === s).length;
  const sorted = [...results].sort((a, b) => a.index - b.index);
  return {
    summary: {
      received: results.length,
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
    },
    results: sorted,
  };
}
