/**
 * The risk-model document's schema (zod), apart from its types (model.ts): every function that
 * reads a model, a segment's policy or a variable type imports model.ts, and only those that
 * validate a document (the compiler, the default model, the API's schemas) need zod for it.
 */
import { z } from 'zod';
import { CEL_IDENTIFIER, matchesVariableType, type RiskModel } from './model.js';

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const FORBIDDEN_PATH_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'not a calendar date');

const nonEmpty = z.string().min(1);

const listSchema = z.object({ asOf: isoDate, source: nonEmpty, values: z.array(nonEmpty) }).strict();

const missingSchema = z.discriminatedUnion('policy', [
  z
    .object({
      policy: z.literal('default'),
      value: z.union([z.number().finite(), z.string(), z.boolean(), z.array(z.string())]),
    })
    .strict(),
  z.object({ policy: z.literal('skip-rules') }).strict(),
]);

const levels = z
  // `(other)` names the unknown level's column (scoring/features.ts): a level spelt so would clash.
  .array(
    z
      .string()
      .min(1)
      .max(100)
      .refine((l) => l !== '(other)', 'reserved for the unknown level'),
  )
  .min(2)
  .max(100)
  .refine((l) => new Set(l).size === l.length, 'levels must be unique');
const scaleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('numeric') }).strict(),
  z.object({ kind: z.literal('ordinal'), levels }).strict(),
  z.object({ kind: z.literal('categorical'), levels }).strict(),
]);
const scaleFits = (scale: 'numeric' | 'ordinal' | 'categorical', type: string) =>
  scale === 'numeric' ? type === 'number' : type === 'number' || type === 'string';

const variableSchema = z
  .object({
    name: z.string().regex(CEL_IDENTIFIER, 'must be a CEL identifier'),
    type: z.enum(['number', 'string', 'boolean', 'list<string>']),
    description: nonEmpty,
    source: z
      .object({
        kind: z.enum(['profile', 'transactions', 'feedback', 'score']),
        path: z
          .string()
          .regex(PATH, 'expected a dotted path such as flags.pep')
          .refine((p) => !p.split('.').some((s) => FORBIDDEN_PATH_SEGMENTS.has(s)), 'forbidden path segment'),
      })
      .strict(),
    missing: missingSchema,
    protected: z.boolean().optional(),
    scale: scaleSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.scale && !scaleFits(v.scale.kind, v.type)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['scale', 'kind'],
        message:
          v.scale.kind === 'numeric'
            ? 'a numeric scale needs a number variable'
            : `an ${v.scale.kind === 'ordinal' ? 'ordinal' : 'categorical'} scale needs a number or string variable`,
      });
    }
    if (v.missing.policy === 'default' && !matchesVariableType(v.type, v.missing.value)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['missing', 'value'],
        message: `default value does not match variable type ${v.type}`,
      });
    }
  });

const ruleSchema = z
  .object({
    id: nonEmpty,
    when: nonEmpty,
    points: z.number().finite(),
    reasonCode: z.string().regex(UPPER_SNAKE, 'must be UPPER_SNAKE_CASE'),
    description: nonEmpty,
    overrideSegment: nonEmpty.optional(),
  })
  .strict();

const segmentSchema = z
  .object({
    name: nonEmpty,
    minScore: z.number().finite(),
    maxScore: z.number().finite().nullable(),
    policyRef: nonEmpty,
    reviewIntervalMonths: z.number().int().min(1),
    policy: z
      .object({
        monitoring: z.enum(['standard', 'enhanced', 'intensive']),
        enhancedDueDiligence: z.boolean(),
        alertOnEntry: z.boolean(),
        retentionYearsAfterRelationship: z.number().int().min(0).max(30),
        personalDataRoles: z.array(z.enum(['analyst', 'compliance', 'privacy', 'admin'])).min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export const riskModelSchema: z.ZodType<RiskModel, z.ZodTypeDef, unknown> = z
  .object({
    // Addressed in URLs (/v1/risk-models/{modelId}/…): a slug, never free text.
    modelId: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case slug: letters, digits, -'),
    version: z.number().int().min(1),
    status: z.enum(['draft', 'published', 'retired']),
    metadata: z
      .object({ author: nonEmpty, changeNote: z.string(), createdAt: z.string().datetime({ offset: true }) })
      .strict(),
    lists: z.record(
      z
        .string()
        .regex(CEL_IDENTIFIER, 'list names must be CEL identifiers')
        .refine((k) => !FORBIDDEN_PATH_SEGMENTS.has(k), 'reserved list name'),
      listSchema,
    ),
    variables: z.array(variableSchema),
    rules: z.array(ruleSchema),
    segments: z.array(segmentSchema).min(1),
    stability: z
      .object({ downgradeCooldownDays: z.number().int().min(0).max(365) })
      .strict()
      .optional(),
  })
  .strict();
