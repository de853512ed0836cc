import { describe, expect, it } from 'vitest';
import {
  type CompileOptions,
  compileModel,
  type EvaluationSources,
  loadDefaultModel,
  type ModelIssue,
  ModelValidationError,
  type RiskModel,
  RuleEvaluationError,
  validateModel,
} from '../../shared/domain/risk-model/index.js';
import { handWrittenAssess, syntheticCustomers } from '../bench/rules.bench.js';

const LISTS_AS_OF = { highRiskCountries: '2025-10-24' };

const quietTransactions = {
  volume30d: 1_200,
  count30d: 14,
  volume90d: 3_900,
  count90d: 41,
  cashShare90d: 0.05,
  cryptoShare90d: 0,
  crossBorderShare90d: 0.1,
  highRiskCountryCount90d: 0,
  nearThresholdCashCount30d: 0,
  maxAmount90d: 450,
};

const cleanFlags = { pep: false, sanctionsHit: false, priorIncidents: 0, adverseMedia: false };

function customer(overrides: {
  profile?: Record<string, unknown>;
  flags?: Record<string, unknown>;
  transactions?: Record<string, unknown>;
}): EvaluationSources {
  return {
    profile: {
      customerType: 'individual',
      jurisdictions: ['DE'],
      attributes: { age: 34 },
      flags: { ...cleanFlags, ...overrides.flags },
      ...overrides.profile,
    },
    transactions: { ...quietTransactions, ...overrides.transactions },
  };
}

/** A deep copy of the default model, edited by `edit`. */
function variant(edit: (m: RiskModel) => void): RiskModel {
  const m = structuredClone(loadDefaultModel());
  edit(m);
  return m;
}

/** Every way a model can be executed; all must agree. */
const EXECUTION_PATHS: [string, CompileOptions][] = [
  ['generated evaluator', {}],
  ['native closures', { codegen: false }],
  ['cel-js interpreter', { nativeFastPath: false }],
  ['generated evaluator calling cel-js', { codegen: true, nativeFastPath: false }],
];

function issuesOf(edit: (m: RiskModel) => void): ModelIssue[] {
  return validateModel(variant(edit));
}

