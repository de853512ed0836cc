/**
 * Request and response schemas of the risk-model routes as the API documents them. The document
 * itself is `riskModelSchema`; a draft sent by a client may leave out what the server owns.
 */
import { z } from 'zod';
import { riskModelSchema } from './schema.js';

const isoDateTime = z.string().datetime({ offset: true });
const modelStatus = z.enum(['draft', 'published', 'retired']);

/** POST /v1/risk-models (and /validate): the server sets version, status and metadata.createdAt. */
export const riskModelDraftSchema = (riskModelSchema as unknown as z.AnyZodObject)
  .extend({
    version: z.number().int().min(0).optional().describe('Ignored: the server numbers versions.'),
    status: modelStatus.optional().describe('Ignored: a new version is a draft.'),
    metadata: z
      .object({ author: z.string().min(1), changeNote: z.string(), createdAt: z.string().optional() })
      .strict(),
  })
  .strict()
  .describe('A risk model document (docs/risk-models.md).');

const versionSummary = z
  .object({
    modelId: z.string(),
    version: z.number().int().min(1),
    status: modelStatus,
    createdBy: z.string(),
    createdAt: isoDateTime,
    publishedBy: z.string().optional(),
    publishedAt: isoDateTime.optional(),
    retiredBy: z.string().optional(),
    retiredAt: isoDateTime.optional(),
  })
  .strict();

export const draftCreatedSchema = versionSummary;

const pointer = z.object({ modelId: z.string(), version: z.number().int().min(1) }).strict();

export const riskModelListSchema = z
  .object({
    published: pointer.nullable(),
    versions: z.array(
      versionSummary.extend({ changeNote: z.string(), documentSha256: z.string().optional() }).strict(),
    ),
  })
  .strict();

export const modelIssueSchema = z
  .object({
    path: z.string(),
    code: z.string(),
    message: z.string(),
    position: z.number().int().optional().describe('Character offset inside a CEL expression.'),
  })
  .strict();

export const modelValidationSchema = z
  .object({ valid: z.boolean(), issues: z.array(modelIssueSchema) })
  .strict();

export const storedModelVersionSchema = versionSummary
  .extend({
    document: riskModelSchema,
    publishedDocument: z.object({ markdown: z.string(), sha256: z.string() }).strict().optional(),
  })
  .strict();

const collectionDiff = z
  .object({
    added: z.array(z.unknown()),
    removed: z.array(z.unknown()),
    changed: z.array(z.unknown()),
  })
  .passthrough();

export const modelDiffSchema = z
  .object({
    from: z.object({ modelId: z.string(), version: z.number().int() }).passthrough(),
    to: z.object({ modelId: z.string(), version: z.number().int() }).passthrough(),
    metadata: z.array(z.object({ field: z.string() }).passthrough()),
    variables: collectionDiff,
    rules: collectionDiff,
    segments: collectionDiff,
    lists: collectionDiff,
    contentChanged: z.boolean(),
    summary: z.array(z.string()).describe('The diff in plain sentences, for reviewers.'),
  })
  .strict();

export const modelPublishedSchema = z
  .object({
    published: pointer.extend({ publishedAt: isoDateTime.optional() }).strict(),
    retired: pointer.nullable(),
    resegmentation: z
      .object({ runId: z.string(), shards: z.number().int().min(1) })
      .strict()
      .nullable()
      .describe(
        'The re-segmentation run under the new version; null if it could not be started (the publication stands, and the next scheduled run re-segments everyone: every decision is due).',
      ),
  })
  .strict();

export const modelRetiredSchema = pointer.extend({ status: modelStatus }).strict();
