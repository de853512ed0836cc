/**
 * Whole-model code generation: one JavaScript function per compiled model (as ajv does for JSON
 * Schema) resolves the variables, evaluates the rules, sums the points, collects the fired rules and
 * looks up band and override, with no per-rule closure calls or loops over descriptors.
 *
 * Safety argument. Model text (rule expressions, names, ids, paths) is user input, so:
 * - Rule code is emitted only for the AST node kinds whitelisted by the native fast path
 *   (`fast-path.ts`), with the same kind rules, and only for ASTs cel-js has parsed and type-checked.
 *   Anything else is not emitted: the rule is called from the generated function through its
 *   closure or cel-js, exactly as the loop evaluator would.
 * - The only model-derived tokens in the source are literals: strings and finite numbers, written
 *   with JSON.stringify (and U+2028/9 escaped), and `true`/`false`.
 * - Every identifier in the source is either fixed here or made from an index (`v3`, `h0`, `f7`).
 *   Variable and list names, rule ids, reason codes, segment names, the model id and path segments
 *   never appear in it: they live in arrays passed to the factory as data.
 * - Paths are read by keyed access with precomputed segment strings from those arrays (the schema
 *   forbids `__proto__`, `prototype` and `constructor` segments), never by building code from them.
 * - No `with`, no `eval`; `new Function` runs once per compiled model on a source that depends only
 *   on the model's structure and the literals above. `CompiledModel.generatedSource` exposes it.
 * The unit tests compare it with the closures and with cel-js, and check that no model text leaks in.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { containsAll, intersects } from './cel-environment.js';
import { celContext } from './interpreter.js';
import {
  type Assessment,
  EMPTY,
  type EvaluationPlan,
  type EvaluationSources,
  isStringList,
  RuleEvaluationError,
  type RuntimeVariable,
  ruleError,
  SOURCE_KINDS,
} from './runtime.js';

type Kind = 'bool' | 'int' | 'double' | 'string' | 'list';
interface Expr {
  kind: Kind;
  code: string;
  /** Index of the constant list this expression is (membership then uses its Set). */
  list?: number;
  /** Iterates or calls methods on an input array: evaluated under try/catch like a closure. */
  mayThrow?: boolean;
}

export interface GeneratedEvaluator {
  evaluate: (sources: EvaluationSources) => Assessment;
  source: string;
  /** Per plan rule: true when its condition is inlined in the generated code. */
  inlined: boolean[];
}

function anyIn(values: readonly string[], members: ReadonlySet<string>): boolean {
  for (const x of values) if (members.has(x)) return true;
  return false;
}

/** A string literal: JSON is valid JS; U+2028/U+2029 are escaped for readability. */
function str(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** A number literal, or undefined when not finite (then the rule is not generated). */
function num(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Object.is(value, -0)) return '(-0)';
  const text = JSON.stringify(value);
  return value < 0 ? `(${text})` : text;
}

class RuleEmitter {
  /** Constant lists referenced by the generated rules (frozen model lists). */
  readonly lists: (readonly string[])[] = [];

  constructor(private readonly scope: EvaluationPlan['scope']) {}

  private listIndex(values: readonly string[]): number {
    const found = this.lists.indexOf(values);
    if (found >= 0) return found;
    this.lists.push(values);
    return this.lists.length - 1;
  }

