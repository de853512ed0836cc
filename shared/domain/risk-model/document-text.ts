/**
 * Plain-language rendering for the auditor's document: Markdown escaping, number formatting, and
 * the translation of CEL rule conditions into English (see document.ts for the rules it follows).
 */

import { type ASTNode, type Environment, serialize } from '@marcbachmann/cel-js';
import { codeSpan, escapeMarkdown, formatNumber } from '../markdown.js';
import type { ModelRule, ModelVariable } from './model.js';
import { freeIdentifiers } from './validate.js';

export function joinWords(items: readonly string[], last: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// CEL → English

interface Phrase {
  text: string;
  /**
   * How tightly the phrase binds, for parentheses: 0 conditional, 1 "or", 2 "and", 3 sum,
   * 4 product, 5 negative, 9 atom. Compound operands of "and", "or" and arithmetic are always
   * wrapped; conditionals are wrapped wherever they are not the whole phrase.
   */
  strength: number;
  /** Set when the phrase is the node's CEL quoted as is. */
  untranslated?: true;
}

const atom = (text: string): Phrase => ({ text, strength: 9 });
const wrap = (p: Phrase, min: number): string => (p.strength < min ? `(${p.text})` : p.text);

const VERBS: Record<string, [positive: string, negative: string]> = {
  '==': ['is', 'is not'],
  '!=': ['is not', 'is'],
  '<': ['is less than', 'is not less than'],
  '<=': ['is at most', 'is not at most'],
  '>': ['is greater than', 'is not greater than'],
  '>=': ['is at least', 'is not at least'],
};
const FLIPPED: Record<string, string> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};
const ARITHMETIC: Record<string, [word: string, strength: number]> = {
  '+': ['plus', 3],
  '-': ['minus', 3],
  '*': ['times', 4],
  '/': ['divided by', 4],
  '%': ['modulo', 4],
};
const STRING_TESTS: Record<string, string> = {
  startsWith: 'starts with',
  endsWith: 'ends with',
  contains: 'contains',
};

export class Translator {
  constructor(
    private readonly variables: ReadonlyMap<string, ModelVariable>,
    private readonly lists: ReadonlySet<string>,
  ) {}

  /** Quoted CEL for a part outside the translated subset. */
  private quoted(node: ASTNode): string {
    return codeSpan(serialize(node));
  }

  private isSetsCall(node: ASTNode, name: string): boolean {
    if (node.op !== 'rcall') return false;
    const [fn, receiver, args] = node.args;
    return (
      fn === name &&
      receiver.op === 'id' &&
      receiver.args === 'sets' &&
      args.length === 2 &&
      !this.variables.has('sets') &&
      !this.lists.has('sets')
    );
  }

