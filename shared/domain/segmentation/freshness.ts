import type { CurrentVersions, DecisionFreshness, ModelVersions } from '../ports.js';
import { futureTolerance } from './aggregates.js';

const day = 86_400_000;

/**
 * When a decision's inputs change by themselves, with nothing new arriving: the earliest moment a
 * transaction enters or leaves the 30- or 90-day window, a survey response leaves the 90-day window,
 * a pin expires or a downgrade cooldown ends. Everything that arrives (profiles, transactions,
 * responses, pins) queues the customer itself, so until then a re-evaluation can only confirm the
 * stored decision. Null: the inputs never change by themselves.
 */
export function nextInputChange(inputs: {
  now: Date;
  transactionTimes?: readonly string[];
  responseTimes?: readonly string[];
  pinExpiresAt?: string | undefined;
  /** Since when a downgrade has been held, and how long the cooldown lasts. */
  held?: { since: string; cooldownDays: number } | undefined;
}): string | null {
  const now = inputs.now.getTime();
  let next = Number.POSITIVE_INFINITY;
  const consider = (t: number) => {
    if (t > now && t < next) next = t;
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
  // A millisecond later: the windows compare with <=, so the change shows just after the boundary.
  return Number.isFinite(next) ? new Date(next + 1).toISOString() : null;
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
 * another risk or predictive model, or its inputs have changed with time since (`recheckAt`).
 */
export function isDue(decision: DecisionFreshness | undefined, current: CurrentVersions): boolean {
  if (!decision) return true;
  if (!sameVersions(decidedBy(decision), current)) return true;
  // Absent: stored before decisions carried it. Null: the inputs never change by themselves.
  if (decision.recheckAt === undefined) return true;
  return decision.recheckAt !== null && decision.recheckAt <= current.asOf;
}

/** The earlier of two `recheckAt` values (null: never). */
export function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
