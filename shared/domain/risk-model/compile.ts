/**
 * Compiles a risk-model document into an explainable evaluator.
 *
 * Every rule expression is parsed and type-checked once against a typed CEL environment
 * (variables with their declared types, lists as constants), so type errors, unknown identifiers
 * and non-boolean rules are compile-time issues rather than surprises in the middle of a batch.
 */
import type { ASTNode, Environment, ParseResult } from '@marcbachmann/cel-js';
import { createEnvironment } from './cel-environment.js';
import { compileFastPath, KIND_BY_VARIABLE_TYPE, type Slots } from './fast-path.js';
import {
  type ModelVariable,
  type RiskModel,
  riskModelSchema,
  type SourceKind,
  type VariableType,
  type VariableValue,
} from './model.js';

export type ModelIssueCode =
  | 'schema'
  | 'invalid_identifier'
  | 'duplicate_variable'
  | 'duplicate_rule_id'
  | 'duplicate_segment'
  | 'name_conflict'
  | 'syntax_error'
  | 'unknown_identifier'
  | 'type_error'
  | 'non_boolean'
  | 'protected_variable'
  | 'unknown_override_segment'
  | 'band_start'
  | 'band_empty'
  | 'band_overlap'
  | 'band_gap';

export interface ModelIssue {
  /** Location in the model document, e.g. `rules[3].when` or `segments[1].minScore`. */
  path: string;
  code: ModelIssueCode;
  message: string;
  /** Character offset inside the CEL expression, for expression issues. */
  position?: number;
}

export class ModelValidationError extends Error {
  override readonly name = 'ModelValidationError';
  constructor(readonly issues: ModelIssue[]) {
    const head = issues
      .slice(0, 5)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    super(`Invalid risk model (${issues.length} issue${issues.length === 1 ? '' : 's'}): ${head}`);
  }
}

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

export interface CompiledModel {
  readonly modelId: string;
  readonly version: number;
  /** The validated model document this was compiled from. */
  readonly model: RiskModel;
  /** Variables each rule references (computed from the expression AST at compile time). */
  readonly ruleDependencies: Readonly<Record<string, readonly string[]>>;
  /** How each rule runs: 'native' (checked AST compiled to JS closures) or 'cel' (cel-js interpreter). */
  readonly ruleExecution: Readonly<Record<string, 'native' | 'cel'>>;
  /** @throws RuleEvaluationError when an input has the wrong type or a rule fails at runtime. */
  evaluate(sources: EvaluationSources): Assessment;
}

const CEL_TYPES: Record<VariableType, string> = {
  number: 'double',
  string: 'string',
  boolean: 'bool',
  'list<string>': 'list<string>',
};

const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** Comprehension macros whose first argument binds an iteration variable for the remaining arguments. */
const COMPREHENSION_MACROS = new Set(['all', 'exists', 'exists_one', 'filter', 'map']);

interface AnalysedRule {
  index: number;
  parsed: ParseResult;
  /** Free identifiers that name model variables, in first-use order. */
  variables: string[];
}

interface Analysis {
  issues: ModelIssue[];
  model?: RiskModel;
  rules: AnalysedRule[];
  /** Frozen list values, as registered in the CEL environment. */
  lists: Map<string, readonly string[]>;
}

/** Collects every issue in `model` (schema, identifiers, expressions, bands) without throwing. */
export function validateModel(model: unknown): ModelIssue[] {
  return analyse(model).issues;
}

export interface CompileOptions {
  /**
   * Run rules made only of typed variables, literals, comparisons, boolean logic, ternaries, list
   * membership and `sets.*` as native closures over the checked AST (default true). Other rules,
   * or all rules when false, are evaluated by the cel-js interpreter.
   */
  nativeFastPath?: boolean;
}