describe('default risk model', () => {
  it('is a valid, published version-1 model that compiles, every rule inlined in the generated evaluator', () => {
    const doc = loadDefaultModel();
    expect(doc).toMatchObject({ modelId: 'aml-default', version: 1, status: 'published' });
    expect(doc.metadata.author).toBe('riskloop');
    expect(doc.lists.highRiskCountries?.values).toHaveLength(23);
    expect(validateModel(doc)).toEqual([]);

    const model = compileModel(doc);
    expect(Object.keys(model.ruleDependencies)).toHaveLength(12);
    expect(model.ruleDependencies['high-volume']).toEqual(['customerType', 'volume90d']);
    expect(model.ruleDependencies['high-risk-jurisdiction']).toEqual(['jurisdictions']);
    expect(Object.values(model.ruleExecution).every((e) => e === 'generated')).toBe(true);
    expect(model.generatedSource).toContain('function evaluate(sources)');
    const closures = compileModel(doc, { codegen: false });
    expect(Object.values(closures.ruleExecution).every((e) => e === 'native')).toBe(true);
    expect(closures.generatedSource).toBeUndefined();
    const interpreted = compileModel(doc, { nativeFastPath: false });
    expect(Object.values(interpreted.ruleExecution).every((e) => e === 'cel')).toBe(true);
    expect(interpreted.generatedSource).toBeUndefined();
    const generatedCel = compileModel(doc, { codegen: true, nativeFastPath: false });
    expect(Object.values(generatedCel.ruleExecution).every((e) => e === 'cel')).toBe(true);
    expect(generatedCel.generatedSource).toBeDefined();
  });

  describe.each(EXECUTION_PATHS)('evaluation (%s)', (_label, options) => {
    const model = compileModel(loadDefaultModel(), options);

    it('scores a low-risk customer 0 with no reasons', () => {
      expect(model.evaluate(customer({}))).toEqual({
        modelId: 'aml-default',
        version: 1,
        score: 0,
        segment: 'low',
        firedRules: [],
        missingVariables: [],
        listsAsOf: LISTS_AS_OF,
      });
    });

    it('explains a high-risk customer with the exact rules that fired', () => {
      const result = model.evaluate(
        customer({
          profile: { jurisdictions: ['FR', 'KE'] },
          flags: { priorIncidents: 2 },
          transactions: { volume90d: 240_000, volume30d: 80_000 },
        }),
      );
      expect(result.firedRules).toEqual([
        { ruleId: 'high-risk-jurisdiction', points: 25, reasonCode: 'HIGH_RISK_JURISDICTION' },
        { ruleId: 'prior-incidents', points: 20, reasonCode: 'PRIOR_INCIDENTS' },
        { ruleId: 'high-volume', points: 15, reasonCode: 'HIGH_VOLUME' },
      ]);
      expect(result.score).toBe(60);
      expect(result.segment).toBe('high');
      expect(result.overrideBy).toBeUndefined();
    });

    it('uses the corporate volume threshold for corporates', () => {
      const sources = customer({
        profile: { customerType: 'corporate' },
        transactions: { volume90d: 240_000 },
      });
      expect(model.evaluate(sources).firedRules.map((r) => r.ruleId)).toEqual(['corporate-customer']);
    });

    it('raises a sanctions hit to critical whatever the score, and names the overriding rule', () => {
      const result = model.evaluate(customer({ flags: { sanctionsHit: true } }));
      expect(result.score).toBe(50); // the score band alone would be 'high'
      expect(result.segment).toBe('critical');
      expect(result.overrideBy).toBe('sanctions-hit');
      expect(result.firedRules).toEqual([
        { ruleId: 'sanctions-hit', points: 50, reasonCode: 'SANCTIONS_HIT' },
      ]);
    });

    it('keeps the most severe override when several fire, whatever the rule order', () => {
      // PEP (override high) listed first; sanctions (override critical) scored low enough to matter
      const reordered = compileModel(
        variant((m) => {
          const sanctions = m.rules.find((r) => r.id === 'sanctions-hit');
          if (!sanctions) return;
          sanctions.points = 10;
          m.rules = [...m.rules.filter((r) => r !== sanctions), sanctions];
        }),
        options,
      );
      const result = reordered.evaluate(customer({ flags: { sanctionsHit: true, pep: true } }));
      expect(result).toMatchObject({ score: 40, segment: 'critical', overrideBy: 'sanctions-hit' });
      // without overrides 40 would be 'medium'; with a score already in the critical band there is no override
      const both = model.evaluate(customer({ flags: { sanctionsHit: true, pep: true } }));
      expect(both).toMatchObject({ score: 80, segment: 'critical' });
      expect(both.overrideBy).toBeUndefined();
    });

    it('never lowers the segment: a PEP with a critical score stays critical', () => {
      const result = model.evaluate(
        customer({
          profile: { jurisdictions: ['IR'] },
          flags: { pep: true, adverseMedia: true },
          transactions: { nearThresholdCashCount30d: 4 },
        }),
      );
      expect(result.score).toBe(30 + 20 + 25 + 35);
      expect(result.segment).toBe('critical');
      expect(result.overrideBy).toBeUndefined();
    });

    it('raises a PEP with a medium score to high', () => {
      const result = model.evaluate(customer({ flags: { pep: true } }));
      expect(result).toMatchObject({ score: 30, segment: 'high', overrideBy: 'pep' });
    });

    it('applies default values for missing profile flags and records them', () => {
      const result = model.evaluate({
        profile: { customerType: 'individual', jurisdictions: ['DE'], attributes: {} },
        transactions: quietTransactions,
      });
      expect(result.missingVariables).toEqual(['isPep', 'sanctionsHit', 'priorIncidents', 'adverseMedia']);
      expect(result.firedRules).toEqual([]);
      expect(result.segment).toBe('low');
    });

    it('skips every rule that needs a missing skip-rules variable, even when combined with defaulted ones', () => {
      const result = model.evaluate({ profile: { jurisdictions: ['VN'], attributes: {} } });
      expect(result.missingVariables).toEqual([
        'customerType',
        'isPep',
        'sanctionsHit',
        'priorIncidents',
        'adverseMedia',
        'volume30d',
        'count30d',
        'volume90d',
        'cashShare90d',
        'cryptoShare90d',
        'highRiskCountryCount90d',
        'nearThresholdCashCount30d',
      ]);
      expect(result.firedRules.map((r) => r.ruleId)).toEqual(['high-risk-jurisdiction']);
    });

    it('rejects an input of the wrong type naming rule and variable, never the value', () => {
      const secret = 'EUR 9,999,999 from account DE89370400440532013000';
      const run = () => model.evaluate(customer({ transactions: { volume90d: secret } }));
      expect(run).toThrow(RuleEvaluationError);
      try {
        run();
      } catch (error) {
        const e = error as RuleEvaluationError;
        expect(e.ruleId).toBe('high-volume');
        expect(e.variable).toBe('volume90d');
        expect(e.code).toBe('variable_type_mismatch');
        expect(e.message).not.toContain('9,999,999');
        expect(e.message).not.toContain('DE89');
      }
    });

    it('rejects a list input with a non-string element, and treats null as missing', () => {
      const run = () => model.evaluate(customer({ profile: { jurisdictions: ['DE', 7] } }));
      expect(run).toThrow(
        expect.objectContaining({
          ruleId: 'high-risk-jurisdiction',
          variable: 'jurisdictions',
          code: 'variable_type_mismatch',
        }),
      );
      const result = model.evaluate(customer({ flags: { pep: null }, transactions: { count30d: null } }));
      expect(result.missingVariables).toEqual(['isPep', 'count30d']);
      expect(result.firedRules).toEqual([]);
    });

    it('returns shared, frozen fired-rule objects and an empty frozen missing list', () => {
      const a = model.evaluate(customer({ flags: { pep: true } }));
      const b = model.evaluate(customer({ flags: { pep: true, adverseMedia: true } }));
      expect(a.firedRules[0]).toBe(b.firedRules[0]);
      expect(Object.isFrozen(a.firedRules[0])).toBe(true);
      expect(Object.isFrozen(a.missingVariables)).toBe(true);
      expect(Object.keys(a)).toEqual([
        'modelId',
        'version',
        'score',
        'segment',
        'firedRules',
        'missingVariables',
        'listsAsOf',
        'overrideBy',
      ]);
    });
  });

  it('distinguishes the two missing policies', () => {
    const rule = {
      id: 'dormant',
      when: 'volume90d < 1',
      points: 30,
      reasonCode: 'DORMANT_ACCOUNT',
      description: 'No activity over 90 days.',
    };
    const noTransactions = { profile: { customerType: 'individual', jurisdictions: [], flags: cleanFlags } };

    const skipping = compileModel(variant((m) => m.rules.push(rule)));
    const skipped = skipping.evaluate(noTransactions);
    expect(skipped.firedRules).toEqual([]);
    expect(skipped.missingVariables).toContain('volume90d');

    const defaulting = compileModel(
      variant((m) => {
        m.rules.push(rule);
        const v = m.variables.find((x) => x.name === 'volume90d');
        if (v) v.missing = { policy: 'default', value: 0 };
      }),
    );
    const defaulted = defaulting.evaluate(noTransactions);
    expect(defaulted.firedRules).toEqual([{ ruleId: 'dormant', points: 30, reasonCode: 'DORMANT_ACCOUNT' }]);
    expect(defaulted.missingVariables).toContain('volume90d');
  });

  it.each([
    ['generated evaluator', {}],
    ['native closures', { codegen: false }],
  ])(
    'wraps runtime CEL errors in a RuleEvaluationError naming the rule, without data (%s)',
    (_label, options) => {
      const model = compileModel(
        variant((m) =>
          m.rules.push({
            id: 'numeric-type',
            when: 'int(customerType) > 2',
            points: 1,
            reasonCode: 'ODD',
            description: 'Fails at runtime for non-numeric strings.',
          }),
        ),
        options,
      );
      expect(model.ruleExecution['numeric-type']).toBe('cel');
      let caught: unknown;
      try {
        model.evaluate(customer({ profile: { customerType: 'individual' } }));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RuleEvaluationError);
      expect((caught as RuleEvaluationError).ruleId).toBe('numeric-type');
      expect((caught as Error).message).toContain("'numeric-type'");
      expect((caught as Error).message).not.toContain('individual');
    },
  );
});

