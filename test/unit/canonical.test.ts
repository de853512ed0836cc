import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, replacerJson } from '../../shared/domain/canonical.js';

// Stored digests (profiles' content digests, decisions' input digests, the audit chain's hashes)
// were made by the replacer definition: the direct writer must give the same bytes, always.
describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes the same bytes as the replacer definition for any JSON-like value', () => {
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom(
        '0',
        '1',
        '10',
        '9',
        '01',
        '1a',
        '4294967294',
        '4294967295',
        '-1',
        'toString',
        '__proto__',
      ),
    );
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, null, true, false, undefined),
      fc.date({ noInvalidDate: true }),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    }));
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(replacerJson(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps JSON.stringify semantics for what is not plain data', () => {
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    const odd: unknown[] = [
      undefined,
      new Date(0),
      { at: new Date(0), b: 1 },
      { toJSON: () => ({ b: 1, a: 2 }) },
      new Point(1, 2),
      [new Point(1, 2)],
      new Map([['a', 1]]),
      Object.create(null),
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      Object.assign(new Array(3), { 0: 1, 2: 3 }), // a hole at 1
      [() => 1, Symbol('s')],
      { f: () => 1, s: Symbol('s'), u: undefined, k: 1 },
      Object.assign(new Number(5), {}),
      'text',
      3.5,
    ];
    for (const v of odd) expect(canonicalJson(v)).toBe(replacerJson(v));
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    // The definition rebuilds every object, so JSON.stringify never sees the cycle: the stack overflows.
    expect(() => replacerJson(cycle)).toThrow(RangeError);
    expect(() => canonicalJson(cycle)).toThrow(RangeError);
  });
});