/** Validates and compiles `model`. @throws ModelValidationError listing every issue. */
export function compileModel(model: RiskModel, options: CompileOptions = {}): CompiledModel {
  const { issues, model: parsed, rules, lists } = analyse(model);
  if (issues.length > 0 || parsed === undefined) throw new ModelValidationError(issues);
  return buildEvaluator(parsed, rules, lists, options.nativeFastPath ?? true);
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

function analyse(input: unknown): Analysis {
  const result = riskModelSchema.safeParse(input);
  if (!result.success) {
    return {
      issues: result.error.issues.map((i) => ({
        path: formatPath(i.path),
        code: 'schema',
        message: i.message,
      })),
      rules: [],
      lists: new Map(),
    };
  }
  const model = result.data;
  const issues: ModelIssue[] = [];

  const env = createEnvironment();
  const variables = new Map<string, ModelVariable>();
  const lists = new Map<string, readonly string[]>();
  for (const [name, list] of Object.entries(model.lists)) {
    if (CEL_RESERVED.has(name) || env.hasVariable(name)) {
      issues.push({
        path: `lists.${name}`,
        code: 'invalid_identifier',
        message: `'${name}' is reserved in CEL`,
      });
      continue;
    }
    const values = Object.freeze([...list.values]);
    lists.set(name, values);
    env.registerConstant(name, 'list<string>', values);
  }
  model.variables.forEach((v, i) => {
    const path = `variables[${i}].name`;
    if (variables.has(v.name)) {
      issues.push({ path, code: 'duplicate_variable', message: `variable '${v.name}' is declared twice` });
    } else if (Object.hasOwn(model.lists, v.name)) {
      issues.push({ path, code: 'name_conflict', message: `variable '${v.name}' has the name of a list` });
    } else if (CEL_RESERVED.has(v.name) || env.hasVariable(v.name)) {
      issues.push({ path, code: 'invalid_identifier', message: `'${v.name}' is reserved in CEL` });
    } else {
      variables.set(v.name, v);
      env.registerVariable(v.name, CEL_TYPES[v.type]);
    }
  });

  const ruleIds = new Set<string>();
  const segmentNames = new Set(model.segments.map((s) => s.name));
  const rules: AnalysedRule[] = [];
  model.rules.forEach((rule, index) => {
    if (ruleIds.has(rule.id)) {
      issues.push({
        path: `rules[${index}].id`,
        code: 'duplicate_rule_id',
        message: `rule id '${rule.id}' is used twice`,
      });
    }
    ruleIds.add(rule.id);
    if (rule.overrideSegment !== undefined && !segmentNames.has(rule.overrideSegment)) {
      issues.push({
        path: `rules[${index}].overrideSegment`,
        code: 'unknown_override_segment',
        message: `segment '${rule.overrideSegment}' is not defined`,
      });
    }
    const analysed = analyseExpression(env, rule.when, `rules[${index}].when`, variables, issues);
    if (analysed) rules.push({ index, ...analysed });
  });

  const seen = new Set<string>();
  model.segments.forEach((s, i) => {
    if (seen.has(s.name)) {
      issues.push({
        path: `segments[${i}].name`,
        code: 'duplicate_segment',
        message: `segment '${s.name}' is defined twice`,
      });
    }
    seen.add(s.name);
  });
  checkBands(model, issues);

  return { issues, model, rules, lists };
}

function analyseExpression(
  env: Environment,
  expression: string,
  path: string,
  variables: ReadonlyMap<string, ModelVariable>,
  issues: ModelIssue[],
): Omit<AnalysedRule, 'index'> | undefined {
  let parsed: ParseResult;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    issues.push({ path, code: 'syntax_error', message: celSummary(error), ...celPosition(error) });
    return undefined;
  }

  let ok = true;
  const used: string[] = [];
  for (const ref of freeIdentifiers(parsed.ast)) {
    const variable = variables.get(ref.name);
    if (variable === undefined) continue; // lists, builtins or unknown (the type checker reports unknowns)
    if (variable.protected === true) {
      ok = false;
      issues.push({
        path,
        code: 'protected_variable',
        message: `'${ref.name}' is a protected variable and may not be used by rules`,
        position: ref.position,
      });
    }
    if (!used.includes(ref.name)) used.push(ref.name);
  }

  // check() also primes the AST (checked types), so later evaluations skip runtime type inference.
  const checked = parsed.check();
  if (!checked.valid) {
    const error = checked.error;
    const code = (error as { code?: string } | undefined)?.code;
    issues.push({
      path,
      code: code === 'unknown_variable' ? 'unknown_identifier' : 'type_error',
      message: celSummary(error),
      ...celPosition(error),
    });
    return undefined;
  }
  if (checked.type !== 'bool') {
    issues.push({ path, code: 'non_boolean', message: `expression has type ${checked.type}, expected bool` });
    return undefined;
  }
  return ok ? { parsed, variables: used } : undefined;
}