describe('model validation', () => {
  const ruleIndex = (m: RiskModel, id: string) => m.rules.findIndex((r) => r.id === id);
  const setWhen = (id: string, when: string) => (m: RiskModel) => {
    const rule = m.rules[ruleIndex(m, id)];
    if (rule) rule.when = when;
  };
  const pepRule = ruleIndex(loadDefaultModel(), 'pep');

  it('reports CEL syntax errors with the offending position', () => {
    expect(issuesOf(setWhen('pep', 'isPep && && adverseMedia'))).toEqual([
      expect.objectContaining({ path: `rules[${pepRule}].when`, code: 'syntax_error', position: 9 }),
    ]);
  });

  it('reports unknown identifiers', () => {
    expect(issuesOf(setWhen('pep', 'isPep || isRoyal'))).toEqual([
      expect.objectContaining({ path: `rules[${pepRule}].when`, code: 'unknown_identifier', position: 9 }),
    ]);
  });

  it('rejects rules that use a protected variable, but not a bound name that shadows it', () => {
    expect(issuesOf(setWhen('pep', 'isPep && age < 30'))).toEqual([
      expect.objectContaining({ path: `rules[${pepRule}].when`, code: 'protected_variable', position: 9 }),
    ]);
    expect(issuesOf(setWhen('pep', "isPep && jurisdictions.exists(age, age == 'IR')"))).toEqual([]);
  });

  it('rejects non-boolean rules and int/double mix-ups at compile time', () => {
    expect(issuesOf(setWhen('pep', 'volume90d + 1.0'))).toEqual([
      expect.objectContaining({ path: `rules[${pepRule}].when`, code: 'non_boolean' }),
    ]);
    // ordering compares int literals with doubles, equality does not
    expect(issuesOf(setWhen('pep', 'priorIncidents > 2'))).toEqual([]);
    expect(issuesOf(setWhen('pep', 'priorIncidents == 2'))).toEqual([
      expect.objectContaining({ path: `rules[${pepRule}].when`, code: 'type_error' }),
    ]);
  });

  it('rejects overlapping bands', () => {
    const issues = issuesOf((m) => {
      const s = m.segments[1];
      if (s) s.minScore = 20;
    });
    expect(issues).toEqual([expect.objectContaining({ path: 'segments[1].minScore', code: 'band_overlap' })]);
  });

  it('rejects gaps between bands, a first band not starting at 0 and a bounded last band', () => {
    const issues = issuesOf((m) => {
      const [low, , high, critical] = m.segments;
      if (low && high && critical) {
        low.minScore = 5;
        high.minScore = 55;
        critical.maxScore = 1000;
      }
    });
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['segments[0].minScore', 'band_start'],
      ['segments[2].minScore', 'band_gap'],
      ['segments[3].maxScore', 'band_gap'],
    ]);
  });

  it('rejects an override to an unknown segment', () => {
    expect(
      issuesOf((m) => {
        const rule = m.rules[pepRule];
        if (rule) rule.overrideSegment = 'severe';
      }),
    ).toEqual([
      expect.objectContaining({
        path: `rules[${pepRule}].overrideSegment`,
        code: 'unknown_override_segment',
      }),
    ]);
  });

  it('rejects duplicate rule ids and variable names', () => {
    const issues = issuesOf((m) => {
      const [first, second] = m.rules;
      if (first && second) second.id = first.id;
      const v = m.variables[0];
      if (v) m.variables.push({ ...v });
    });
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      [`variables[${loadDefaultModel().variables.length}].name`, 'duplicate_variable'],
      ['rules[1].id', 'duplicate_rule_id'],
    ]);
  });

  it('reports schema violations with document paths', () => {
    const issues = issuesOf((m) => {
      const rule = m.rules[2];
      if (rule) rule.reasonCode = 'adverse media';
      const v = m.variables[1];
      if (v) v.missing = { policy: 'default', value: 'none' };
    });
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['variables[1].missing.value', 'schema'],
      ['rules[2].reasonCode', 'schema'],
    ]);
  });

  it('compileModel throws every issue at once', () => {
    const broken = variant((m) => {
      setWhen('pep', 'isPep &&')(m);
      const s = m.segments[2];
      if (s) s.minScore = 45;
    });
    expect(() => compileModel(broken)).toThrow(ModelValidationError);
    try {
      compileModel(broken);
    } catch (error) {
      expect((error as ModelValidationError).issues.map((i) => i.code)).toEqual([
        'syntax_error',
        'band_overlap',
      ]);
    }
  });
});

