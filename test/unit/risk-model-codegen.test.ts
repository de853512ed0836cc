/**
 * The generated evaluator (codegen.ts) against the closure loop and cel-js, on a model whose every
 * name, id, path and literal is hostile: none of that text may reach the generated source as code.
 */
import { describe, expect, it } from 'vitest';
import {
  type Assessment,
  type CompileOptions,
  compileModel,
  type EvaluationSources,
  type RiskModel,
  RuleEvaluationError,
} from '../../shared/domain/risk-model/index.js';

const INJECTION = '"); globalThis.pwned = true; ("';
const TEMPLATE = '\u2028*/\u0024{globalThis.pwned = true}`';

const hostile: RiskModel = {
  // The schema only admits slugs as model ids, so injection is tried through every other text field.
  modelId: `hostile-model`,
  version: 3,
  status: 'draft',
  metadata: { author: 'test', changeNote: '', createdAt: '2025-11-01T00:00:00Z' },
  lists: {
    process: {
      asOf: '2025-11-01',
      source: 'test',
      values: ['"', "'", '\\', '\u0024{x}', '*/', '\u2028', '`', INJECTION],
    },
  },
  variables: [
    {
      name: 'globalThis',
      type: 'number',
      description: 'five-segment path: the source itself is object-checked',
      source: { kind: 'score', path: 'seg-one.seg-two.seg-three.seg-four.seg-five' },
      missing: { policy: 'skip-rules' },
    },
    {
      name: 'Function',
      type: 'string',
      description: 'shares the xprofile prefix',
      source: { kind: 'profile', path: 'xprofile.ytype' },
      missing: { policy: 'default', value: '*/ \u0024{x}' },
    },
    {
      name: 'require',
      type: 'list<string>',
      description: 'list default',
      source: { kind: 'profile', path: 'xprofile.ztags' },
      missing: { policy: 'default', value: [INJECTION] },
    },
    {
      name: 'toString',
      type: 'boolean',
      description: 'three-segment path',
      source: { kind: 'profile', path: 'xprofile.nested-flags.wflag' },
      missing: { policy: 'skip-rules' },
    },
    {
      name: 'unusedVariable',
      type: 'number',
      description: 'never read',
      source: { kind: 'feedback', path: 'never-read' },
      missing: { policy: 'skip-rules' },
    },
  ],
  rules: [
    {
      id: `rule${INJECTION}`,
      when: `Function == ${JSON.stringify(INJECTION)} || globalThis > 1.5`,
      points: 1,
      reasonCode: 'INJECTION',
      description: 'string literal with quotes',
    },
    {
      id: 'rule-membership',
      when: 'Function in process',
      points: 2,
      reasonCode: 'MEMBERSHIP',
      description: 'constant list',
      overrideSegment: '</script>',
    },
    {
      id: 'rule-same-override',
      when: 'Function in process && true',
      points: 0,
      reasonCode: 'SAME_OVERRIDE',
      description: 'same override segment as an earlier rule: the first one is named',
      overrideSegment: '</script>',
    },
    {
      id: 'rule-intersects',
      when: 'sets.intersects(require, process) && !sets.contains(process, require)',
      points: 4,
      reasonCode: 'INTERSECTS',
      description: 'set operations',
    },
    {
      id: 'rule-separator',
      when: `Function == ${JSON.stringify(TEMPLATE)} || Function in require`,
      points: 8,
      reasonCode: 'SEPARATOR',
      description: 'line separator, comment end, template',
    },
    {
      id: 'rule-ternary',
      when: 'toString ? globalThis < -1.0 : globalThis >= -0.0',
      points: -16,
      reasonCode: 'TERNARY',
      description: 'negative literals and points',
      overrideSegment: `a"b`,
    },
    {
      id: 'rule-size',
      when: 'size(require) > 1',
      points: 32,
      reasonCode: 'SIZE',
      description: 'outside the subset: cel-js',
    },
  ],
  segments: [
    { name: `a"b`, minScore: 0, maxScore: 3, policyRef: 'POLICY-REF', reviewIntervalMonths: 1 },
    { name: '</script>', minScore: 3, maxScore: null, policyRef: 'POLICY-REF', reviewIntervalMonths: 1 },
  ],
};

const PATHS: [string, CompileOptions][] = [
  ['generated', {}],
  ['closures', { codegen: false }],
  ['cel-js', { nativeFastPath: false }],
  ['generated over cel-js', { codegen: true, nativeFastPath: false }],
];

type Outcome =
  | Assessment
  | { error: string; ruleId: string; code: string; variable?: string; message: string };

function outcome(evaluate: (s: EvaluationSources) => Assessment, sources: EvaluationSources): Outcome {
  try {
    return evaluate(sources);
  } catch (error) {
    if (!(error instanceof RuleEvaluationError)) throw error;
    const { name, ruleId, code, variable, message } = error;
    return { error: name, ruleId, code, variable, message };
  }
}

