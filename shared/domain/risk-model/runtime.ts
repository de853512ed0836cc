/**
 * Evaluation-time types and errors, and the runtime plan both evaluators (the closure/cel-js loop in
 * `interpreter.ts` and the generated function of `codegen.ts`) are built from.
 */
import type { ASTNode, ParseResult } from '@marcbachmann/cel-js';
import { compileFastPath, type FastPathScope, KIND_BY_VARIABLE_TYPE, type Slots } from './fast-path.js';
import type { RiskModel, SourceKind, VariableType, VariableValue } from './model.js';
import type { AnalysedRule } from './validate.js';

/**
 * A rule could not be evaluated for one customer. The message names the rule (and variable, if any)
 * but never contains input values: they may be personal data.
 */
export class RuleEvaluationError extends Error {
  override readonly name = 'RuleEvaluationError';
  constructor(
    readonly ruleId: string,
    readonly code: string,
    readonly variable?: string,
  ) {
    super(
      variable === undefined
        ? `Rule '${ruleId}' could not be evaluated (${code})`
        : `Rule '${ruleId}' could not be evaluated: variable '${variable}' (${code})`,
    );
  }
}

export interface FiredRule {
  ruleId: string;
  points: number;
  reasonCode: string;
}

export interface Assessment {
  modelId: string;
  version: number;
  /** Sum of the points of the fired rules. */
  score: number;
  segment: string;
  /** In model order. Entries are shared, frozen objects: do not mutate. */
  firedRules: FiredRule[];
  /** Set when a fired rule's overrideSegment is more severe than the score band. */
  overrideBy?: string;
  /** Variables used by the rules whose value was absent (defaulted or skipped), in model order. */
  missingVariables: string[];
  listsAsOf: Record<string, string>;
}

export type EvaluationSources = Partial<Record<SourceKind, object | null | undefined>>;

/** Wraps whatever a rule threw: keeps a string `code` (cel-js errors carry one), never the message. */
export function ruleError(ruleId: string, error: unknown): RuleEvaluationError {
  const code = (error as { code?: unknown } | null)?.code;
  return new RuleEvaluationError(ruleId, typeof code === 'string' ? code : 'evaluation_error');
}

export const SOURCE_KINDS = ['profile', 'transactions', 'feedback', 'score'] as const satisfies SourceKind[];
const SOURCE_CODES: Record<SourceKind, number> = { profile: 0, transactions: 1, feedback: 2, score: 3 };
const TYPE_CODES: Record<VariableType, number> = { number: 0, string: 1, boolean: 2, 'list<string>': 3 };

export function isStringList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

export type Getter = (source: Record<string, unknown>) => unknown;

function makeGetter(path: string): Getter {
  const segs = path.split('.');
  const [a = '', b = '', c = ''] = segs;
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  switch (segs.length) {
    case 1:
      return (s) => s[a];
    case 2:
      return (s) => obj(s[a])?.[b];
    case 3:
      return (s) => obj(obj(s[a])?.[b])?.[c];
    default:
      return (s) => {
        let cur: unknown = s;
        for (const seg of segs) {
          const o = obj(cur);
          if (o === undefined) return undefined;
          cur = o[seg];
        }
        return cur;
      };
  }
}

export interface RuntimeVariable {
  name: string;
  /** Index into SOURCE_KINDS. */
  source: number;
  /** 0 number, 1 string, 2 boolean, 3 list<string>. */
  type: number;
  /** The source path, split on dots (validated: no `__proto__`, `prototype` or `constructor`). */
  path: readonly string[];
  get: Getter;
  /** Index into the skip flags, or -1 when the missing policy supplies a default. */
  skipIndex: number;
  defaultValue: VariableValue | undefined;
  /** First rule (model order) that uses the variable: named in type-mismatch errors. */
  firstRuleId: string;
}