describe('engine agrees with the hand-written rules (bench baseline)', () => {
  const customers = syntheticCustomers(20_000);
  const engines = EXECUTION_PATHS.map(([, options]) => compileModel(loadDefaultModel(), options));

  it('on 20,000 synthetic customers, on every execution path', () => {
    let mismatches = 0;
    const segments = new Map<string, number>();
    const fired = new Set<string>();
    for (const c of customers) {
      const expected = handWrittenAssess(c);
      const results = engines.map((engine) => engine.evaluate(c));
      const a = results[0] as (typeof results)[number];
      if (results.some((r) => JSON.stringify(r) !== JSON.stringify(expected))) {
        if (mismatches++ === 0) for (const r of results) expect(r).toEqual(expected);
      }
      segments.set(a.segment, (segments.get(a.segment) ?? 0) + 1);
      for (const r of a.firedRules) fired.add(r.ruleId);
    }
    expect(mismatches).toBe(0);
    // the synthetic population exercises every segment and every rule
    expect([...segments.keys()].sort()).toEqual(['critical', 'high', 'low', 'medium']);
    expect(fired.size).toBe(12);
  });
});

describe('generated evaluator and native fast path match cel-js on the constructs they compile', () => {
  const expressions = [
    'score > 10 && !flag',
    'score >= -2.5 || name != "b"',
    '(flag ? 1 : 2) > score',
    'name in tags || "x" in allowed',
    'sets.intersects(tags, allowed) == flag',
    'sets.contains(allowed, tags)',
    '-score < 0.0',
    'name == "a" ? score < 3.0 : score > 3.0',
    'size(tags) > 1', // outside the subset: interpreted
  ];
  const model: RiskModel = {
    modelId: 'fast-path-parity',
    version: 1,
    status: 'draft',
    metadata: { author: 'test', changeNote: '', createdAt: '2025-11-01T00:00:00Z' },
    lists: { allowed: { asOf: '2025-11-01', source: 'test', values: ['a', 'x', 'y'] } },
    variables: [
      {
        name: 'score',
        type: 'number',
        description: 'n',
        source: { kind: 'score', path: 'v' },
        missing: { policy: 'skip-rules' },
      },
      {
        name: 'flag',
        type: 'boolean',
        description: 'b',
        source: { kind: 'score', path: 'f' },
        missing: { policy: 'skip-rules' },
      },
      {
        name: 'name',
        type: 'string',
        description: 's',
        source: { kind: 'profile', path: 'n' },
        missing: { policy: 'skip-rules' },
      },
      {
        name: 'tags',
        type: 'list<string>',
        description: 'l',
        source: { kind: 'profile', path: 't' },
        missing: { policy: 'skip-rules' },
      },
    ],
    rules: expressions.map((when, i) => ({
      id: `r${i}`,
      when,
      points: 2 ** i,
      reasonCode: `R${i}`,
      description: when,
    })),
    segments: [{ name: 'all', minScore: 0, maxScore: null, policyRef: 'TEST', reviewIntervalMonths: 12 }],
  };

  it('on a grid of inputs', () => {
    const [generated, native, interpreted, generatedCel] = EXECUTION_PATHS.map(([, o]) =>
      compileModel(model, o),
    );
    if (!generated || !native || !interpreted || !generatedCel) throw new Error('missing engine');
    expect(Object.values(generated.ruleExecution).filter((e) => e === 'generated')).toHaveLength(
      expressions.length - 1,
    );
    expect(generated.ruleExecution[`r${expressions.length - 1}`]).toBe('cel');
    expect(Object.values(native.ruleExecution).filter((e) => e === 'native')).toHaveLength(
      expressions.length - 1,
    );
    let compared = 0;
    for (const v of [-3, 0, 1.5, 3, 10, 11]) {
      for (const f of [true, false]) {
        for (const n of ['a', 'b', 'x']) {
          for (const t of [[], ['a'], ['b', 'c'], ['x', 'y']]) {
            const sources = { score: { v, f }, profile: { n, t } };
            const expected = interpreted.evaluate(sources);
            expect(generated.evaluate(sources)).toEqual(expected);
            expect(native.evaluate(sources)).toEqual(expected);
            expect(generatedCel.evaluate(sources)).toEqual(expected);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(144);
  });
});
