/**
 * The model document for auditors: one Markdown text per model version, stored and hashed with it.
 *
 * It lists the variables and where they come from, each rule in plain language with its points,
 * reason code and override, the score bands with their policies, the reference lists with their
 * source and as-of date, who approved the version, and what changed since the previous one.
 *
 * Rule conditions are translated from CEL into English for the constructs risk rules are made of
 * (comparisons, `&&`, `||`, `!`, ternaries, `in`, `sets.intersects` / `sets.contains`, `size`,
 * arithmetic, string prefix / suffix / substring tests). A part outside that subset is quoted as
 * CEL in a code span; a condition that cannot be parsed at all is quoted verbatim. The exact CEL
 * expression is always printed beside the translation.
 *
 * Deterministic: the output depends only on the arguments (no clock, no locale, no environment),
 * keys of records are sorted by code unit, and every model-supplied text is escaped, so the same
 * input always gives the same bytes.
 */
import { type ASTNode, type Environment, serialize } from '@marcbachmann/cel-js';
import { createEnvironment } from './cel-environment.js';
import { compareCodeUnits, type DiffFormat, diffModels, summariseDiff } from './diff.js';
import type { MissingPolicy, ModelRule, ModelSegment, ModelVariable, RiskModel } from './model.js';
import { freeIdentifiers } from './validate.js';

export interface ModelDocumentOptions {
  /** The version this one replaces: adds a "Changes since version N" section. */
  previous?: RiskModel;
  /** Who approved (published) this version. */
  approvedBy?: string;
  /** When it was published (ISO 8601), as recorded by the lifecycle. */
  publishedAt?: string;
}

// ---------------------------------------------------------------------------------------------
// Markdown primitives