export interface RuntimeRule {
  id: string;
  /** The type-checked expression AST. */
  ast: ASTNode;
  fn: ParseResult;
  native: ((slots: Slots) => boolean) | undefined;
  points: number;
  fired: FiredRule;
  /** Skip-flag indices of the skip-rules variables this rule references. */
  skipDeps: number[];
  /** Variable slots of the same skip-rules variables. */
  skipSlots: number[];
  /** Severity index of the override segment, or -1. */
  overrideIndex: number;
}

export interface EvaluationPlan {
  modelId: string;
  version: number;
  /** Variables some rule references, in model order; a variable's slot is its index here. */
  vars: RuntimeVariable[];
  rules: RuntimeRule[];
  skipCount: number;
  segmentNames: string[];
  segmentMins: number[];
  listsAsOf: Record<string, string>;
  /** Variables (slot and kind) and lists (frozen values) as seen by the native compilers. */
  scope: FastPathScope;
}

export const EMPTY: string[] = Object.freeze([]) as unknown as string[];

export function buildPlan(
  model: RiskModel,
  analysed: AnalysedRule[],
  lists: ReadonlyMap<string, readonly string[]>,
  nativeFastPath: boolean,
): EvaluationPlan {
  const segmentIndex = new Map(model.segments.map((s, i) => [s.name, i]));

  // Only variables some rule references are resolved: unused (e.g. protected) inputs are never read.
  const vars: RuntimeVariable[] = [];
  const varIndex = new Map<string, number>();
  let skipCount = 0;
  for (const v of model.variables) {
    const firstRule = analysed.find((r) => r.variables.includes(v.name));
    if (firstRule === undefined) continue;
    varIndex.set(v.name, vars.length);
    vars.push({
      name: v.name,
      source: SOURCE_CODES[v.source.kind],
      type: TYPE_CODES[v.type],
      path: Object.freeze(v.source.path.split('.')),
      get: makeGetter(v.source.path),
      skipIndex: v.missing.policy === 'skip-rules' ? skipCount++ : -1,
      defaultValue:
        v.missing.policy === 'default'
          ? Array.isArray(v.missing.value)
            ? (Object.freeze([...v.missing.value]) as string[])
            : v.missing.value
          : undefined,
      firstRuleId: model.rules[firstRule.index]?.id ?? '',
    });
  }

  const scope: FastPathScope = {
    variable(name: string) {
      const slot = varIndex.get(name);
      const declared = model.variables.find((v) => v.name === name);
      return slot === undefined || declared === undefined
        ? undefined
        : { slot, kind: KIND_BY_VARIABLE_TYPE[declared.type] };
    },
    list: (name: string) => lists.get(name),
  };

  const rules: RuntimeRule[] = analysed.map(({ index, parsed, variables }) => {
    const rule = model.rules[index];
    if (rule === undefined) throw new Error(`internal: rule index ${index} out of range`);
    const skipDeps: number[] = [];
    const skipSlots: number[] = [];
    for (const v of model.variables) {
      const slot = varIndex.get(v.name);
      const rv = vars[slot ?? -1];
      if (slot === undefined || rv === undefined || !variables.includes(v.name) || rv.skipIndex < 0) continue;
      skipDeps.push(rv.skipIndex);
      skipSlots.push(slot);
    }
    return {
      id: rule.id,
      ast: parsed.ast,
      fn: parsed,
      native: nativeFastPath ? compileFastPath(parsed.ast, scope) : undefined,
      points: rule.points,
      fired: Object.freeze({ ruleId: rule.id, points: rule.points, reasonCode: rule.reasonCode }),
      skipDeps,
      skipSlots,
      overrideIndex: rule.overrideSegment === undefined ? -1 : (segmentIndex.get(rule.overrideSegment) ?? -1),
    };
  });

  return {
    modelId: model.modelId,
    version: model.version,
    vars,
    rules,
    skipCount,
    segmentNames: model.segments.map((s) => s.name),
    segmentMins: model.segments.map((s) => s.minScore),
    listsAsOf: Object.freeze(
      Object.fromEntries(Object.entries(model.lists).map(([name, l]) => [name, l.asOf])),
    ),
    scope,
  };
}