function celSummary(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as { summary?: unknown }).summary;
    return typeof summary === 'string' ? summary : (error.message.split('\n')[0] ?? error.message);
  }
  return String(error);
}

function celPosition(error: unknown): { position?: number } {
  const e = error as { range?: { start?: unknown }; node?: { pos?: unknown } } | undefined;
  const position = e?.range?.start ?? e?.node?.pos;
  return typeof position === 'number' ? { position } : {};
}

/** Identifiers not bound by a comprehension macro or `cel.bind`, with their offsets. */
function freeIdentifiers(root: ASTNode): { name: string; position: number }[] {
  const out: { name: string; position: number }[] = [];
  const visit = (value: unknown, bound: ReadonlySet<string>): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, bound);
      return;
    }
    if (value === null || typeof value !== 'object' || !('op' in value)) return;
    const node = value as ASTNode;
    switch (node.op) {
      case 'value':
        return;
      case 'id':
        if (!bound.has(node.args)) out.push({ name: node.args, position: node.pos });
        return;
      case '.':
      case '.?':
        visit(node.args[0], bound);
        return;
      case 'rcall': {
        const [name, receiver, args] = node.args;
        const first = args[0];
        const bindsFirst =
          first?.op === 'id' &&
          ((COMPREHENSION_MACROS.has(name) && args.length >= 2) ||
            (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args.length === 3));
        if (!bindsFirst) {
          visit(receiver, bound);
          visit(args, bound);
          return;
        }
        visit(receiver, bound);
        const inner = new Set(bound).add(first.args as string);
        if (name === 'bind') {
          visit(args[1], bound);
          visit(args[2], inner);
        } else {
          visit(args.slice(1), inner);
        }
        return;
      }
      default:
        visit(node.args, bound);
    }
  };
  visit(root, new Set());
  return out;
}

function checkBands(model: RiskModel, issues: ModelIssue[]): void {
  const segments = model.segments;
  const first = segments[0];
  if (first !== undefined && first.minScore !== 0) {
    issues.push({
      path: 'segments[0].minScore',
      code: 'band_start',
      message: `the least severe segment must start at 0 (got ${first.minScore})`,
    });
  }
  segments.forEach((s, i) => {
    if (s.maxScore !== null && s.maxScore <= s.minScore) {
      issues.push({
        path: `segments[${i}].maxScore`,
        code: 'band_empty',
        message: `segment '${s.name}' is empty: maxScore must be greater than minScore`,
      });
    }
    const prev = segments[i - 1];
    if (prev === undefined) return;
    if (prev.maxScore === null) {
      issues.push({
        path: `segments[${i}].minScore`,
        code: 'band_overlap',
        message: `segment '${prev.name}' is open-ended and overlaps '${s.name}'; only the last segment may have maxScore null`,
      });
    } else if (s.minScore < prev.maxScore) {
      issues.push({
        path: `segments[${i}].minScore`,
        code: 'band_overlap',
        message: `segment '${s.name}' starts at ${s.minScore}, inside '${prev.name}' which ends at ${prev.maxScore}`,
      });
    } else if (s.minScore > prev.maxScore) {
      issues.push({
        path: `segments[${i}].minScore`,
        code: 'band_gap',
        message: `scores in [${prev.maxScore}, ${s.minScore}) fall between '${prev.name}' and '${s.name}'`,
      });
    }
  });
  const lastIndex = segments.length - 1;
  const last = segments[lastIndex];
  if (last !== undefined && last.maxScore !== null) {
    issues.push({
      path: `segments[${lastIndex}].maxScore`,
      code: 'band_gap',
      message: `scores from ${last.maxScore} fall in no segment; the most severe segment must be open-ended (null)`,
    });
  }
}

type Getter = (source: Record<string, unknown>) => unknown;

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