/** Inputs covering present, missing, null, wrong-typed and structurally odd values. */
function* inputs(): Generator<EvaluationSources> {
  const numbers = [undefined, null, -2, 0, 2, 'x'];
  const strings = [undefined, 'plain', INJECTION, TEMPLATE, '*/', 7];
  const lists = [undefined, [], ['\\'], [INJECTION, '\u0024{x}'], ['a', 'b'], ['ok', 3]];
  const flags = [undefined, true, false];
  for (const n of numbers) {
    for (const t of strings) {
      for (const l of lists) {
        for (const f of flags) {
          const xprofile: Record<string, unknown> = { 'nested-flags': { wflag: f } };
          if (t !== undefined) xprofile.ytype = t;
          if (l !== undefined) xprofile.ztags = l;
          yield {
            profile: { xprofile },
            score: { 'seg-one': { 'seg-two': { 'seg-three': { 'seg-four': { 'seg-five': n } } } } },
          };
        }
      }
    }
  }
  const odd: unknown[] = [
    {},
    { profile: null, score: null },
    { profile: { xprofile: null }, score: { 'seg-one': 'text' } },
    { profile: { xprofile: 'text' }, score: { 'seg-one': { 'seg-two': [] } } },
    { profile: { xprofile: { 'nested-flags': 5, ytype: 'plain' } } },
    { profile: 'primitive profile', score: 42 },
    // a function is not an object for paths of 4+ segments (the loop evaluator's getter), only below
    {
      score: Object.assign(() => 0, {
        'seg-one': { 'seg-two': { 'seg-three': { 'seg-four': { 'seg-five': 5 } } } },
      }),
    },
    { profile: Object.assign(() => 0, { xprofile: { ytype: '*/' } }) },
    {
      profile: { xprofile: { ytype: 'toString' } },
      score: { 'seg-one': { 'seg-two': { 'seg-three': {} } } },
    },
  ];
  for (const sources of odd) yield sources as EvaluationSources;
}

describe('generated evaluator on a hostile model', () => {
  const engines = PATHS.map(([label, options]) => ({ label, model: compileModel(hostile, options) }));
  const generated = compileModel(hostile);
  const source = generated.generatedSource ?? '';

  it('inlines every rule the fast path compiles and calls cel-js for the rest', () => {
    expect(generated.ruleExecution).toEqual({
      [`rule${INJECTION}`]: 'generated',
      'rule-membership': 'generated',
      'rule-same-override': 'generated',
      'rule-intersects': 'generated',
      'rule-separator': 'generated',
      'rule-ternary': 'generated',
      'rule-size': 'cel',
    });
  });

  it('contains no model text outside JSON string literals', () => {
    const text = [
      hostile.modelId,
      ...hostile.variables.flatMap((v) => [v.name, ...v.source.path.split('.')]),
      ...Object.keys(hostile.lists),
      ...hostile.rules.flatMap((r) => [r.id, r.reasonCode, r.description]),
      ...hostile.segments.flatMap((s) => [s.name, s.policyRef]),
    ];
    const code = source.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const t of text) expect(code, t).not.toContain(t);
    // rule literals appear only JSON-encoded, with line separators escaped
    expect(source).toContain(JSON.stringify(INJECTION));
    expect(source).toContain(JSON.stringify(TEMPLATE).replace('\u2028', '\\u2028'));
    expect(source).not.toMatch(/[\u2028\u2029]/);
    expect(code).not.toMatch(/\bwith\s*\(|\beval\s*\(|\bFunction\s*\(|\bimport\s*\(/);
    // the unused variable is never read
    expect(source).not.toContain('sources.feedback');
  });

  it('agrees with the closures and cel-js on every input, errors included', () => {
    let compared = 0;
    let errors = 0;
    for (const sources of inputs()) {
      const [first, ...rest] = engines.map((e) => outcome(e.model.evaluate, sources));
      for (const other of rest) expect(other).toEqual(first);
      if (first !== undefined && 'error' in first) errors++;
      compared++;
    }
    expect(compared).toBe(657);
    expect(errors).toBeGreaterThan(100);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });

  it('fires, scores, overrides and records missing values like the loop evaluator', () => {
    const sources: EvaluationSources = {
      profile: {
        xprofile: { ytype: INJECTION, ztags: ['\u0024{x}', 'y'], 'nested-flags': { wflag: false } },
      },
      score: { 'seg-one': { 'seg-two': { 'seg-three': { 'seg-four': { 'seg-five': 0 } } } } },
    };
    const result = generated.evaluate(sources);
    expect(result).toEqual(compileModel(hostile, { codegen: false }).evaluate(sources));
    expect(result).toMatchObject({
      modelId: hostile.modelId,
      score: 1 + 2 + 4 - 16 + 32,
      segment: '</script>',
      missingVariables: [],
      listsAsOf: { process: '2025-11-01' },
    });
    expect(result.firedRules.map((r) => r.reasonCode)).toEqual([
      'INJECTION',
      'MEMBERSHIP',
      'SAME_OVERRIDE',
      'INTERSECTS',
      'TERNARY',
      'SIZE',
    ]);
    const empty = generated.evaluate({});
    expect(empty.missingVariables).toEqual(['globalThis', 'Function', 'require', 'toString']);
    expect(empty).toEqual(compileModel(hostile, { nativeFastPath: false }).evaluate({}));
    expect(empty).toMatchObject({ score: 0, segment: 'a"b', firedRules: [] });
  });

  it('is re-entrant: a source getter may evaluate another customer', () => {
    for (const { model } of engines) {
      const inner: EvaluationSources = { profile: { xprofile: { ytype: INJECTION } } };
      let nested: Assessment | undefined;
      const outer: EvaluationSources = {
        get profile() {
          nested = model.evaluate(inner);
          return { xprofile: { ytype: 'plain', ztags: ['a', 'b'] } };
        },
      };
      const result = model.evaluate(outer);
      expect(nested).toEqual(model.evaluate(inner));
      expect(result.firedRules.map((r) => r.reasonCode)).toEqual(['SIZE']);
    }
  });
});