  /** Mirrors `fast-path.ts` case by case; undefined means "not generated". */
  emit(ast: ASTNode): Expr | undefined {
    switch (ast.op) {
      case 'value': {
        const v = ast.args;
        if (typeof v === 'boolean') return { kind: 'bool', code: v ? 'true' : 'false' };
        if (typeof v === 'string') return { kind: 'string', code: str(v) };
        if (typeof v === 'number') {
          const code = num(v);
          return code === undefined ? undefined : { kind: 'double', code };
        }
        if (typeof v === 'bigint') {
          const n = Number(v);
          const code = Number.isSafeInteger(n) ? num(n) : undefined;
          return code === undefined ? undefined : { kind: 'int', code };
        }
        return undefined;
      }
      case 'id': {
        const variable = this.scope.variable(ast.args);
        if (variable !== undefined) return { kind: variable.kind, code: `v${variable.slot}` };
        const list = this.scope.list(ast.args);
        if (list === undefined) return undefined;
        const index = this.listIndex(list);
        return { kind: 'list', code: `l${index}`, list: index };
      }
      case '!_': {
        const x = this.emit(ast.args);
        return x?.kind === 'bool' ? { kind: 'bool', code: `(!${x.code})`, mayThrow: x.mayThrow } : undefined;
      }
      case '-_': {
        const x = this.emit(ast.args);
        if (x === undefined || !isNumeric(x.kind)) return undefined;
        return { kind: x.kind, code: `(-${x.code})`, mayThrow: x.mayThrow };
      }
      case '&&':
      case '||': {
        const l = this.emit(ast.args[0]);
        const r = this.emit(ast.args[1]);
        if (l?.kind !== 'bool' || r?.kind !== 'bool') return undefined;
        return { kind: 'bool', code: `(${l.code} ${ast.op} ${r.code})`, mayThrow: l.mayThrow || r.mayThrow };
      }
      case '?:': {
        const [c, t, e] = ast.args.map((n) => this.emit(n));
        if (c?.kind !== 'bool' || t === undefined || e === undefined || t.kind !== e.kind) return undefined;
        const mayThrow = c.mayThrow || t.mayThrow || e.mayThrow;
        return { kind: t.kind, code: `(${c.code} ? ${t.code} : ${e.code})`, mayThrow };
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        // Numeric only: CEL orders strings by code point, JS by UTF-16 unit.
        const l = this.emit(ast.args[0]);
        const r = this.emit(ast.args[1]);
        if (l === undefined || r === undefined || !isNumeric(l.kind) || !isNumeric(r.kind)) return undefined;
        return { kind: 'bool', code: `(${l.code} ${ast.op} ${r.code})`, mayThrow: l.mayThrow || r.mayThrow };
      }
      case '==':
      case '!=': {
        const l = this.emit(ast.args[0]);
        const r = this.emit(ast.args[1]);
        if (l === undefined || r === undefined || l.kind !== r.kind || l.kind === 'list') return undefined;
        const op = ast.op === '==' ? '===' : '!==';
        return { kind: 'bool', code: `(${l.code} ${op} ${r.code})`, mayThrow: l.mayThrow || r.mayThrow };
      }
      case 'in': {
        const l = this.emit(ast.args[0]);
        const r = this.emit(ast.args[1]);
        if (l?.kind !== 'string' || r?.kind !== 'list') return undefined;
        if (r.list !== undefined)
          return { kind: 'bool', code: `h${r.list}.has(${l.code})`, mayThrow: l.mayThrow };
        return { kind: 'bool', code: `${r.code}.includes(${l.code})`, mayThrow: true };
      }
      case 'rcall': {
        const [name, receiver, args] = ast.args;
        if (receiver.op !== 'id' || receiver.args !== 'sets' || args.length !== 2) return undefined;
        if (this.scope.variable('sets') !== undefined || this.scope.list('sets') !== undefined)
          return undefined;
        if (name !== 'intersects' && name !== 'contains') return undefined;
        const [l, r] = args.map((n) => this.emit(n));
        if (l?.kind !== 'list' || r?.kind !== 'list') return undefined;
        if (name === 'intersects' && r.list !== undefined) {
          return { kind: 'bool', code: `anyIn(${l.code}, h${r.list})`, mayThrow: true };
        }
        const fn = name === 'intersects' ? 'intersects' : 'containsAll';
        return { kind: 'bool', code: `${fn}(${l.code}, ${r.code})`, mayThrow: true };
      }
      default:
        return undefined;
    }
  }
}

function isNumeric(kind: Kind): boolean {
  return kind === 'int' || kind === 'double';
}

const TYPE_TESTS = [
  (v: string) => `typeof ${v} !== 'number' || !finiteNumber(${v})`,
  (v: string) => `typeof ${v} !== 'string'`,
  (v: string) => `typeof ${v} !== 'boolean'`,
  (v: string) => `!isStringList(${v})`,
] as const;

/** Emits the reads of every variable path; common prefixes (e.g. `flags.`) are read once. */
class PathEmitter {
  readonly keys: string[] = [];
  readonly lines: string[] = [];
  private readonly prefixes = new Map<string, string>();

