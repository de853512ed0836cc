/**
 * The json-rules-engine benchmark is only honest if both engines decide the same thing: same fired
 * rules (in model order), same score, same segment, same override, on the benchmark's inputs.
 */
import { describe, expect, it } from 'vitest';
import {
  compileModel,
  type EvaluationSources,
  loadDefaultModel,
  type RiskModel,
} from '../../shared/domain/risk-model/index.js';
import { createJsonRulesEvaluator, toJsonRules } from '../bench/json-rules.bench.js';
import { syntheticCustomers } from '../bench/rules.bench.js';

/** Hand-picked inputs at the edges: thresholds, partial transaction data, missing profile fields. */
const EDGE_CASES: EvaluationSources[] = [
  { profile: {} },
  { profile: { customerType: 'corporate', flags: { sanctionsHit: true, pep: true } } },
  { profile: { flags: { pep: true } }, transactions: { volume90d: 150_000 } },
  { profile: {}, transactions: { volume90d: 150_001 } },
  { profile: { customerType: 'corporate' }, transactions: { volume90d: 2_000_000 } },
  { profile: { customerType: 'corporate' }, transactions: { volume90d: 2_000_001 } },
  // count30d > 300 alone fires high-frequency only when volume30d is known (skip-rules policy).
  { profile: {}, transactions: { count30d: 400 } },
  { profile: {}, transactions: { count30d: 400, volume30d: 0 } },
  { profile: {}, transactions: { count30d: 101, volume30d: 50_001 } },
  { profile: {}, transactions: { cashShare90d: 0.5, volume90d: 10_000 } },
  { profile: {}, transactions: { cashShare90d: 0.5 } },
  { profile: { jurisdictions: [] }, transactions: { cryptoShare90d: 0.3, nearThresholdCashCount30d: 3 } },
  { profile: { jurisdictions: ['DE', 'KP'], flags: { priorIncidents: 1, adverseMedia: true } } },
  { profile: { flags: { adverseMedia: null } }, transactions: { highRiskCountryCount90d: 2 } },
];

async function expectSameDecisions(model: RiskModel, inputs: readonly EvaluationSources[]) {
  const compiled = compileModel(model);
  const jre = createJsonRulesEvaluator(model);
  const fired = new Set<string>();
  for (const [i, input] of inputs.entries()) {
    const expected = compiled.evaluate(input);
    const actual = await jre.assess(input);
    const expectedIds = expected.firedRules.map((f) => f.ruleId);
    expect({ i, ids: actual.firedRuleIds }).toEqual({ i, ids: expectedIds });
    expect({ i, score: actual.score, segment: actual.segment, overrideBy: actual.overrideBy }).toEqual({
      i,
      score: expected.score,
      segment: expected.segment,
      overrideBy: expected.overrideBy,
    });
    for (const id of expectedIds) fired.add(id);
  }
  return fired;
}

describe('json-rules-engine translation of the default model', () => {
  const model = loadDefaultModel();

  it('has one rule per model rule, events carrying points and reason codes', () => {
    const { rules, facts, guards } = toJsonRules(model);
    expect(rules.map((r) => r.name)).toEqual(model.rules.map((r) => r.id));
    expect(rules.map((r) => r.event.params)).toEqual(
      model.rules.map((r) => ({ points: r.points, reasonCode: r.reasonCode })),
    );
    // Facts are the variables the rules read (never the protected or unused ones).
    expect(facts).not.toContain('age');
    expect(facts).not.toContain('npsScore');
    expect(facts).toContain('cashShare90d');
    // Only high-frequency can be true without volume30d (count30d > 300), so only it needs a guard.
    expect(Object.entries(guards).filter(([, g]) => g.length > 0)).toEqual([
      ['high-frequency', ['volume30d']],
    ]);
  });

  it('fires the same rules as riskloop on 500 synthetic customers and the edge cases', async () => {
    const fired = await expectSameDecisions(model, [...syntheticCustomers(500), ...EDGE_CASES]);
    // Every rule fires somewhere in the sample, so the parity covers all of them.
    expect([...fired].sort()).toEqual(model.rules.map((r) => r.id).sort());
  });

  it('keeps riskloop semantics for negations over skip-rules variables', async () => {
    const negated = structuredClone(model);
    negated.rules.push(
      {
        id: 'not-crypto',
        when: '!(cryptoShare90d >= 0.3) && !isPep',
        points: 3,
        reasonCode: 'NOT_CRYPTO',
        description: 'Negation over a variable that may be missing.',
      },
      {
        id: 'unusual-type',
        when: "!(customerType in ['individual', 'corporate']) || volume30d != 0.0",
        points: 2,
        reasonCode: 'UNUSUAL_TYPE',
        description: 'Membership and inequality.',
      },
    );
    const { guards } = toJsonRules(negated);
    expect(guards['not-crypto']).toEqual(['cryptoShare90d']);
    expect(guards['unusual-type']).toEqual(['volume30d']);
    const fired = await expectSameDecisions(negated, [...syntheticCustomers(300, 7), ...EDGE_CASES]);
    expect(fired.has('not-crypto')).toBe(true);
    expect(fired.has('unusual-type')).toBe(true);
  });

  it('refuses conditions it has no equivalent for, rather than mistranslating them', () => {
    const model2 = structuredClone(model);
    model2.rules.push({
      id: 'macro',
      when: "jurisdictions.exists(j, j.startsWith('X'))",
      points: 1,
      reasonCode: 'MACRO',
      description: 'd',
    });
    expect(() => toJsonRules(model2)).toThrow(/no json-rules-engine equivalent/);
  });
});