  /** A boolean expression as a clause ("`x` is at least 3"). */
  clause(node: ASTNode): Phrase {
    switch (node.op) {
      case 'value':
        if (typeof node.args === 'boolean') return atom(node.args ? 'true' : 'false');
        break;
      case 'id':
        return atom(`${this.noun(node).text} is true`);
      case '!_':
        return this.negated(node.args);
      case '&&':
      case '||': {
        const strength = node.op === '&&' ? 2 : 1;
        // Mixed "and" / "or" is always parenthesised: English has no precedence to lean on.
        const parts = this.chain(node, node.op).map((n) => wrap(this.clause(n), 3));
        return { text: parts.join(node.op === '&&' ? ' and ' : ' or '), strength };
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(node.op, node.args[0], node.args[1], false);
      case 'in':
        return atom(`${wrap(this.noun(node.args[0]), 3)} ${this.membership(node.args[1], false)}`);
      case '?:': {
        const [c, t, e] = node.args;
        return {
          text: `if ${wrap(this.clause(c), 1)}, then ${wrap(this.clause(t), 1)}, otherwise ${wrap(this.clause(e), 1)}`,
          strength: 0,
        };
      }
      case 'rcall': {
        const [fn, receiver, args] = node.args;
        const [a, b] = args;
        if (this.isSetsCall(node, 'intersects') && a !== undefined && b !== undefined) {
          return atom(`at least one value of ${wrap(this.noun(a), 3)} ${this.membership(b, false)}`);
        }
        if (this.isSetsCall(node, 'contains') && a !== undefined && b !== undefined) {
          return atom(`${wrap(this.noun(a), 3)} ${this.containsAll(b, false)}`);
        }
        const verb = STRING_TESTS[fn];
        const isSets = receiver.op === 'id' && receiver.args === 'sets';
        if (verb !== undefined && args.length === 1 && a !== undefined && !isSets) {
          return atom(`${wrap(this.noun(receiver), 3)} ${verb} ${wrap(this.noun(a), 3)}`);
        }
        break;
      }
    }
    return { text: `${this.quoted(node)} is true`, strength: 9, untranslated: true };
  }

  /** The clause for `!node`. */
  private negated(node: ASTNode): Phrase {
    switch (node.op) {
      case 'value':
        if (typeof node.args === 'boolean') return atom(node.args ? 'false' : 'true');
        break;
      case 'id':
        return atom(`${this.noun(node).text} is false`);
      case '!_':
        return this.clause(node.args);
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(node.op, node.args[0], node.args[1], true);
      case 'in':
        return atom(`${wrap(this.noun(node.args[0]), 3)} ${this.membership(node.args[1], true)}`);
      case 'rcall': {
        const [a, b] = node.args[2];
        if (this.isSetsCall(node, 'intersects') && a !== undefined && b !== undefined) {
          return atom(`no value of ${wrap(this.noun(a), 3)} ${this.membership(b, false)}`);
        }
        if (this.isSetsCall(node, 'contains') && a !== undefined && b !== undefined) {
          return atom(`${wrap(this.noun(a), 3)} ${this.containsAll(b, true)}`);
        }
        break;
      }
    }
    // As loose as "and": parenthesised inside "and" / "or" so its scope is unambiguous.
    return { text: `it is not the case that ${wrap(this.clause(node), 9)}`, strength: 2 };
  }

  /** Operands of a chain of the same operator, left to right (`a && b && c`). */
  private chain(node: ASTNode, op: '&&' | '||'): ASTNode[] {
    if (node.op !== op) return [node];
    return [...this.chain(node.args[0], op), ...this.chain(node.args[1], op)];
  }

  private comparison(op: string, left: ASTNode, right: ASTNode, negate: boolean): Phrase {
    // `2 <= x` reads better as `x is at least 2`.
    const flip = left.op === 'value' && right.op !== 'value';
    const [l, r, o] = flip ? [right, left, FLIPPED[op] ?? op] : [left, right, op];
    const [positive, negative] = VERBS[o] ?? ['is', 'is not'];
    return atom(`${wrap(this.noun(l), 1)} ${negate ? negative : positive} ${wrap(this.noun(r), 1)}`);
  }

  /** "is in the list `x`", "is one of "a" or "b"", "is one of the values of `v`" (or negated). */
  private membership(list: ASTNode, negate: boolean): string {
    if (list.op === 'id' && this.lists.has(list.args) && !this.variables.has(list.args)) {
      return `${negate ? 'is not' : 'is'} in the list ${codeSpan(list.args)}`;
    }
    if (list.op === 'list') {
      const items = list.args.map((n) => wrap(this.noun(n), 3));
      if (items.length === 0) {
        return negate ? 'is not in an empty list (always true)' : 'is in an empty list (never true)';
      }
      return negate ? `is none of ${joinWords(items, 'or')}` : `is one of ${joinWords(items, 'or')}`;
    }
    return `${negate ? 'is not' : 'is'} one of the values of ${wrap(this.noun(list), 3)}`;
  }

  /** "contains all of "a" and "b"", "contains every value of `v`" (or negated). */
  private containsAll(list: ASTNode, negate: boolean): string {
    const verb = negate ? 'does not contain' : 'contains';
    if (list.op === 'list' && list.args.length > 0) {
      return `${verb} all of ${joinWords(
        list.args.map((n) => wrap(this.noun(n), 3)),
        'and',
      )}`;
    }
    return `${verb} every value of ${wrap(this.noun(list), 3)}`;
  }

  /** A value as a noun phrase ("`volume90d`", "2,000,000", "the number of values in `x`"). */
  noun(node: ASTNode): Phrase {
    switch (node.op) {
      case 'value': {
        const v = node.args;
        if (typeof v === 'number' || typeof v === 'bigint') return atom(formatNumber(v));
        if (typeof v === 'string') return atom(`"${escapeMarkdown(JSON.stringify(v).slice(1, -1))}"`);
        if (typeof v === 'boolean' || v === null) return atom(String(v));
        break;
      }
      case 'id':
        return atom(
          this.lists.has(node.args) && !this.variables.has(node.args)
            ? `the list ${codeSpan(node.args)}`
            : codeSpan(node.args),
        );
      case 'list':
        if (node.args.length === 0) return atom('an empty list');
        return atom(
          `the values ${joinWords(
            node.args.map((n) => wrap(this.noun(n), 3)),
            'and',
          )}`,
        );
      case '-_': {
        const x = node.args;
        if (x.op === 'value' && (typeof x.args === 'number' || typeof x.args === 'bigint')) {
          return atom(formatNumber(-x.args));
        }
        return { text: `minus ${wrap(this.noun(x), 5)}`, strength: 5 };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%': {
        // Nested arithmetic is always parenthesised, for the same reason.
        const [word, strength] = ARITHMETIC[node.op] as [string, number];
        const l = wrap(this.noun(node.args[0]), 5);
        const r = wrap(this.noun(node.args[1]), 5);
        return { text: `${l} ${word} ${r}`, strength };
      }
      case '?:': {
        const [c, t, e] = node.args;
        return {
          text: `${wrap(this.noun(t), 1)} if ${wrap(this.clause(c), 1)}, otherwise ${wrap(this.noun(e), 1)}`,
          strength: 0,
        };
      }
      case 'call': {
        const [fn, args] = node.args;
        const [x] = args;
        if (fn === 'size' && args.length === 1 && x !== undefined) return this.size(x);
        break;
      }
      case 'rcall': {
        const [fn, receiver, args] = node.args;
        if (fn === 'size' && args.length === 0) return this.size(receiver);
        break;
      }
    }
    return atom(this.quoted(node));
  }

  private size(x: ASTNode): Phrase {
    const type = x.op === 'id' ? this.variables.get(x.args)?.type : undefined;
    const what =
      type === 'string' || (x.op === 'value' && typeof x.args === 'string')
        ? 'the length of'
        : 'the number of values in';
    return atom(`${what} ${wrap(this.noun(x), 3)}`);
  }
}

/** Identifiers the expression reads (not those bound by a comprehension or `cel.bind`), in order. */
function freeNames(root: ASTNode): string[] {
  return [...new Set(freeIdentifiers(root).map((i) => i.name))];
}

export interface RuleText {
  /** "Fires when …." */
  sentence: string;
  /** Variables with the skip-rules policy the condition reads. */
  skipVariables: string[];
}

export function describeRule(
  rule: ModelRule,
  parser: Environment,
  translator: Translator,
  variables: ReadonlyMap<string, ModelVariable>,
): RuleText {
  let ast: ASTNode;
  try {
    ast = parser.parse(rule.when).ast;
  } catch {
    return {
      sentence: `Fires when the CEL expression ${codeSpan(rule.when)} is true (not translated: it does not parse).`,
      skipVariables: [],
    };
  }
  const skipVariables = freeNames(ast).filter((n) => variables.get(n)?.missing.policy === 'skip-rules');
  if (ast.op === 'value' && typeof ast.args === 'boolean') {
    return { sentence: ast.args ? 'Fires for every customer.' : 'Never fires.', skipVariables };
  }
  const clause = translator.clause(ast);
  const sentence = clause.untranslated
    ? `Fires when the CEL expression ${codeSpan(rule.when)} is true (no plain-language translation).`
    : clause.strength === 0
      ? `Fires when the following holds: ${clause.text}.`
      : `Fires when ${clause.text}.`;
  return { sentence, skipVariables };
}