  private key(segment: string): string {
    let index = this.keys.indexOf(segment);
    if (index < 0) index = this.keys.push(segment) - 1;
    return `p${index}`;
  }

  /** `obj(...)` of the first `length` segments, as a local (object or undefined). */
  private prefix(v: RuntimeVariable, length: number): string {
    const long = v.path.length >= 4; // the loop evaluator's getter also object-checks the source itself
    const id = `${v.source}|${long}|${v.path.slice(0, length).join('.')}`;
    const known = this.prefixes.get(id);
    if (known !== undefined) return known;
    const read = this.read(v, length - 1); // declares the parent prefixes first
    const name = `o${this.prefixes.size}`;
    this.lines.push(`  let ${name} = ${read};`);
    this.lines.push(`  if (typeof ${name} !== 'object' || ${name} === null) ${name} = undefined;`);
    this.prefixes.set(id, name);
    return name;
  }

  /** Expression reading segment `index` of the path of `v`. */
  read(v: RuntimeVariable, index: number): string {
    const key = this.key(v.path[index] as string);
    if (index > 0) {
      const parent = this.prefix(v, index);
      return `${parent} === undefined ? undefined : ${parent}[${key}]`;
    }
    const s = `s${v.source}`;
    return v.path.length >= 4
      ? `typeof ${s} === 'object' && ${s} !== null ? ${s}[${key}] : undefined`
      : `${s} === undefined || ${s} === null ? undefined : ${s}[${key}]`;
  }
}

