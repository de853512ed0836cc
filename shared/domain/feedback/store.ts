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
  listSince(pseudonym: string, sinceIso: string): Promise<FeedbackItem[]>;
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
export interface DeliveryLog {
  claim(deliveryKey: string, expiresAt: number): Promise<boolean>;
}

export const emptyCounts = (): ResponseCounts => ({
  promoters: 0,
  passives: 0,
  detractors: 0,
  skipped: 0,
  surveyed: 0,
  unlinked: 0,
});
