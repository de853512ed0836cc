import type { CurrentVersions, DecisionFreshness, ModelVersions } from '../ports.js';
import { futureTolerance } from './aggregates.js';

const day = 86_400_000;

/**
 * Every moment a decision's inputs change by themselves, with nothing new arriving, in order: a
 * transaction enters or leaves the 30- or 90-day window, a survey response leaves the 90-day
 * window, a pin expires or a downgrade cooldown ends. Everything that arrives (profiles,
 * transactions, responses, pins) queues the customer itself, so between these moments a
 * re-evaluation can only confirm the stored decision.
 */
export function inputChanges(inputs: {
  now: Date;
  transactionTimes?: readonly string[];
  responseTimes?: readonly string[];
  pinExpiresAt?: string | undefined;
  /** Since when a downgrade has been held, and how long the cooldown lasts. */
  held?: { since: string; cooldownDays: number } | undefined;
}): Float64Array {
  const now = inputs.now.getTime();
  const moments = new Set<number>();
  // A millisecond later: the windows compare with <=, so the change shows just after the boundary.
  const consider = (t: number) => {
    if (t >= now) moments.add(t + 1);
  };
  for (const iso of inputs.transactionTimes ?? []) {
    const t = Date.parse(iso);
    consider(t - futureTolerance);
    consider(t + 30 * day);
    consider(t + 90 * day);
  }
  for (const iso of inputs.responseTimes ?? []) consider(Date.parse(iso) + 90 * day);
  if (inputs.pinExpiresAt) consider(Date.parse(inputs.pinExpiresAt));
  if (inputs.held) consider(Date.parse(inputs.held.since) + inputs.held.cooldownDays * day);
  // Epoch milliseconds, sorted numerically: a decision may look at hundreds of them.
  return Float64Array.from(moments).sort();
}

/** The first of `inputChanges`; null: the inputs never change by themselves. */
export function nextInputChange(inputs: Parameters<typeof inputChanges>[0]): string | null {
  const [first] = inputChanges(inputs);
  return first === undefined ? null : new Date(first).toISOString();
}

/**
 * How many future moments a decision looks at to find the first one that changes its outcome.
 * Past this many, the next one is taken as the recheck: a run then re-evaluates the customer
 * (reading its inputs afresh) and looks further. Bounds the work per decision for customers with
 * thousands of transactions in the window.
 */
export const outcomeLookahead = 256;

/**
 * The first of `moments` (in order) at which the decision's outcome differs from `current`, as
 * `outcomeAt` computes it from the inputs of that moment; null if none does. Where the inputs
 * change but no rule, score or segment does, a re-evaluation would only confirm the decision.
 */
export function firstOutcomeChange(
  moments: ArrayLike<number>,
  current: string,
  outcomeAt: (moment: Date) => string,
  lookahead = outcomeLookahead,
): string | null {
  for (let i = 0; i < moments.length; i++) {
    const moment = new Date(moments[i] as number);
    if (i >= lookahead || outcomeAt(moment) !== current) return moment.toISOString();
  }
  return null;
}

export const versionKey = (m: { modelId: string; version: number }) => `${m.modelId}@${m.version}`;

/** The models in use: a risk model, and the predictive model's scorer if there is one. */
export const modelsInUse = (
  model: { modelId: string; version: number },
  scorer?: { model: string },
): ModelVersions => ({ model: versionKey(model), scoringModel: scorer?.model ?? null });

/** The models that made a stored decision. */
export const decidedBy = (d: DecisionFreshness): ModelVersions => ({
  model: versionKey({ modelId: d.modelId, version: d.modelVersion }),
  scoringModel: d.prediction?.model ?? null,
});

export const sameVersions = (a: ModelVersions, b: ModelVersions): boolean =>
  a.model === b.model && a.scoringModel === b.scoringModel;

/**
 * Whether re-evaluating a customer could change its decision: there is none yet, it was made by
 * another risk or predictive model, or time has reached the moment its outcome can change (`dueAt`).
 */
export function isDue(decision: DecisionFreshness | undefined, current: CurrentVersions): boolean {
  if (!decision) return true;
  if (!sameVersions(decidedBy(decision), current)) return true;
  // Without dueAt (an older release decided), the first input change; without either, due.
  const at = decision.dueAt !== undefined ? decision.dueAt : decision.recheckAt;
  if (at === undefined) return true;
  return at !== null && at <= current.asOf;
}

/** The earlier of two `recheckAt` values (null: never). */
export function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
