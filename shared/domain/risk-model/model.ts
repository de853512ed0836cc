/**
 * Risk-model document: the versioned, reviewable artefact compliance signs off.
 * A model declares where every input comes from (variables), the reference lists it relies on
 * (with their as-of date and source), the explainable rules, and the score bands (segments).
 * Its schema is in schema.ts.
 */
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
  /**
   * How predictive models encode the variable (rules read it as its type says). Absent: a number
   * is numeric, a string categorical with the levels seen in training. Codes sent as numbers (an
   * education code 1-4) need `categorical` or `ordinal`, or a model reads them as quantities.
   */
  scale?: VariableScale;
}

/**
 * A variable's scale of measurement. `levels` are the allowed values as text (a number matches its
 * decimal text, so code 2 matches "2"); any other value, and a missing one, is the unknown level.
 * Ordinal levels are in order, lowest first.
 */
export type VariableScale =
  | { kind: 'numeric' }
  | { kind: 'ordinal'; levels: string[] }
  | { kind: 'categorical'; levels: string[] };

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

/** Does `value` match the declared variable type? Shared with the compiler's input checks. */
/**
 * How predictive models read a variable, in words, e.g. `ordinal: low < medium < high`; `-` for
 * sources they never read (feedback, the score itself).
 */
export function scaleText(v: Pick<ModelVariable, 'type' | 'scale' | 'source'>): string {
  if (v.source.kind !== 'profile' && v.source.kind !== 'transactions') return '-';
  const scale = v.scale;
  if (scale?.kind === 'ordinal') return `ordinal: ${scale.levels.join(' < ')}`;
  if (scale?.kind === 'categorical') return `categorical: ${scale.levels.join(', ')}`;
  switch (v.type) {
    case 'number':
      return 'numeric';
    case 'boolean':
      return 'binary';
    case 'string':
      return 'categorical, levels from training';
    case 'list<string>':
      return 'set, levels from training';
  }
}

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
