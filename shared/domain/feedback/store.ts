import type { SealedBox } from '../crypto/envelope.js';

/** A linked survey response as stored: no comment text in clear, only derived themes. */
export interface FeedbackItem {
  pseudonym: string;
  /** `<submittedAt>#<deliveryId>`: sorts by time, unique per delivery. */
  responseKey: string;
  provider: string;
  surveyId: string;
  submittedAt: string;
  period: string;
  nps?: number;
  npsSkipped: boolean;
  themes: string[];
  /** The customer's segment when the answer arrived: NPS is reported per segment. */
  segment: string;
  comment?: SealedBox;
  /**
   * Self-reported answers (choice and rating questions, mapped by the provider configuration) the
   * risk model may use. Free-text answers are never kept: they are personal data without a use here.
   */
  answers?: { questionId: string; type: 'choice' | 'rating'; value: string | number }[];
  expiresAt: number;
}

export interface FeedbackStore {
  put(item: FeedbackItem): Promise<void>;
  /** Strongly consistent unless `consistent` is false (see ProfileStore). */
  listSince(pseudonym: string, sinceIso: string, consistent?: boolean): Promise<FeedbackItem[]>;
}

export interface ResponseCounts {
  promoters: number;
  passives: number;
  detractors: number;
  skipped: number;
  surveyed: number;
  unlinked: number;
}

/** Counters per period and segment, sharded by the adapter so no single item takes every write. */
export interface FeedbackCounters {
  add(period: string, segment: string, delta: Partial<ResponseCounts>): Promise<void>;
  read(period: string, segments: readonly string[]): Promise<Record<string, ResponseCounts>>;
}

/** Records each webhook id once for the sender's retry window; false if it was seen before. */
/** `claimed`: yours to process. `completed`: processed before (a replay). `in-progress`: being processed now. */
export type ClaimOutcome = 'claimed' | 'completed' | 'in-progress';

/**
 * Webhook ids seen, in the Powertools idempotency model: a delivery is claimed while it is processed (the
 * claim expires, so a crash does not hold it forever), marked completed only once its effects are stored,
 * and released when processing fails, so the sender's retry is processed instead of answered `duplicate`.
 */
export interface DeliveryLog {
  claim(deliveryKey: string, nowSeconds: number, inProgressSeconds: number): Promise<ClaimOutcome>;
  /** Keeps the key as processed until `expiresAt` (epoch seconds): replays until then are duplicates. */
  complete(deliveryKey: string, expiresAt: number): Promise<void>;
  /** Gives an in-progress claim up (processing failed); a completed one is left alone. */
  release(deliveryKey: string): Promise<void>;
}

export const emptyCounts = (): ResponseCounts => ({
  promoters: 0,
  passives: 0,
  detractors: 0,
  skipped: 0,
  surveyed: 0,
  unlinked: 0,
});
