/**
 * Model validation: schema, identifiers, CEL expressions and score bands.
 *
 * Every rule expression is parsed and type-checked once against a typed CEL environment
 * (variables with their declared types, lists as constants), so type errors, unknown identifiers
 * and non-boolean rules are compile-time issues rather than surprises in the middle of a batch.
 */
import type { ASTNode, Environment, ParseResult } from '@marcbachmann/cel-js';
import { createEnvironment } from './cel-environment.js';
import type { ModelVariable, RiskModel, VariableType } from './model.js';
import { riskModelSchema } from './schema.js';

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

export interface AnalysedRule {
  index: number;
  parsed: ParseResult;
  /** Free identifiers that name model variables, in first-use order. */
  variables: string[];
}

export interface Analysis {
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

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/** Validates `input` and, when it is a schema-valid model, parses and type-checks every rule. */
export function analyse(input: unknown): Analysis {
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
export function freeIdentifiers(root: ASTNode): { name: string; position: number }[] {
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