const SOURCE_CODES: Record<SourceKind, number> = { profile: 0, transactions: 1, feedback: 2, score: 3 };
const TYPE_CODES: Record<VariableType, number> = { number: 0, string: 1, boolean: 2, 'list<string>': 3 };

function isStringList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

interface RuntimeVariable {
  name: string;
  /** SOURCE_CODES value. */
  source: number;
  /** TYPE_CODES value. */
  type: number;
  get: Getter;
  /** Index into the skip flags, or -1 when the missing policy supplies a default. */
  skipIndex: number;
  defaultValue: VariableValue | undefined;
  /** First rule (model order) that uses the variable: named in type-mismatch errors. */
  firstRuleId: string;
}

interface RuntimeRule {
  id: string;
  fn: ParseResult;
  native: ((slots: Slots) => boolean) | undefined;
  points: number;
  fired: FiredRule;
  /** Skip-flag indices of the skip-rules variables this rule references. */
  skipDeps: number[];
  /** Severity index of the override segment, or -1. */
  overrideIndex: number;
}

/**
 * Per-evaluation scratch space, allocated once. The CEL context exposes each variable as an accessor
 * over `values`: filling an array slot is much cheaper than keyed stores into an object.
 */
interface Frame {
  values: unknown[];
  skipped: Uint8Array;
  context: Record<string, unknown>;
}

const EMPTY: string[] = Object.freeze([]) as unknown as string[];

