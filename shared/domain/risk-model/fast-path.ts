/**
 * Native fast path for type-checked rule expressions.
 *
 * cel-js interprets the AST node by node; for the handful of constructs risk rules are made of
 * (typed variables, literals, comparisons, boolean logic, ternaries, list membership and set
 * intersection) we turn the already-checked AST into plain JS closures over the variable slots.
 *
 * The subset is chosen so that the JS semantics are identical to CEL's for inputs that passed
 * the engine's type checks: no operation in it can raise a CEL error, so CEL's commutative
 * error-absorbing `&&`/`||` coincide with JS short-circuiting. Anything outside the subset
 * (arithmetic, string ordering, functions, macros, out-of-range integers, ...) makes the whole
 * rule fall back to cel-js. Rules are only compiled here after cel-js accepted them (parse and
 * check), and the unit tests compare both paths on synthetic customers.
 *
 * `codegen.ts` emits JS source for exactly this subset (its `RuleEmitter.emit` mirrors `build` case
 * by case): extend both together, or the generated evaluator calls the closure for the new construct.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { containsAll, intersects, memberTest } from './cel-environment.js';

export type Slots = readonly unknown[];
/** CEL int literals are kept apart from doubles: CEL's `==` never mixes them, only ordering does. */
type Kind = 'bool' | 'int' | 'double' | 'string' | 'list';
type Node = { kind: Kind; eval: (slots: Slots) => unknown; constant?: readonly string[] };

export interface FastPathScope {
  /** Slot index and kind of a model variable, or undefined when the identifier is not a variable. */
  variable(name: string): { slot: number; kind: Kind } | undefined;
  /** Values of a model list (a CEL constant), or undefined. */
  list(name: string): readonly string[] | undefined;
}

export const KIND_BY_VARIABLE_TYPE = {
  number: 'double',
  string: 'string',
  boolean: 'bool',
  'list<string>': 'list',
} as const satisfies Record<string, Kind>;

/** Returns a native predicate equivalent to the checked CEL expression, or undefined if outside the subset. */
export function compileFastPath(ast: ASTNode, scope: FastPathScope): ((slots: Slots) => boolean) | undefined {
  const node = build(ast, scope);
  if (node === undefined || node.kind !== 'bool') return undefined;
  const fn = node.eval as (slots: Slots) => boolean;
  return fn;
}

function build(ast: ASTNode, scope: FastPathScope): Node | undefined {
  switch (ast.op) {
    case 'value': {
      const v = ast.args;
      if (typeof v === 'boolean') return constant('bool', v);
      if (typeof v === 'string') return constant('string', v);
      if (typeof v === 'number') return constant('double', v);
      if (typeof v === 'bigint') {
        const n = Number(v);
        return Number.isSafeInteger(n) ? constant('int', n) : undefined;
      }
      return undefined;
    }
    case 'id': {
      const variable = scope.variable(ast.args);
      if (variable !== undefined) {
        const slot = variable.slot;
        return { kind: variable.kind, eval: (s) => s[slot] };
      }
      const list = scope.list(ast.args);
      if (list !== undefined) return { kind: 'list', eval: () => list, constant: list };
      return undefined;
    }
    case '!_': {
      const x = build(ast.args, scope);
      if (x?.kind !== 'bool') return undefined;
      const f = x.eval;
      return { kind: 'bool', eval: (s) => !f(s) };
    }
    case '-_': {
      const x = build(ast.args, scope);
      if (x === undefined || !isNumeric(x.kind)) return undefined;
      const f = x.eval as (s: Slots) => number;
      return { kind: x.kind, eval: (s) => -f(s) };
    }
    case '&&':
    case '||': {
      const l = build(ast.args[0], scope);
      const r = build(ast.args[1], scope);
      if (l?.kind !== 'bool' || r?.kind !== 'bool') return undefined;
      const a = l.eval;
      const b = r.eval;
      return ast.op === '&&'
        ? { kind: 'bool', eval: (s) => a(s) && b(s) }
        : { kind: 'bool', eval: (s) => a(s) || b(s) };
    }
    case '?:': {
      const [c, t, e] = ast.args.map((n) => build(n, scope));
      if (c?.kind !== 'bool' || t === undefined || e === undefined || t.kind !== e.kind) return undefined;
      const cond = c.eval;
      const yes = t.eval;
      const no = e.eval;
      return { kind: t.kind, eval: (s) => (cond(s) ? yes(s) : no(s)) };
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      // Numeric only: CEL orders strings by code point, JS by UTF-16 unit.
      const l = build(ast.args[0], scope);
      const r = build(ast.args[1], scope);
      if (l === undefined || r === undefined || !isNumeric(l.kind) || !isNumeric(r.kind)) return undefined;
      const a = l.eval as (s: Slots) => number;
      const b = r.eval as (s: Slots) => number;
      switch (ast.op) {
        case '<':
          return { kind: 'bool', eval: (s) => a(s) < b(s) };
        case '<=':
          return { kind: 'bool', eval: (s) => a(s) <= b(s) };
        case '>':
          return { kind: 'bool', eval: (s) => a(s) > b(s) };
        default:
          return { kind: 'bool', eval: (s) => a(s) >= b(s) };
      }
    }
    case '==':
    case '!=': {
      const l = build(ast.args[0], scope);
      const r = build(ast.args[1], scope);
      if (l === undefined || r === undefined || l.kind !== r.kind || l.kind === 'list') return undefined;
      const a = l.eval;
      const b = r.eval;
      return ast.op === '=='
        ? { kind: 'bool', eval: (s) => a(s) === b(s) }
        : { kind: 'bool', eval: (s) => a(s) !== b(s) };
    }
    case 'in': {
      const l = build(ast.args[0], scope);
      const r = build(ast.args[1], scope);
      if (l?.kind !== 'string' || r?.kind !== 'list') return undefined;
      const a = l.eval as (s: Slots) => string;
      if (r.constant !== undefined) {
        const has = memberTest(r.constant);
        return { kind: 'bool', eval: (s) => has(a(s)) };
      }
      const b = r.eval as (s: Slots) => readonly string[];
      return { kind: 'bool', eval: (s) => b(s).includes(a(s)) };
    }
    case 'rcall': {
      const [name, receiver, args] = ast.args;
      if (receiver.op !== 'id' || receiver.args !== 'sets' || args.length !== 2) return undefined;
      if (scope.variable('sets') !== undefined || scope.list('sets') !== undefined) return undefined;
      if (name !== 'intersects' && name !== 'contains') return undefined;
      const [l, r] = args.map((n) => build(n, scope));
      if (l?.kind !== 'list' || r?.kind !== 'list') return undefined;
      const a = l.eval as (s: Slots) => readonly string[];
      const b = r.eval as (s: Slots) => readonly string[];
      if (name === 'intersects' && r.constant !== undefined) {
        const has = memberTest(r.constant);
        return {
          kind: 'bool',
          eval: (s) => {
            for (const x of a(s)) if (has(x)) return true;
            return false;
          },
        };
      }
      return name === 'intersects'
        ? { kind: 'bool', eval: (s) => intersects(a(s), b(s)) }
        : { kind: 'bool', eval: (s) => containsAll(a(s), b(s)) };
    }
    default:
      return undefined;
  }
}

function isNumeric(kind: Kind): boolean {
  return kind === 'int' || kind === 'double';
}

function constant(kind: Kind, value: unknown): Node {
  return { kind, eval: () => value };
}
