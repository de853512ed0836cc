/**
 * Response schemas of the scoring and discovery routes (the batch of audit outcomes answers with
 * the shared batch outcome, see ingestion/responses.ts).
 */
import { z } from 'zod';
import { validationMetrics } from './schema.js';

const finite = z.number();
const modelStatus = z.enum(['draft', 'published', 'retired']);
const pointer = z.object({ modelId: z.string(), version: z.number().int().min(1) }).strict();

export const scoringModelTrainedSchema = z
  .object({
    modelId: z.string(),
    version: z.number().int().min(1),
    status: modelStatus,
    examples: z.number().int().min(0),
    excluded: z.array(z.string()).describe('Variables never used: protected ones and those asked for.'),
    validation: validationMetrics,
  })
  .strict();

export const scoringModelPublishedSchema = z
  .object({ modelId: z.string(), version: z.number().int().min(1), previous: pointer.nullable() })
  .strict();

export const scoringModelListSchema = z
  .object({
    published: pointer.nullable(),
    versions: z.array(
      z
        .object({
          modelId: z.string(),
          version: z.number().int().min(1),
          trainedBy: z.string(),
          trainedAt: z.string(),
          excluded: z.array(z.string()),
          features: z.number().int().min(0),
          metrics: z.object({}).passthrough().nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const clusterReportSchema = z
  .object({
    customers: z.number().int().min(0),
    excluded: z.array(z.string()),
    k: z.number().int(),
    method: z.enum(['silhouette', 'fixed']),
    silhouette: finite,
    candidates: z.array(z.object({ k: z.number().int() }).passthrough()),
    features: z.array(z.string()),
    clusters: z.array(
      z
        .object({
          cluster: z.number().int(),
          size: z.number().int(),
          share: finite,
          centroid: z.record(finite),
          topFeatures: z.array(z.object({ feature: z.string(), zScore: finite, value: finite }).strict()),
          segmentMix: z.record(z.number().int()),
        })
        .strict(),
    ),
  })
  .strict();
