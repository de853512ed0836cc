/**
 * The stored form of a scoring model: parsed back with its arrays checked to line up.
 */
import { z } from 'zod';
import type { ScoringModel } from './logistic.js';

const finite = z.number().finite();
/** Validation figures of a trained model (hold-out AUC and capture rates). */
export const validationMetrics = z
  .object({
    rows: z.number().int(),
    positives: z.number().int(),
    auc: finite,
    captureRates: z.object({ top5: finite, top10: finite, top20: finite }).strict(),
  })
  .strict();

export const scoringModelSchema = z
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
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (m) => [m.means, m.stds, m.weights].every((a) => a.length === m.featureNames.length),
    'means, stds and weights must have one entry per feature',
  );

/** Parses a stored model (e.g. read back from a table) and checks its arrays line up. */
export function parseScoringModel(input: unknown): ScoringModel {
  return scoringModelSchema.parse(input);
}
