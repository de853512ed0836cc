/**
 * Compiled rule evaluation against json-rules-engine running the same model on the same inputs
 * (issue 4: target ≥ 20× faster).
 *
 * The json-rules-engine rule set is derived from the model document, not written by hand: each CEL
 * condition is translated into json-rules-engine conditions (facts = the model's variables, one rule
 * per model rule, the event carrying the rule's points and reason code). Facts are resolved from the
 * same sources with the same missing-value policies; a rule reading a `skip-rules` variable gets a
 * presence guard only when its conditions would not already be false without that fact, i.e. the
 * cheapest faithful translation. `test/unit/json-rules-parity.test.ts` checks that both engines fire
 * the same rules, and `run()` re-checks it on the benchmark inputs before timing anything.
 *
 * Both sides do the whole job per customer: resolve variables, evaluate every rule, sum the points,
 * pick the band and apply overrides.
 */
import { createRequire } from 'node:module';
import type { ASTNode } from '@marcbachmann/cel-js';
import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine';
import {
  compileModel,
  type EvaluationSources,
  loadDefaultModel,
  type RiskModel,
} from '../../shared/domain/risk-model/index.js';
import { analyse } from '../../shared/domain/risk-model/validate.js';
import { type BenchResult, compare, throughput } from './measure.js';
import { syntheticCustomers } from './rules.bench.js';

type Atom = { fact: string; operator: string; value: unknown };
type JsonCondition = Atom | { all: JsonCondition[] } | { any: JsonCondition[] } | { not: JsonCondition };

const COMPARISONS: Record<string, string> = {
  '==': 'equal',
  '!=': 'notEqual',
  '<': 'lessThan',
  '<=': 'lessThanInclusive',
  '>': 'greaterThan',
  '>=': 'greaterThanInclusive',
};
const FLIPPED: Record<string, string> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};
/** Operators that are false when the fact is undefined (json-rules-engine's numeric validators, `===`, indexOf). */
const FALSE_WHEN_UNDEFINED = new Set([
  'equal',
  'in',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'someFact:in',
]);
/** Custom operator for the presence guards. */
const PRESENT = 'present';

class Untranslatable extends Error {}

/** Translates a type-checked CEL condition into json-rules-engine conditions. */
function translate(node: ASTNode, model: RiskModel): JsonCondition {
  const variable = (n: ASTNode): string | undefined =>
    n.op === 'id' && model.variables.some((v) => v.name === n.args) ? n.args : undefined;
  const listValues = (n: ASTNode): string[] | undefined => {
    if (n.op === 'id') return model.lists[n.args]?.values;
    if (n.op === 'list') {
      const values = n.args.map((x) => (x.op === 'value' && typeof x.args === 'string' ? x.args : undefined));
      return values.every((x) => x !== undefined) ? (values as string[]) : undefined;
    }
    return undefined;
  };
  const literal = (n: ASTNode): unknown => {
    if (n.op === 'value') {
      const v = n.args;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    }
    if (n.op === '-_' && n.args.op === 'value') {
      const v = n.args.args;
      if (typeof v === 'bigint' || typeof v === 'number') return -Number(v);
    }
    throw new Untranslatable(`not a literal: ${n.op}`);
  };
  const compare = (op: string, left: ASTNode, right: ASTNode): JsonCondition => {
    let [l, r, o] = [left, right, op];
    if (variable(l) === undefined) [l, r, o] = [right, left, FLIPPED[op] ?? op];
    const fact = variable(l);
    if (fact === undefined) throw new Untranslatable('comparison without a variable');
    if (r.op === '?:') {
      // x > (c ? a : b)  →  any[ all[c, x > a], all[not c, x > b] ]
      const [c, a, b] = r.args;
      const cond = translate(c, model);
      return {
        any: [{ all: [cond, compare(o, l, a)] }, { all: [{ not: cond }, compare(o, l, b)] }],
      };
    }
    const operator = COMPARISONS[o];
    if (operator === undefined) throw new Untranslatable(`operator ${o}`);
    const other = variable(r);
    return { fact, operator, value: other === undefined ? literal(r) : { fact: other } };
  };

  switch (node.op) {
    case 'id': {
      const fact = variable(node);
      if (fact === undefined) break;
      return { fact, operator: 'equal', value: true };
    }
    case '!_':
      return { not: translate(node.args, model) };
    case '&&':
      return { all: [translate(node.args[0], model), translate(node.args[1], model)] };
    case '||':
      return { any: [translate(node.args[0], model), translate(node.args[1], model)] };
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(node.op, node.args[0], node.args[1]);
    case 'in': {
      const fact = variable(node.args[0]);
      const values = listValues(node.args[1]);
      if (fact === undefined || values === undefined) break;
      return { fact, operator: 'in', value: values };
    }
    case 'rcall': {
      const [name, receiver, args] = node.args;
      const [a, b] = args;
      if (name !== 'intersects' || receiver.op !== 'id' || receiver.args !== 'sets') break;
      const fact = a === undefined ? undefined : variable(a);
      const values = b === undefined ? undefined : listValues(b);
      if (fact === undefined || values === undefined) break;
      return { fact, operator: 'someFact:in', value: values };
    }
  }
  throw new Untranslatable(`no json-rules-engine equivalent for '${node.op}'`);
}

