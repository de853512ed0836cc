/**
 * Response schemas of the scoring and discovery routes (the batch of audit outcomes answers with
 * the shared batch outcome, see ingestion/responses.ts).
 */
import { z } from 'zod';
import { validationMetrics } from './schema.js';

const finite = z.number();
const modelStatus = z.enum(['draft', 'published', 'retired']);
const pointer = z.object({ modelId: z.string(), version: z.number().int().min(1) }).strict();

const modelKind = z.enum(['logistic', 'trees']);
const trainedModel = {
  modelId: z.string(),
  version: z.number().int().min(1),
  kind: modelKind,
  status: modelStatus,
  validation: validationMetrics.describe('On the held-out split.'),
  training: validationMetrics
    .optional()
    .describe('The same figures on the training split: far above validation means overfitting.'),
  crossValidation: z
    .object({
      folds: z.number().int(),
      auc: z.number(),
      aucInterval: z.object({ lower: z.number(), upper: z.number(), level: z.number() }).strict(),
      brier: z.number(),
    })
    .strict()
    .optional()
    .describe('k-fold figures over every labelled customer (pooled out-of-fold scores).'),
};

export const scoringModelTrainedSchema = z
  .object({
    ...trainedModel,
    examples: z.number().int().min(0),
    excluded: z.array(z.string()).describe('Variables never used: protected ones and those asked for.'),
    undeclared: z
      .array(z.string())
      .describe('Attributes seen that no risk-model variable declares: not used until declared.'),
    models: z
      .array(z.object(trainedModel).strict())
      .describe('Each model trained (two for `kind: both`); the first also at the top level.'),
    rescoring: z
      .object({ runId: z.string(), shards: z.number().int().min(1) })
      .strict()
      .nullable()
      .optional()
      .describe('With `publish: true`: the run re-scoring everyone (null if it could not start).'),
  })
  .strict();

export const scoringModelImportedSchema = z
  .object({
    modelId: z.string(),
    version: z.number().int().min(1),
    kind: z.literal('trees'),
    status: modelStatus,
    trees: z.number().int().min(1),
    features: z.number().int().min(1),
    duplicate: z.boolean().describe('The same file on the same variables was imported before: that version.'),
    documentSha256: z
      .string()
      .nullable()
      .describe("SHA-256 of the version's document when it was put in use by this import."),
    rescoring: z
      .object({ runId: z.string(), shards: z.number().int().min(1) })
      .strict()
      .nullable(),
  })
  .strict();

export const featureLayoutSchema = z
  .object({
    riskModel: z
      .string()
      .describe('`modelId@version` of the risk model whose declarations lay the columns out.'),
    columns: z.array(z.string()).describe('Column names in order, e.g. `attributes.purpose=car_new`.'),
    variables: z.array(
      z
        .object({
          variable: z.string(),
          encoding: z.enum(['numeric', 'boolean', 'ordinal', 'categorical', 'set']),
          first: z.number().int().min(0),
          count: z.number().int().min(1),
          levels: z.array(z.string()).optional(),
        })
        .strict(),
    ),
    levelsNotDeclared: z
      .array(z.string())
      .describe(
        'Variables a model may read whose levels are learnt in training: declare their levels to import on them.',
      ),
  })
  .strict();

export const scoringModelPublishedSchema = z
  .object({
    modelId: z.string(),
    version: z.number().int().min(1),
    previous: pointer.nullable(),
    documentSha256: z
      .string()
      .describe("SHA-256 of the version's document (GET …/document) as published, also in the audit record."),
    rescoring: z
      .object({ runId: z.string(), shards: z.number().int().min(1) })
      .strict()
      .nullable()
      .describe(
        'The run re-scoring every customer scored by another version (a job under /v1/jobs); null if it could not be started (the next scheduled run covers them).',
      ),
  })
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
          kind: modelKind,
          status: modelStatus,
          publishedAt: z.string().nullable(),
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