/** Inline prose: line breaks become spaces; characters with Markdown or HTML meaning are escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>|&~]/g, (c) => `\\${c}`);
}

/** A code span that shows `text` verbatim (any backticks inside included). */
export function codeSpan(text: string, inTable = false): string {
  let t = text.replace(/\r\n|\r|\n/g, ' ');
  // GFM splits table cells on `|` even inside code spans; `\|` is shown as `|` there.
  if (inTable) t = t.replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of t.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad =
    t.startsWith('`') || t.endsWith('`') || (t.length > 1 && t.startsWith(' ') && t.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** Numbers as written for people: digit grouping, no exponent for integers, locale-independent. */
export function formatNumber(value: number | bigint): string {
  if (typeof value === 'bigint') return groupDigits(value.toString());
  if (!Number.isFinite(value)) return String(value);
  if (Object.is(value, -0)) return '0';
  const text = Math.abs(value) < 1e21 && Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (text.includes('e')) return text;
  const [int = '', frac] = text.split('.');
  return frac === undefined ? groupDigits(int) : `${groupDigits(int)}.${frac}`;
}

function groupDigits(int: string): string {
  const negative = int.startsWith('-');
  const digits = negative ? int.slice(1) : int;
  const grouped = digits.length <= 3 ? digits : digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return negative ? `-${grouped}` : grouped;
}

function joinWords(items: readonly string[], last: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

const MARKDOWN_DIFF_FORMAT: DiffFormat = {
  name: (t) => codeSpan(t),
  expr: (t) => codeSpan(t),
  text: (t) => `"${escapeMarkdown(t)}"`,
};

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

class Translator {
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

interface RuleText {
  /** "Fires when …." */
  sentence: string;
  /** Variables with the skip-rules policy the condition reads. */
  skipVariables: string[];
}

function describeRule(
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

// ---------------------------------------------------------------------------------------------
// The document

function missingText(m: MissingPolicy): string {
  return m.policy === 'default'
    ? `use ${codeSpan(JSON.stringify(m.value), true)}`
    : 'skip the rules that use it';
}

function bandText(s: ModelSegment): string {
  return s.maxScore === null
    ? `${formatNumber(s.minScore)} or more`
    : `${formatNumber(s.minScore)} to below ${formatNumber(s.maxScore)}`;
}

function months(n: number): string {
  return n === 1 ? 'every month' : `every ${formatNumber(n)} months`;
}

/** Renders the auditors' Markdown document of `model` (same arguments → same bytes). */
export function renderModelDocument(model: RiskModel, options: ModelDocumentOptions = {}): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  const variables = new Map<string, ModelVariable>();
  for (const v of model.variables) if (!variables.has(v.name)) variables.set(v.name, v);
  const listNames = Object.keys(model.lists).sort(compareCodeUnits);
  const translator = new Translator(variables, new Set(listNames));
  const parser = createEnvironment();

  line(
    `# Risk model ${codeSpan(model.modelId)}, version ${formatNumber(model.version)} (${escapeMarkdown(model.status)})`,
  );
  line();
  line(
    'This document describes one version of a customer risk model: the data it uses, its rules in plain ' +
      'language, the score bands that decide the segment, and the reference lists it relies on. It is ' +
      'generated from the model document and stored with the version.',
  );

  line();
  line('## Metadata');
  line();
  const changeNote = model.metadata.changeNote.trim();
  const publishedAt =
    options.publishedAt ?? (model.status === 'draft' ? 'not published (draft)' : 'not recorded');
  line(`- **Model:** ${codeSpan(model.modelId)}`);
  line(`- **Version:** ${formatNumber(model.version)}`);
  line(`- **Status:** ${escapeMarkdown(model.status)}`);
  line(`- **Author:** ${escapeMarkdown(model.metadata.author)}`);
  line(`- **Change note:** ${changeNote === '' ? 'none' : escapeMarkdown(changeNote)}`);
  line(`- **Created:** ${escapeMarkdown(model.metadata.createdAt)}`);
  line(
    `- **Approved by:** ${options.approvedBy === undefined ? 'not recorded' : escapeMarkdown(options.approvedBy)}`,
  );
  line(`- **Published at:** ${escapeMarkdown(publishedAt)}`);

  line();
  line('## How the segment is decided');
  line();
  line(
    "A customer's score is the sum of the points of the rules that fire. The segment is the score band " +
      'the score falls in. A rule with an override places the customer in at least its override segment ' +
      'when it fires, whatever the score; it never lowers the segment.',
  );

  line();
  line('## Variables');
  line();
  line(
    'The inputs the rules may use, where each is read from, and what happens when a value is missing. ' +
      'Protected variables are declared for documentation only: no rule may use them.',
  );
  line();
  line('| Variable | Type | Source | When missing | Protected | Description |');
  line('| --- | --- | --- | --- | --- | --- |');
  for (const v of model.variables) {
    line(
      `| ${codeSpan(v.name, true)} | ${escapeMarkdown(v.type)} | ${escapeMarkdown(v.source.kind)}: ${codeSpan(v.source.path, true)} | ${missingText(v.missing)} | ${v.protected === true ? 'yes' : 'no'} | ${escapeMarkdown(v.description)} |`,
    );
  }

  line();
  line('## Rules');
  line();
  line(
    `${formatNumber(model.rules.length)} rule${model.rules.length === 1 ? '' : 's'}, in evaluation order.`,
  );
  model.rules.forEach((rule, i) => {
    const { sentence, skipVariables } = describeRule(rule, parser, translator, variables);
    line();
    line(`### ${i + 1}. ${codeSpan(rule.id)}`);
    line();
    line(sentence);
    line();
    line(`- **Points:** ${rule.points >= 0 ? '+' : ''}${formatNumber(rule.points)}`);
    line(`- **Reason code:** ${codeSpan(rule.reasonCode)}`);
    line(`- **Description:** ${escapeMarkdown(rule.description)}`);
    if (rule.overrideSegment !== undefined) {
      line(
        `- **Override:** when it fires, the segment is at least ${codeSpan(rule.overrideSegment)}, whatever the score.`,
      );
    }
    if (skipVariables.length > 0) {
      line(
        `- **Missing data:** the rule does not fire when ${joinWords(
          skipVariables.map((n) => codeSpan(n)),
          'or',
        )} is missing.`,
      );
    }
    line(`- **CEL expression:** ${codeSpan(rule.when)}`);
  });

  line();
  line('## Score bands');
  line();
  line('From least to most severe. Lower bounds are inclusive, upper bounds exclusive.');
  line();
  line('| Segment | Score | Policy | Review |');
  line('| --- | --- | --- | --- |');
  for (const s of model.segments) {
    line(
      `| ${escapeMarkdown(s.name)} | ${bandText(s)} | ${codeSpan(s.policyRef, true)} | ${months(s.reviewIntervalMonths)} |`,
    );
  }

  line();
  line('## Reference lists');
  if (listNames.length === 0) {
    line();
    line('None.');
  }
  for (const name of listNames) {
    const list = model.lists[name];
    if (list === undefined) continue;
    const values = [...new Set(list.values)].sort(compareCodeUnits);
    line();
    line(`### ${codeSpan(name)}`);
    line();
    line(`- **Source:** ${escapeMarkdown(list.source)}`);
    line(`- **As of:** ${escapeMarkdown(list.asOf)}`);
    line(
      `- **Values (${formatNumber(values.length)}, sorted):** ${values.length === 0 ? 'none' : values.map((v) => codeSpan(v)).join(', ')}`,
    );
  }

  const previous = options.previous;
  if (previous !== undefined) {
    const diff = diffModels(previous, model);
    const of = previous.modelId === model.modelId ? '' : ` of ${codeSpan(previous.modelId)}`;
    line();
    line(`## Changes since version ${formatNumber(previous.version)}${of}`);
    line();
    line(`- **Why (change note):** ${changeNote === '' ? 'none given' : escapeMarkdown(changeNote)}`);
    line(
      `- **Approved by:** ${options.approvedBy === undefined ? 'not recorded' : escapeMarkdown(options.approvedBy)}`,
    );
    line();
    const changes = summariseDiff(diff, MARKDOWN_DIFF_FORMAT);
    if (!diff.contentChanged) changes.push('No change to variables, rules, score bands or lists.');
    for (const c of changes) line(`- ${c}`);
  }

  return `${out.join('\n')}\n`;
}
