/**
 * Response schemas of the segment read, pin and simulation routes. Inputs the model saw are
 * pseudonymised features and aggregates; they stay open objects because a model decides their keys.
 */

import { z } from 'zod';
import { actorRefSchema } from '../actors.js';

const isoDateTime = z.string().datetime({ offset: true });
const counts = z.record(z.number().int().min(0));

const displayValue = z.union([z.number(), z.boolean(), z.string(), z.array(z.string()), z.null()]);

/** A prediction kept with a decision (ports.ts `StoredPrediction`). */
export const storedPredictionSchema = z
  .object({
    model: z.string().describe('`modelId@version` of the predictive model.'),
    probability: z.number(),
    score: z.number(),
    baseline: z.number().optional().describe("Log-odds of the model's baseline."),
    topContributions: z.array(
      z
        .object({
          feature: z.string().describe('The variable.'),
          contribution: z.number().describe('Log-odds it adds to the baseline.'),
          value: displayValue.optional().describe('What the model saw; null when missing.'),
        })
        .strict(),
    ),
    others: z
      .number()
      .optional()
      .describe('Log-odds of the other variables: baseline + contributions + others = log-odds.'),
  })
  .strict();

/** The exact explanation of a prediction (scoring/explain.ts `Explanation`). */
export const predictionExplanationSchema = z
  .object({
    model: z.string(),
    method: z.enum(['coefficients', 'tree-shap']),
    baseline: z.object({ logOdds: z.number(), probability: z.number() }).strict(),
    logOdds: z.number(),
    probability: z.number(),
    score: z.number(),
    contributions: z.array(
      z
        .object({
          feature: z.string(),
          value: displayValue,
          contribution: z.number(),
          probabilityChange: z.number(),
        })
        .strict(),
    ),
  })
  .strict();

const firedRule = z.object({ ruleId: z.string(), points: z.number(), reasonCode: z.string() }).strict();

export const assignmentSchema = z
  .object({
    pseudonym: z.string(),
    segment: z.string().describe('The segment in force (a pin or a downgrade cooldown may hold it).'),
    modelSegment: z.string().describe('What the model decided.'),
    pinned: z
      .object({
        segment: z.string(),
        reasonCode: z
          .string()
          .describe('Why, as a code; the officer’s note is personal data, not shown here.'),
        expiresAt: z.string(),
        pinnedBy: z.string(),
      })
      .strict()
      .optional(),
    downgradePendingSince: z.string().optional(),
    score: z.number(),
    firedRules: z.array(firedRule),
    reasonCodes: z.array(z.string()),
    overrideBy: z.string().optional(),
    missingVariables: z.array(z.string()),
    modelId: z.string(),
    modelVersion: z.number().int(),
    policyRef: z.string(),
    listsAsOf: z.record(z.string()),
    inputDigest: z.string(),
    inputs: z
      .object({
        profile: z.object({}).passthrough(),
        transactions: z.record(z.number()),
        counterparties90d: z.record(z.number()),
        feedback: z.record(z.unknown()).optional(),
      })
      .strict(),
    prediction: storedPredictionSchema.optional(),
    assignedAt: isoDateTime,
    recheckAt: isoDateTime
      .nullable()
      .optional()
      .describe(
        'When the inputs change with time alone (a transaction enters or leaves a window, a pin expires); until then the recorded inputs are exact. Null: never.',
      ),
    dueAt: isoDateTime
      .nullable()
      .optional()
      .describe(
        'When the decision can first change with time alone (a transaction leaving a window stops a rule from firing, a pin expires, a cooldown ends); null: never. Runs over due decisions skip the customer until then.',
      ),
    previousSegment: z.string().nullable(),
    revision: z.number().int(),
  })
  .strict();

/** GET /v1/customers/{pseudonym}/segment: the assignment with each fired rule explained. */
export const segmentViewSchema = assignmentSchema
  .extend({
    explanation: z.array(
      firedRule
        .extend({
          description: z
            .string()
            .nullable()
            .describe('From the running model; null when another model version assigned the segment.'),
        })
        .strict(),
    ),
    predictionExplanation: predictionExplanationSchema
      .nullable()
      .describe(
        "The prediction explained in full by the model that made it: each variable's value and contribution, and the baseline; null without a prediction.",
      ),
  })
  .strict();