function buildEvaluator(
  model: RiskModel,
  analysed: AnalysedRule[],
  lists: ReadonlyMap<string, readonly string[]>,
  nativeFastPath: boolean,
): CompiledModel {
  const segmentIndex = new Map(model.segments.map((s, i) => [s.name, i]));
  const segmentNames = model.segments.map((s) => s.name);
  const segmentMins = model.segments.map((s) => s.minScore);

  // Only variables some rule references are resolved: unused (e.g. protected) inputs are never read.
  const runtimeVars: RuntimeVariable[] = [];
  const varIndex = new Map<string, number>();
  let skipCount = 0;
  for (const v of model.variables) {
    const firstRule = analysed.find((r) => r.variables.includes(v.name));
    if (firstRule === undefined) continue;
    varIndex.set(v.name, runtimeVars.length);
    runtimeVars.push({
      name: v.name,
      source: SOURCE_CODES[v.source.kind],
      type: TYPE_CODES[v.type],
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

  const fastPathScope = {
    variable(name: string) {
      const slot = varIndex.get(name);
      const declared = model.variables.find((v) => v.name === name);
      return slot === undefined || declared === undefined
        ? undefined
        : { slot, kind: KIND_BY_VARIABLE_TYPE[declared.type] };
    },
    list: (name: string) => lists.get(name),
  };

  const ruleDependencies: Record<string, readonly string[]> = {};
  const ruleExecution: Record<string, 'native' | 'cel'> = {};
  const runtimeRules: RuntimeRule[] = analysed.map(({ index, parsed, variables }) => {
    const rule = model.rules[index];
    if (rule === undefined) throw new Error(`internal: rule index ${index} out of range`);
    const ordered = model.variables.map((v) => v.name).filter((n) => variables.includes(n));
    ruleDependencies[rule.id] = Object.freeze(ordered);
    const skipDeps: number[] = [];
    for (const name of ordered) {
      const rv = runtimeVars[varIndex.get(name) ?? -1];
      if (rv !== undefined && rv.skipIndex >= 0) skipDeps.push(rv.skipIndex);
    }
    const native = nativeFastPath ? compileFastPath(parsed.ast, fastPathScope) : undefined;
    ruleExecution[rule.id] = native === undefined ? 'cel' : 'native';
    return {
      id: rule.id,
      fn: parsed,
      native,
      points: rule.points,
      fired: Object.freeze({ ruleId: rule.id, points: rule.points, reasonCode: rule.reasonCode }),
      skipDeps,
      overrideIndex: rule.overrideSegment === undefined ? -1 : (segmentIndex.get(rule.overrideSegment) ?? -1),
    };
  });

  const listsAsOf: Record<string, string> = Object.freeze(
    Object.fromEntries(Object.entries(model.lists).map(([name, l]) => [name, l.asOf])),
  );
  const { modelId, version } = model;

  const newFrame = (): Frame => {
    const values: unknown[] = new Array(runtimeVars.length).fill(undefined);
    const context: Record<string, unknown> = {};
    runtimeVars.forEach((v, i) => {
      Object.defineProperty(context, v.name, { get: () => values[i], enumerable: true });
    });
    return { values, skipped: new Uint8Array(skipCount), context };
  };
  const sharedFrame = newFrame();
  let busy = false;

  function evaluate(sources: EvaluationSources): Assessment {
    // Evaluation is synchronous, so one frame suffices; re-entrancy (a source getter calling
    // evaluate) gets a frame of its own.
    if (busy) return run(sources, newFrame());
    busy = true;
    try {
      return run(sources, sharedFrame);
    } finally {
      busy = false;
    }
  }

  function run(sources: EvaluationSources, frame: Frame): Assessment {
    const values = frame.values;
    const skipped = frame.skipped;
    const profile = sources.profile;
    const transactions = sources.transactions;
    const feedback = sources.feedback;
    const score = sources.score;
    let missing: string[] | undefined;
    let anySkipped = false;
    // Every slot is written on every evaluation (skipped ones with undefined), so no value of a
    // previous customer can be read by the rules of this one.
    for (let i = 0; i < runtimeVars.length; i++) {
      const v = runtimeVars[i] as RuntimeVariable;
      const source =
        v.source === 0 ? profile : v.source === 1 ? transactions : v.source === 2 ? feedback : score;
      let value =
        source === undefined || source === null ? undefined : v.get(source as Record<string, unknown>);
      if (value === undefined || value === null) {
        if (missing === undefined) missing = [];
        missing.push(v.name);
        if (v.skipIndex >= 0) {
          skipped[v.skipIndex] = 1;
          anySkipped = true;
          values[i] = undefined;
          continue;
        }
        value = v.defaultValue;
      } else if (
        v.type === 0
          ? typeof value !== 'number' || !Number.isFinite(value)
          : v.type === 1
            ? typeof value !== 'string'
            : v.type === 2
              ? typeof value !== 'boolean'
              : !isStringList(value)
      ) {
        throw new RuleEvaluationError(v.firstRuleId, 'variable_type_mismatch', v.name);
      }
      if (v.skipIndex >= 0) skipped[v.skipIndex] = 0;
      values[i] = value;
    }

    let total = 0;
    let overrideIndex = -1;
    let overrideBy: string | undefined;
    const firedRules: FiredRule[] = [];
    for (let r = 0; r < runtimeRules.length; r++) {
      const rule = runtimeRules[r] as RuntimeRule;
      if (anySkipped && isSkipped(rule.skipDeps, skipped)) continue;
      let result: unknown;
      try {
        result = rule.native !== undefined ? rule.native(values) : rule.fn(frame.context);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        throw new RuleEvaluationError(rule.id, typeof code === 'string' ? code : 'evaluation_error');
      }
      if (result === true) {
        total += rule.points;
        firedRules.push(rule.fired);
        if (rule.overrideIndex > overrideIndex) {
          overrideIndex = rule.overrideIndex;
          overrideBy = rule.id;
        }
      }
    }

    let band = segmentMins.length - 1;
    while (band > 0 && total < (segmentMins[band] as number)) band--;
    const assessment: Assessment = {
      modelId,
      version,
      score: total,
      segment: segmentNames[Math.max(band, overrideIndex)] as string,
      firedRules,
      missingVariables: missing ?? EMPTY,
      listsAsOf,
    };
    if (overrideIndex > band && overrideBy !== undefined) assessment.overrideBy = overrideBy;
    return assessment;
  }

  return Object.freeze({
    modelId,
    version,
    model,
    ruleDependencies: Object.freeze(ruleDependencies),
    ruleExecution: Object.freeze(ruleExecution),
    evaluate,
  });
}

function isSkipped(deps: number[], skipped: Uint8Array): boolean {
  for (const d of deps) if (skipped[d] === 1) return true;
  return false;
}
