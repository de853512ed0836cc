/**
 * The stored form of a scoring model: parsed back with its arrays checked to line up.
 */
import { z } from 'zod';
import type { PredictiveModel } from './explain.js';
import { treeProblems } from './tree-model.js';

const finite = z.number().finite();
/** Validation figures of a trained model (hold-out AUC and capture rates). */
export const validationMetrics = z
  .object({
    rows: z.number().int(),
    positives: z.number().int(),
    auc: finite,
    aucInterval: z.object({ lower: finite, upper: finite, level: finite }).strict().optional(),
    brier: finite.optional(),
    captureRates: z.object({ top5: finite, top10: finite, top20: finite }).strict(),
  })
  .strict();

export const logisticModelSchema = z
  .object({
    kind: z.literal('logistic'),
    version: z.number().int().positive().optional(),
    featureNames: z.array(z.string().min(1)).min(1),
    means: z.array(finite),
    stds: z.array(finite.positive()),
    weights: z.array(finite),
    intercept: finite,
    trainedAt: z.string().datetime({ offset: true }).optional(),
    metrics: z
      .object({
        trainingRows: z.number().int(),
        trainingPositives: z.number().int(),
        l2: finite,
        iterations: z.number().int(),
        converged: z.boolean(),
        validation: validationMetrics.optional(),
      })
      // Training figures, cross-validation, calibration, fairness… (assessment.ts) ride along.
      .passthrough()
      .optional(),
  })
  .strict()
  .refine(
    (m) => [m.means, m.stds, m.weights].every((a) => a.length === m.featureNames.length),
    'means, stds and weights must have one entry per feature',
  );

const treeSchema = z
  .object({
    left: z.array(z.number().int()),
    right: z.array(z.number().int()),
    feature: z.array(z.number().int()),
    // ±Infinity cannot be stored as JSON: thresholds are finite, as XGBoost writes them.
    threshold: z.array(finite),
    defaultLeft: z.array(z.boolean()),
    value: z.array(finite),
    cover: z.array(finite),
  })
  .strict();

export const treeModelSchema = z
  .object({
    kind: z.literal('trees'),
    version: z.number().int().positive().optional(),
    featureNames: z.array(z.string().min(1)).min(1),
    baseMargin: finite,
    trees: z.array(treeSchema).max(5000),
    origin: z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('trained'),
          parameters: z.record(z.union([z.number(), z.boolean(), z.string()])),
        })
        .strict(),
      z.object({ kind: z.literal('xgboost'), formatVersion: z.string() }).strict(),
    ]),
    trainedAt: z.string().datetime({ offset: true }).optional(),
    metrics: z.record(z.unknown()).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    m.trees.forEach((tree, i) => {
      const problems = treeProblems(tree, m.featureNames.length);
      if (problems.length > 0)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['trees', i], message: problems[0] as string });
    });
  });

export const scoringModelSchema = z.union([logisticModelSchema, treeModelSchema]);

/** Parses a stored model (e.g. read back from a table) and checks its arrays line up. */
export function parseScoringModel(input: unknown): PredictiveModel {
  return scoringModelSchema.parse(input);
}