/** Flattens nested all/any of the same kind (what a person writing the JSON would do). */
function flatten(c: JsonCondition): JsonCondition {
  if ('all' in c) return { all: c.all.map(flatten).flatMap((x) => ('all' in x ? x.all : [x])) };
  if ('any' in c) return { any: c.any.map(flatten).flatMap((x) => ('any' in x ? x.any : [x])) };
  if ('not' in c) return { not: flatten(c.not) };
  return c;
}

/** Is `c` false whenever `fact` is undefined? Then no presence guard is needed for it. */
function falseWithout(c: JsonCondition, fact: string): boolean {
  if ('all' in c) return c.all.some((x) => falseWithout(x, fact));
  if ('any' in c) return c.any.every((x) => falseWithout(x, fact));
  if ('not' in c) return false;
  return c.fact === fact && FALSE_WHEN_UNDEFINED.has(c.operator);
}

export interface JsonRuleSet {
  rules: RuleProperties[];
  /** Presence guards added, per rule id (empty for the default model). */
  guards: Record<string, string[]>;
  /** Variables the rules read, in model order: the facts of a run. */
  facts: string[];
}

/** The model's rules as json-rules-engine rules. @throws when a condition has no equivalent. */
export function toJsonRules(model: RiskModel): JsonRuleSet {
  const { issues, rules: analysed } = analyse(model);
  if (issues.length > 0) throw new Error(`invalid model: ${issues[0]?.message}`);
  const used = new Set<string>();
  const guards: Record<string, string[]> = {};
  const rules = analysed.map(({ index, parsed, variables }): RuleProperties => {
    const rule = model.rules[index];
    if (rule === undefined) throw new Error(`no rule at ${index}`);
    for (const v of variables) used.add(v);
    const condition = flatten(translate(parsed.ast, model));
    const needed = variables.filter(
      (name) =>
        model.variables.find((v) => v.name === name)?.missing.policy === 'skip-rules' &&
        !falseWithout(condition, name),
    );
    guards[rule.id] = needed;
    const guarded: JsonCondition[] = needed.map((fact) => ({ fact, operator: PRESENT, value: true }));
    const top =
      'all' in condition ? { all: [...guarded, ...condition.all] } : { all: [...guarded, condition] };
    return {
      name: rule.id,
      conditions: top as TopLevelCondition,
      event: { type: rule.id, params: { points: rule.points, reasonCode: rule.reasonCode } },
    };
  });
  const facts = model.variables.map((v) => v.name).filter((n) => used.has(n));
  return { rules, guards, facts };
}

/** Resolves the facts (the model's variables) from the sources, applying the missing-value policies. */
export function factResolver(model: RiskModel, names: readonly string[]) {
  const resolved = model.variables
    .filter((v) => names.includes(v.name))
    .map((v) => ({
      name: v.name,
      kind: v.source.kind,
      path: v.source.path.split('.'),
      fallback: v.missing.policy === 'default' ? v.missing.value : undefined,
    }));
  return (sources: EvaluationSources): Record<string, unknown> => {
    const facts: Record<string, unknown> = {};
    for (const v of resolved) {
      let value: unknown = sources[v.kind];
      for (const key of v.path) {
        value =
          typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      }
      if (value === undefined || value === null) value = v.fallback;
      if (value !== undefined) facts[v.name] = value;
    }
    return facts;
  };
}

