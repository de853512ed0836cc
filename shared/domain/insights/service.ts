/**
 * The insights API's use cases: each gathers what it needs through ports and hands it to the pure
 * KPI functions. Population-wide figures come from the maintained aggregates (aggregates.ts): a
 * few dozen small items read per request, the same at any population size. Nothing here scans.
 */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { FeedbackCounters, ResponseCounts } from '../feedback/store.js';
import type { Assignment, AssignmentStore } from '../ports.js';
import type { ModelRule, ModelSegment } from '../risk-model/model.js';
import { segmentPolicyOf } from '../risk-model/model.js';
import type { RiskModelStore } from '../risk-model/store.js';
import type { ScoringModelStore } from '../scoring/store.js';
import { toErrorDetails } from '../validation.js';
import {
  type AggregateReader,
  CASES,
  caseCounts,
  incidentCounts,
  incidentsItem,
  readPopulation,
} from './aggregates.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { customerHistory, type RuleTexts } from './history.js';
import {
  captureCurve,
  caseStats,
  caseTotals,
  feedbackPoint,
  feedbackSeries,
  highRiskKpis,
  incidentSeries,
  reasonCodeFrequencies,
  type SegmentInfo,
  segmentCounts,
  totalCounts,
} from './kpis.js';
import { lastMonths, monthOf, previousMonth } from './periods.js';
import type {
  CaptureCurve,
  CaseStats,
  CustomerHistory,
  FeedbackStats,
  Incidents,
  InsightsSummary,
  ModelTimeline,
  SegmentCustomers,
} from './schemas.js';
import { distributionTrend, type SegmentSnapshotStore, snapshotOf } from './snapshot.js';
import type { InsightsReader } from './store.js';
import { modelTimeline } from './timeline.js';

/** The model in force, as far as insights need it. */
export interface ModelView {
  modelId: string;
  version: number;
  segments: readonly ModelSegment[];
  rules: readonly ModelRule[];
}

export interface InsightsDeps {
  reader: InsightsReader;
  aggregates: AggregateReader;
  snapshots: Pick<SegmentSnapshotStore, 'getMany'>;
  feedback: Pick<FeedbackCounters, 'read'>;
  model: () => Promise<ModelView>;
  riskModels: Pick<RiskModelStore, 'list' | 'get'>;
  scoringModels: Pick<ScoringModelStore, 'list' | 'published'>;
  assignments: Pick<AssignmentStore, 'get' | 'getMany'>;
  now?: () => Date;
}

const monthsParam = z.coerce.number().int().min(1).max(36).default(12);
const limitParam = z.coerce.number().int().min(1).max(1000).default(100);
const segmentName = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);

function parseParam<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `Invalid query parameter ${name}`,
      toErrorDetails(parsed.error.issues).map((d) => ({ ...d, path: name })),
    );
  }
  return parsed.data;
}

export const segmentInfoOf = (segments: readonly ModelSegment[]): SegmentInfo[] =>
  segments.map((s) => ({ name: s.name, highRisk: segmentPolicyOf(s).enhancedDueDiligence }));

/** Extra feedback buckets the survey webhook counts besides the model's segments. */
const feedbackBuckets = ['unsegmented', 'unlinked'];

