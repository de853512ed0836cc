/**
 * Risk-model document: the versioned, reviewable artefact compliance signs off.
 * A model declares where every input comes from (variables), the reference lists it relies on
 * (with their as-of date and source), the explainable rules, and the score bands (segments).
 */
import { z } from 'zod';

export type RiskModelStatus = 'draft' | 'published' | 'retired';
export type VariableType = 'number' | 'string' | 'boolean' | 'list<string>';
export type VariableValue = number | string | boolean | string[];
export type SourceKind = 'profile' | 'transactions' | 'feedback' | 'score';

export interface ModelList {
  /** Date the list content was last checked against its source (YYYY-MM-DD). */
  asOf: string;
  source: string;
  values: string[];
}

export type MissingPolicy = { policy: 'default'; value: VariableValue } | { policy: 'skip-rules' };

export interface ModelVariable {
  /** CEL identifier used in rule expressions. */
  name: string;
  type: VariableType;
  description: string;
  /** `path` is a dotted path into the source object, e.g. `flags.pep`. */
  source: { kind: SourceKind; path: string };
  /** What to do when the value is absent (undefined or null) in the source. */
  missing: MissingPolicy;
  /** Protected characteristics (age, gender, ...) may be declared for documentation but never used by rules. */
  protected?: boolean;
}

export interface ModelRule {
  id: string;
  /** CEL boolean expression over variables and lists. */
  when: string;
  points: number;
  /** UPPER_SNAKE code surfaced to analysts and in the audit trail. */
  reasonCode: string;
  description: string;
  /** When the rule fires the segment is raised to at least this segment (never lowered). */
  overrideSegment?: string;
}

export interface ModelSegment {
  name: string;
  /** Inclusive lower bound. */
  minScore: number;
  /** Exclusive upper bound; null = open-ended (only the most severe segment). */
  maxScore: number | null;
  policyRef: string;
  /** KYC refresh interval: a customer in this segment is due for review this long after the last one. */
  reviewIntervalMonths: number;
  /** The controls this segment drives; `segmentPolicyOf` fills the defaults when absent. */
  policy?: SegmentPolicy;
}

/**
 * What a segment means for compliance work (issue 6): how closely the customer is monitored,
 * whether enhanced due diligence is required, whether entering the segment raises an alert,
 * how long records are kept after the relationship ends, and who may see the subject's
 * personal data in clear.
 */
export interface SegmentPolicy {
  monitoring: 'standard' | 'enhanced' | 'intensive';
  enhancedDueDiligence: boolean;
  alertOnEntry: boolean;
  /** AML record keeping (e.g. 5 years after the relationship ends, EU AMLD Art. 40). */
  retentionYearsAfterRelationship: number;
  /** Roles allowed to decrypt personal data of customers in this segment. */
  personalDataRoles: PersonalDataRole[];
}

/** Roles that may ever see personal data in clear; `privacy` is the privacy officer. */
export type PersonalDataRole = 'analyst' | 'compliance' | 'privacy' | 'admin';

export const defaultSegmentPolicy: SegmentPolicy = {
  monitoring: 'standard',
  enhancedDueDiligence: false,
  alertOnEntry: false,
  retentionYearsAfterRelationship: 5,
  personalDataRoles: ['compliance', 'privacy'],
};

export function segmentPolicyOf(segment: ModelSegment): SegmentPolicy {
  return segment.policy ?? defaultSegmentPolicy;
}

export interface RiskModel {
  modelId: string;
  version: number;
  status: RiskModelStatus;
  metadata: { author: string; changeNote: string; createdAt: string };
  lists: Record<string, ModelList>;
  variables: ModelVariable[];
  rules: ModelRule[];
  /** Ordered least → most severe. */
  segments: ModelSegment[];
  /** Anti-flapping: a downgrade applies only after the score stayed below the band this many days. */
  stability?: { downgradeCooldownDays: number };
}

/** CEL identifier syntax (reserved words are rejected by the compiler, which knows the CEL environment). */
export const CEL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
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

/** Does `value` match the declared variable type? Shared with the compiler's input checks. */
export function matchesVariableType(type: VariableType, value: unknown): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'list<string>':
      if (!Array.isArray(value)) return false;
      for (const item of value) if (typeof item !== 'string') return false;
      return true;
  }
}

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
  })
  .strict()
  .superRefine((v, ctx) => {
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