export interface JsonRulesAssessment {
  score: number;
  segment: string;
  /** In model order. */
  firedRuleIds: string[];
  overrideBy?: string;
}

/** json-rules-engine evaluating `model`: facts, `engine.run(facts)`, then points, band and override. */
export function createJsonRulesEvaluator(model: RiskModel) {
  const ruleSet = toJsonRules(model);
  const engine = new Engine(ruleSet.rules, { allowUndefinedFacts: true });
  engine.addOperator(PRESENT, (a: unknown) => a !== undefined && a !== null);
  const resolve = factResolver(model, ruleSet.facts);
  const order = new Map(model.rules.map((r, i) => [r.id, i]));
  const segmentIndex = new Map(model.segments.map((s, i) => [s.name, i]));
  const overrides = new Map(
    model.rules.flatMap((r) =>
      r.overrideSegment === undefined ? [] : [[r.id, segmentIndex.get(r.overrideSegment) ?? -1] as const],
    ),
  );
  const mins = model.segments.map((s) => s.minScore);
  const names = model.segments.map((s) => s.name);

  const assess = async (sources: EvaluationSources): Promise<JsonRulesAssessment> => {
    const { events } = await engine.run(resolve(sources));
    const fired = events.map((e) => e.type).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    let score = 0;
    for (const e of events) score += (e.params?.points as number | undefined) ?? 0;
    let band = 0;
    for (let b = mins.length - 1; b > 0; b--) {
      if (score >= (mins[b] as number)) {
        band = b;
        break;
      }
    }
    let ov = -1;
    let by: string | undefined;
    for (const id of fired) {
      const o = overrides.get(id);
      if (o !== undefined && o > ov) {
        ov = o;
        by = id;
      }
    }
    const result: JsonRulesAssessment = {
      score,
      segment: names[Math.max(band, ov)] as string,
      firedRuleIds: fired,
    };
    if (ov > band && by !== undefined) result.overrideBy = by;
    return result;
  };
  return { assess, ruleSet, engine };
}

const JRE_VERSION = (createRequire(import.meta.url)('json-rules-engine/package.json') as { version: string })
  .version;

export async function run(): Promise<BenchResult[]> {
  const customers = syntheticCustomers(20_000);
  const model = loadDefaultModel();
  const compiled = compileModel(model);
  const jre = createJsonRulesEvaluator(model);

  // Honesty check: the two sides must agree on what they are timed on.
  for (const c of customers.slice(0, 2_000)) {
    const a = compiled.evaluate(c);
    const b = await jre.assess(c);
    const ids = a.firedRules.map((f) => f.ruleId).join(',');
    if (ids !== b.firedRuleIds.join(',') || a.score !== b.score || a.segment !== b.segment) {
      throw new Error(`json-rules-engine and riskloop disagree: [${ids}] vs [${b.firedRuleIds.join(',')}]`);
    }
  }

  let sink = 0;
  // json-rules-engine is ~3 orders of magnitude slower: time it on chunks of the same customers.
  const CHUNK = 500;
  let cursor = 0;
  const baseline = await throughput(
    `json-rules-engine ${JRE_VERSION} engine.run(facts)`,
    async () => {
      for (let i = 0; i < CHUNK; i++) {
        const c = customers[cursor] as (typeof customers)[number];
        cursor = cursor + 1 === customers.length ? 0 : cursor + 1;
        sink += (await jre.assess(c)).score;
      }
    },
    CHUNK,
    2000,
  );
  const subject = await throughput(
    'compiled CEL default model',
    () => {
      for (const c of customers) sink += compiled.evaluate(c).score;
    },
    customers.length,
    2000,
  );
  if (sink === Number.NEGATIVE_INFINITY) console.log(sink); // keep the results observable
  const guards = Object.values(jre.ruleSet.guards).flat().length;
  return [
    compare(
      'risk-model evaluate vs json-rules-engine (default AML model, same synthetic customers)',
      baseline,
      subject,
      20,
      `${model.rules.length} rules translated from the CEL model (${guards} presence guards); both sides resolve variables, evaluate all rules, sum points, band and override; customers evaluated one after another (awaited)`,
    ),
  ];
}