export function insightsService(deps: InsightsDeps) {
  const now = deps.now ?? (() => new Date());
  const population = () => readPopulation(deps.aggregates);
  const cases = async () => caseCounts((await deps.aggregates.read([CASES])).get(CASES));
  // Model versions never change once stored, so their rule texts are cached without expiry.
  const ruleTexts = new Map<string, Promise<ReadonlyMap<string, string> | undefined>>();
  const rulesOf: RuleTexts = async (modelVersion) => {
    const at = modelVersion.lastIndexOf('@');
    const modelId = modelVersion.slice(0, at);
    const version = Number(modelVersion.slice(at + 1));
    if (at <= 0 || !Number.isInteger(version)) return undefined;
    let texts = ruleTexts.get(modelVersion);
    if (!texts) {
      texts = (async () => {
        const active = await deps.model();
        const rules =
          active.modelId === modelId && active.version === version
            ? active.rules
            : (await deps.riskModels.get(modelId, version))?.document.rules;
        return rules ? new Map(rules.map((r) => [r.id, r.description])) : undefined;
      })();
      texts.catch(() => ruleTexts.delete(modelVersion));
      if (ruleTexts.size < 100) ruleTexts.set(modelVersion, texts);
    }
    return texts;
  };

  const readFeedback = async (periods: readonly string[], segments: readonly SegmentInfo[]) => {
    const names = [...segments.map((s) => s.name), ...feedbackBuckets];
    const counts = await Promise.all(periods.map((p) => deps.feedback.read(p, names)));
    return Object.fromEntries(periods.map((p, i) => [p, counts[i] as Record<string, ResponseCounts>]));
  };

  return {
    async summary(query: { months?: unknown }): Promise<InsightsSummary> {
      const months = parseParam(monthsParam, query.months, 'months');
      const at = now();
      const model = await deps.model();
      const segments = segmentInfoOf(model.segments);
      const periods = lastMonths(at, months);
      const current = monthOf(at);
      const feedbackPeriod = previousMonth(current);
      const [counts, allCases, stored, feedback] = await Promise.all([
        population(),
        cases(),
        deps.snapshots.getMany(periods.filter((p) => p !== current)),
        readFeedback([feedbackPeriod], segments),
      ]);
      const kpis = highRiskKpis(counts, segments);
      const lastFeedback = feedbackPoint(totalCounts(feedback[feedbackPeriod] ?? {}));
      return {
        asOf: at.toISOString(),
        model: { modelId: model.modelId, version: model.version },
        segments: segmentCounts(counts, segments),
        trend: distributionTrend(stored, snapshotOf(counts, at, model), periods, segments),
        reasonCodes: reasonCodeFrequencies(counts),
        kpis: {
          ...kpis,
          ...caseTotals(allCases),
          nps: lastFeedback.nps,
          participation: lastFeedback.participation,
          feedbackPeriod,
          highRiskSegments: segments.filter((s) => s.highRisk).map((s) => s.name),
        },
      };
    },

    async captureCurve(): Promise<CaptureCurve> {
      const [model, counts] = await Promise.all([deps.model(), population()]);
      return captureCurve(counts, segmentInfoOf(model.segments));
    },

    async incidents(query: { months?: unknown }): Promise<Incidents> {
      const months = parseParam(monthsParam, query.months, 'months');
      const periods = lastMonths(now(), months);
      const [model, counters] = await Promise.all([
        deps.model(),
        deps.aggregates.read(periods.map(incidentsItem)),
      ]);
      const byPeriod = new Map(periods.map((p) => [p, incidentCounts(counters.get(incidentsItem(p)))]));
      return incidentSeries(byPeriod, segmentInfoOf(model.segments), periods);
    },

    async cases(): Promise<CaseStats> {
      const [model, counts] = await Promise.all([deps.model(), cases()]);
      return caseStats(counts, segmentInfoOf(model.segments));
    },

    async feedback(query: { months?: unknown }): Promise<FeedbackStats> {
      const months = parseParam(monthsParam, query.months, 'months');
      const segments = segmentInfoOf((await deps.model()).segments);
      const periods = lastMonths(now(), months);
      return feedbackSeries(await readFeedback(periods, segments), segments, periods);
    },

    async modelTimeline(): Promise<ModelTimeline> {
      const [risk, scoring, inUse] = await Promise.all([
        deps.riskModels.list(),
        deps.scoringModels.list(),
        deps.scoringModels.published(),
      ]);
      return modelTimeline(risk, scoring, inUse);
    },

    async segmentCustomers(
      segment: string,
      query: { limit?: unknown; cursor?: unknown },
    ): Promise<SegmentCustomers> {
      const name = parseParam(segmentName, segment, 'segment');
      const limit = parseParam(limitParam, query.limit, 'limit');
      const after =
        typeof query.cursor === 'string' && query.cursor !== ''
          ? decodeCursor(query.cursor, name)
          : undefined;
      const model = await deps.model();
      if (!model.segments.some((s) => s.name === name)) {
        throw new NotFoundError('No such segment in the model in force');
      }
      const page = await deps.reader.segmentPage(name, limit, after);
      // The index holds what pages are ordered by; the page's predictions come from its decisions
      // (one batch read of `limit` items, whatever the segment's size).
      const decisions =
        page.items.length > 0
          ? await deps.assignments.getMany(page.items.map((m) => m.pseudonym))
          : new Map<string, Assignment>();
      return {
        segment: name,
        items: page.items.map((m) => {
          const p = decisions.get(m.pseudonym)?.prediction;
          return {
            pseudonym: m.pseudonym,
            score: m.score,
            assignedAt: m.assignedAt,
            reasonCodes: m.reasonCodes,
            prediction: p ? { model: p.model, score: p.score, probability: p.probability } : null,
          };
        }),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      };
    },

    async history(pseudonym: string): Promise<CustomerHistory> {
      const [current, records] = await Promise.all([
        deps.assignments.get(pseudonym),
        deps.reader.subjectRecords(pseudonym),
      ]);
      const result = await customerHistory(pseudonym, current, records, rulesOf);
      if (!result.current && result.history.length === 0) {
        throw new NotFoundError('No segment history for this pseudonym');
      }
      return result;
    },
  };
}

export type InsightsService = ReturnType<typeof insightsService>;
