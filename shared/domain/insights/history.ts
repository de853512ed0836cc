/**
 * A customer's assignment history from their audit stream: every segment decision (assigned,
 * changed, confirmed) and every pin, oldest first, each explained with the rule texts of the
 * model version that took it. Audit records are the history (assignments keep only the current
 * state), and they carry codes and pseudonyms only.
 */
import { withoutDiscarded } from '../audit.js';
import type { Assignment } from '../ports.js';
import type { CustomerHistory, HistoryEntry, PredictionSummary } from './schemas.js';

/** Rule descriptions of a model version (`<modelId>@<version>`), or undefined when it is unknown. */
export type RuleTexts = (modelVersion: string) => Promise<ReadonlyMap<string, string> | undefined>;

interface Fired {
  ruleId: string;
  points: number;
  reasonCode: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function firedRulesOf(v: unknown): Fired[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((r) =>
    isObject(r) && typeof r.ruleId === 'string'
      ? [{ ruleId: r.ruleId, points: num(r.points) ?? 0, reasonCode: str(r.reasonCode) ?? '' }]
      : [],
  );
}

async function explain(fired: readonly Fired[], modelVersion: string | null, rules: RuleTexts) {
  const texts = modelVersion && fired.length > 0 ? await rules(modelVersion) : undefined;
  return fired.map((r) => ({ ...r, description: texts?.get(r.ruleId) ?? null }));
}

/** The predictive score a decision's record kept (absent before records carried it). */
function predictionOf(v: unknown): PredictionSummary | null {
  if (!isObject(v)) return null;
  const model = str(v.model);
  const score = num(v.score);
  const probability = num(v.probability);
  return model !== null && score !== null && probability !== null ? { model, score, probability } : null;
}

/** One history entry per segment.* audit record; other records of the stream (cases, access) are not assignment history. */
async function entryOf(record: Record<string, unknown>, rules: RuleTexts): Promise<HistoryEntry | undefined> {
  const action = str(record.action);
  if (!action?.startsWith('segment.')) return undefined;
  const details = isObject(record.details) ? record.details : {};
  const before = isObject(details.before) ? details.before : undefined;
  const after = isObject(details.after) ? details.after : undefined;
  const modelVersion = str(record.modelVersion);
  const actor = isObject(record.actor) ? str(record.actor.id) : null;
  const pinning = action === 'segment.pinned' || action === 'segment.unpinned';
  return {
    at: str(record.at) ?? '',
    action,
    segment: pinning ? str(details.segment) : str(after?.segment),
    previousSegment: pinning ? null : str(before?.segment),
    score: pinning ? null : num(after?.score),
    reasonCodes: Array.isArray(record.reasonCodes)
      ? record.reasonCodes.filter((c) => typeof c === 'string')
      : [],
    explanation: await explain(firedRulesOf(details.firedRules), modelVersion, rules),
    modelVersion,
    prediction: predictionOf(details.prediction),
    ...(actor ? { actor } : {}),
  };
}

export async function customerHistory(
  pseudonym: string,
  current: Assignment | undefined,
  records: readonly Record<string, unknown>[],
  rules: RuleTexts,
): Promise<CustomerHistory> {
  const entries = (await Promise.all(withoutDiscarded(records).map((r) => entryOf(r, rules)))).filter(
    (e): e is HistoryEntry => e !== undefined,
  );
  entries.sort((a, b) => a.at.localeCompare(b.at));
  const modelVersion = current ? `${current.modelId}@${current.modelVersion}` : '';
  return {
    pseudonym,
    current: current
      ? {
          segment: current.segment,
          modelSegment: current.modelSegment ?? current.segment,
          score: current.score,
          reasonCodes: current.reasonCodes,
          explanation: await explain(current.firedRules, modelVersion, rules),
          modelVersion,
          prediction: current.prediction
            ? {
                model: current.prediction.model,
                score: current.prediction.score,
                probability: current.prediction.probability,
              }
            : null,
          policyRef: current.policyRef,
          assignedAt: current.assignedAt,
          revision: current.revision,
          // The pin's reason is free text written by an officer: it stays out of reports.
          pinned: current.pinned
            ? { segment: current.pinned.segment, expiresAt: current.pinned.expiresAt }
            : null,
        }
      : null,
    history: entries,
  };
}
