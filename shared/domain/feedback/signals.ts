import type { FeedbackItem } from './store.js';

/** Themes that signal friction caused by compliance measures (see themes.ts for how they are derived). */
export const frictionThemes = new Set([
  'verification_friction',
  'account_blocked',
  'documents_requested',
  'slow_onboarding',
]);

/** What rules can read from a customer's feedback (`feedback` source of the risk model). */
export interface FeedbackSignals {
  /** The latest answered NPS score, 0-10. */
  npsScore?: number;
  /** Mean NPS score over the window. */
  satisfaction90d?: number;
  /** Responses mentioning friction themes in the window. */
  frictionThemes90d: number;
  responses90d: number;
  /**
   * Persona attributes the customer reported about themselves (latest answer per question), e.g.
   * `selfReported.employment`; `selfReportedAt` says when. Rules may use them like attributes.
   */
  selfReported: Record<string, string | number>;
  selfReportedAt?: string;
}

/** Folds a customer's recent responses into the signals the risk model can use. */
export function feedbackSignals(items: readonly FeedbackItem[]): FeedbackSignals {
  const answered = items
    .filter((i) => i.nps !== undefined)
    .sort((a, b) => (a.responseKey < b.responseKey ? -1 : 1));
  const latest = answered.at(-1);
  const mean = answered.length ? answered.reduce((s, i) => s + (i.nps ?? 0), 0) / answered.length : undefined;
  const byTime = [...items].sort((a, b) => (a.responseKey < b.responseKey ? -1 : 1));
  const selfReported: Record<string, string | number> = {};
  let selfReportedAt: string | undefined;
  for (const item of byTime) {
    for (const a of item.answers ?? []) {
      selfReported[a.questionId] = a.value;
      selfReportedAt = item.submittedAt;
    }
  }
  return {
    selfReported,
    ...(selfReportedAt ? { selfReportedAt } : {}),
    ...(latest?.nps !== undefined ? { npsScore: latest.nps } : {}),
    ...(mean !== undefined ? { satisfaction90d: Math.round(mean * 100) / 100 } : {}),
    frictionThemes90d: items.filter((i) => i.themes.some((t) => frictionThemes.has(t))).length,
    responses90d: items.length,
  };
}

/** NPS answers at or below this are detractors (0-6). */
const detractorMax = 6;

/**
 * Severe friction worth a compliance review: the latest answer is a detractor's and at least one
 * recent response names a friction theme (verification, blocked account, documents, onboarding).
 * For a customer the policy treats as low risk this is a blind spot of its own: either the
 * controls hurt someone they should not, or the customer is not as low-risk as the model thinks.
 */
export function needsComplianceReview(signals: FeedbackSignals): boolean {
  return signals.npsScore !== undefined && signals.npsScore <= detractorMax && signals.frictionThemes90d > 0;
}