export function generateEvaluator(plan: EvaluationPlan, options: { native: boolean }): GeneratedEvaluator {
  const { vars, rules } = plan;
  const emitter = new RuleEmitter(plan.scope);
  const paths = new PathEmitter();
  const body: string[] = [];
  const usedSources = [...new Set(vars.map((v) => v.source))].sort();
  for (const s of usedSources) body.push(`  const s${s} = sources.${SOURCE_KINDS[s]};`);
  body.push('  let missing;');

  // Variables, in model order: read, then missing policy or type check (as the loop evaluator).
  const defaults: unknown[] = [];
  const defaultRefs: number[] = [];
  vars.forEach((v, i) => {
    const read = paths.read(v, v.path.length - 1);
    body.push(...paths.lines.splice(0), `  let v${i} = ${read};`);
    const d = v.defaultValue;
    const literal =
      typeof d === 'string'
        ? str(d)
        : typeof d === 'number'
          ? num(d)
          : typeof d === 'boolean'
            ? `${d}`
            : undefined;
    defaults[i] = d;
    if (v.skipIndex < 0 && literal === undefined) defaultRefs.push(i);
    const onMissing =
      v.skipIndex >= 0 ? `m${i} = true; v${i} = undefined;` : `v${i} = ${literal ?? `d${i}`};`;
    if (v.skipIndex >= 0) body.push(`  let m${i} = false;`);
    body.push(
      `  if (v${i} === undefined || v${i} === null) {`,
      `    if (missing === undefined) missing = [];`,
      `    missing.push(n${i});`,
      `    ${onMissing}`,
      `  } else if (${TYPE_TESTS[v.type as 0 | 1 | 2 | 3](`v${i}`)}) throw typeError(${i});`,
    );
  });

  // Rules, in model order.
  const inlined: boolean[] = [];
  const fallbacks: ((values: unknown[], context: Record<string, unknown>) => unknown)[] = [];
  let celFallback = false;
  const hasOverride = rules.some((r) => r.overrideIndex >= 0);
  body.push('  let score = 0;', '  const fired = [];');
  if (hasOverride) body.push('  let ov = -1;', '  let ob = -1;');
  const ruleLines: string[] = [];
  rules.forEach((rule, k) => {
    const expr = options.native ? emitter.emit(rule.ast) : undefined;
    const generated = expr?.kind === 'bool' ? expr : undefined;
    inlined[k] = generated !== undefined;
    const skip = rule.skipSlots.map((slot) => `!m${slot}`);
    const then = [`score += ${num(rule.points) ?? `pts[${k}]`};`, `fired.push(f${k});`];
    if (rule.overrideIndex >= 0)
      then.push(`if (ov < ${rule.overrideIndex}) { ov = ${rule.overrideIndex}; ob = ${k}; }`);
    const fire = `{ ${then.join(' ')} }`;
    if (generated !== undefined && generated.mayThrow !== true) {
      ruleLines.push(`  if (${[...skip, generated.code].join(' && ')}) ${fire}`);
      return;
    }
    let call = generated?.code;
    if (call === undefined) {
      const native = rule.native;
      const fn = rule.fn;
      if (native === undefined) celFallback = true;
      fallbacks[k] = native !== undefined ? (values) => native(values) : (_, context) => fn(context);
      call = `x${k}(vals, ctx) === true`;
    }
    ruleLines.push(
      `  ${skip.length > 0 ? `if (${skip.join(' && ')}) ` : ''}{`,
      `    let r;`,
      `    try { r = ${call}; } catch (e) { throw ruleError(${k}, e); }`,
      `    if (r) ${fire}`,
      `  }`,
    );
  });
  if (fallbacks.length > 0) {
    body.push(`  const vals = [${vars.map((_, i) => `v${i}`).join(', ')}];`);
    body.push(celFallback ? '  const ctx = celContext(vals);' : '  const ctx = undefined;');
  }
  body.push(...ruleLines);

  // Band (as the loop: the most severe band whose minimum the score reaches, else the first) and override.
  let band = '0';
  plan.segmentMins.forEach((min, b) => {
    if (b > 0) band = `score < ${num(min) ?? `mins[${b}]`} ? ${b > 1 ? `(${band})` : band} : ${b}`;
  });
  body.push(`  const band = ${band};`);
  const segment = hasOverride ? 'segments[ov > band ? ov : band]' : 'segments[band]';
  body.push(
    `  const assessment = { modelId, version, score, segment: ${segment}, firedRules: fired, ` +
      'missingVariables: missing === undefined ? EMPTY : missing, listsAsOf };',
  );
  if (hasOverride) body.push('  if (ov > band) assessment.overrideBy = ids[ob];');
  body.push('  return assessment;');

  const prologue = [
    `'use strict';`,
    'const { P, N, D, F, L, X, ids, pts, mins, segments, modelId, version, listsAsOf, EMPTY } = C;',
    'const { finiteNumber, isStringList, anyIn, intersects, containsAll, celContext, typeError, ruleError } = C;',
    ...paths.keys.map((_, i) => `const p${i} = P[${i}];`),
    ...vars.map((_, i) => `const n${i} = N[${i}];`),
    ...defaultRefs.map((i) => `const d${i} = D[${i}];`),
    ...rules.map((_, k) => `const f${k} = F[${k}];`),
    ...emitter.lists.flatMap((_, i) => [`const l${i} = L[${i}];`, `const h${i} = new Set(l${i});`]),
    ...Object.keys(fallbacks).map((k) => `const x${k} = X[${k}];`),
  ];
  const source = [...prologue, 'return function evaluate(sources) {', ...body, '};', ''].join('\n');

  const constants = {
    P: paths.keys,
    N: vars.map((v) => v.name),
    D: defaults,
    F: rules.map((r) => r.fired),
    L: emitter.lists,
    X: fallbacks,
    ids: rules.map((r) => r.id),
    pts: rules.map((r) => r.points),
    mins: plan.segmentMins,
    segments: plan.segmentNames,
    modelId: plan.modelId,
    version: plan.version,
    listsAsOf: plan.listsAsOf,
    EMPTY,
    finiteNumber: Number.isFinite,
    isStringList,
    anyIn,
    intersects,
    containsAll,
    celContext: (values: unknown[]) => celContext(vars, values),
    typeError: (i: number) => {
      const v = vars[i] as RuntimeVariable;
      return new RuleEvaluationError(v.firstRuleId, 'variable_type_mismatch', v.name);
    },
    ruleError: (k: number, error: unknown) => ruleError(rules[k]?.id ?? '', error),
  };
  // The one `new Function`: its source is built only as argued at the top of this file.
  const factory = new Function('C', source) as (c: typeof constants) => GeneratedEvaluator['evaluate'];
  return { evaluate: factory(Object.freeze(constants)), source, inlined };
}
