import { canonicalJson } from '../canonical.js';
import { type FeedbackSignals, feedbackSignals } from '../feedback/signals.js';
import type { Assignment, StoredProfile } from '../ports.js';
import {
  aggregateTransactions,
  type TransactionAggregates,
  transactionFolder,
  withHighRiskRecount,
} from './aggregates.js';
import { inputChanges } from './freshness.js';
import type { SegmentationDeps } from './segment-customer.js';

const aggregateNames = Object.keys(
  aggregateTransactions([], { now: new Date(0), homeCountries: [], highRiskCountries: new Set() }),
);

/** What the rules read that changes with time: transaction aggregates and feedback signals. */
export interface FoldedInputs {
  transactions: TransactionAggregates;
  feedback?: FeedbackSignals;
}

/** What a decision is made from, besides the profile's features and the decision state. */
export interface DecisionInputs extends FoldedInputs {
  counterparties90d: Record<string, number>;
  /** When these inputs change with time alone (the first of `inputChanges`); null: never. */
  changesAt: string | null;
  /**
   * Present when read afresh: every later moment the inputs change by themselves, and the inputs
   * as they will be then, with nothing new arriving. Tells when the decision's outcome can change.
   */
  timeline?: { changes: Float64Array; at(moment: Date): FoldedInputs };
}

const windowStart = (moment: Date) => new Date(moment.getTime() - 90 * 86_400_000).toISOString();

/** Reads the customer's 90 days of transactions and survey responses and folds them. */
export async function readDecisionInputs(
  profile: StoredProfile,
  deps: Pick<SegmentationDeps, 'transactions' | 'feedback' | 'model'>,
  now: Date,
): Promise<DecisionInputs> {
  const since = windowStart(now);
  // Both reads at once: one round trip of latency per customer instead of two.
  const [txns, responses] = await Promise.all([
    deps.transactions.listSince(profile.pseudonym, since),
    deps.feedback?.listSince(profile.pseudonym, since),
  ]);
  const folder = transactionFolder(txns, {
    homeCountries: profile.jurisdictions,
    highRiskCountries: deps.model.highRiskCountries,
  });
  const at = (moment: Date): FoldedInputs => {
    // The window of listSince, moved to `moment` (response keys start with submittedAt).
    const from = windowStart(moment);
    return {
      transactions: folder.aggregates(moment),
      ...(responses ? { feedback: feedbackSignals(responses.filter((r) => r.responseKey >= from)) } : {}),
    };
  };
  const changes = inputChanges({
    now,
    transactionTimes: txns.map((t) => t.timestamp),
    responseTimes: (responses ?? []).map((r) => r.submittedAt),
  });
  return {
    ...at(now),
    counterparties90d: folder.counterparties(now),
    changesAt: changes[0] === undefined ? null : new Date(changes[0]).toISOString(),
    timeline: { changes, at },
  };
}

/**
 * The inputs kept with the previous decision, when they are still exact: nothing in them has
 * changed with time (`recheckAt` not reached), the profile's features are the same, and feedback is
 * read alike. Only the high-risk country count depends on the model (its list) and is re-counted
 * from the stored counterparty countries. Used for customers queued by a run because a model
 * changed: anything that arrived since queued the customer on its own, with inputs read afresh.
 */
export function storedDecisionInputs(
  previous: Assignment,
  features: object,
  highRiskCountries: ReadonlySet<string>,
  withFeedback: boolean,
  now: Date,
): DecisionInputs | undefined {
  const { recheckAt, inputs } = previous;
  if (recheckAt === undefined || (recheckAt !== null && recheckAt <= now.toISOString())) return undefined;
  if (withFeedback !== (inputs.feedback !== undefined)) return undefined;
  if (canonicalJson(inputs.profile) !== canonicalJson(features)) return undefined;
  // Decisions stored by an older release may lack an aggregate or the counterparty countries.
  const kept = inputs.transactions;
  if (
    !inputs.counterparties90d ||
    Object.keys(kept).length !== aggregateNames.length ||
    !aggregateNames.every((k) => typeof kept[k] === 'number')
  )
    return undefined;
  return {
    transactions: withHighRiskRecount(
      inputs.transactions as unknown as TransactionAggregates,
      inputs.counterparties90d,
      highRiskCountries,
    ),
    counterparties90d: inputs.counterparties90d,
    ...(inputs.feedback ? { feedback: inputs.feedback as unknown as FeedbackSignals } : {}),
    changesAt: recheckAt,
  };
}