export const segmentCountsSchema = z
  .object({
    modelId: z.string(),
    modelVersion: z.number().int(),
    total: z.number().int().min(0),
    segments: z.array(
      z.object({ name: z.string(), policyRef: z.string(), count: z.number().int().min(0) }).strict(),
    ),
  })
  .strict();

export const pinSchema = z
  .object({
    pseudonym: z.string(),
    segment: z.string(),
    reasonCode: z.string(),
    noteHash: z
      .string()
      .optional()
      .describe('SHA-256 of the sealed note, as the audit trail records it (present when a note was given).'),
    expiresAt: isoDateTime,
    pinnedBy: z.string(),
    pinnedAt: isoDateTime,
  })
  .strict();

export const unpinSchema = z.object({ pseudonym: z.string(), pinned: z.literal(false) }).strict();

export const simulationResponseSchema = z
  .object({
    candidate: z.object({ modelId: z.string(), version: z.number().int().min(0) }).strict(),
    population: z.number().int().min(0),
    evaluated: z.number().int().min(0),
    skippedWithoutInputs: z.number().int().min(0),
    evaluatedOnAgedInputs: z
      .number()
      .int()
      .min(0)
      .describe(
        'Customers evaluated on inputs that may have aged since they were recorded: recheckAt has passed (a payment left a window without changing the decision; a pin expiry or cooldown end counts too) or the decision predates recheckAt. Their next re-evaluation, at the latest the weekly full run, records them afresh.',
      ),
    failed: z.number().int().min(0),
    moved: z.number().int().min(0),
    upgraded: z.number().int().min(0),
    downgraded: z.number().int().min(0),
    transitions: z.record(counts).describe('from → to → customers, for customers who would move.'),
    segmentsBefore: counts,
    segmentsAfter: counts,
    drivers: z.array(
      z
        .object({
          reasonCode: z.string(),
          customers: z.number().int().min(0),
          direction: z.enum(['up', 'down']),
        })
        .strict(),
    ),
    sample: z.array(
      z
        .object({
          pseudonym: z.string(),
          from: z.string(),
          to: z.string(),
          scoreBefore: z.number(),
          scoreAfter: z.number(),
        })
        .strict(),
    ),
  })
  .strict();

/** POST /v1/customers/lookup: an external id (sent in the body) resolved to its pseudonym. */
export const lookupResultSchema = z.object({ pseudonym: z.string() }).strict();

export const runStartedSchema = z
  .object({
    runId: z.string(),
    jobId: z.string().describe('The same id: the run is a job, followed and cancelled under /v1/jobs.'),
    shards: z.number().int().min(1).describe('Scan shards queued; shards count their customers.'),
    filter: z
      .object({ olderThanDays: z.number().int().optional(), scope: z.enum(['all', 'due']).optional() })
      .strict(),
    links: z.object({ job: z.string() }).strict(),
  })
  .strict();

export const resegmentationRunSchema = z
  .object({
    runId: z.string(),
    cause: z.enum(['profile', 'transactions', 'schedule', 'manual', 'model', 'feedback']),
    filter: z
      .object({ olderThanDays: z.number().int().optional(), scope: z.enum(['all', 'due']).optional() })
      .strict(),
    status: z
      .enum(['enqueuing', 'enqueued', 'cancelled', 'abandoned'])
      .describe('cancelled: stopped by an operator; abandoned: found silent before finishing.'),
    startedAt: isoDateTime,
    updatedAt: isoDateTime.optional().describe('Last sign of life.'),
    startedBy: actorRefSchema.optional(),
    requestId: z.string().optional(),
    finishedAt: isoDateTime.optional(),
    enqueuedAt: isoDateTime.optional(),
    enqueued: z.number().int().min(0),
    upToDate: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Customers the shards found up to date and did not queue (runs over due decisions).'),
    done: z.number().int().min(0),
    failed: z.number().int().min(0),
    expiresAt: z.number().int().describe('Unix seconds: the run record expires (400 days).'),
    shards: z.number().int().min(1).optional().describe('Scan shards of the fan-out.'),
    shardsReported: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Shards that scanned and added their count to `enqueued`.'),
    finished: z.boolean(),
  })
  .strict();
