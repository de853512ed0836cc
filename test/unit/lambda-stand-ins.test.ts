import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PowertoolsFunctions, search } from '../../infra/cdk/lambda-jmespath.js';
import { idempotencyPaths } from '../../shared/adapters/idempotency.js';

/** Powertools' own JMESPath, as idempotency resolves it (wherever npm placed it). */
const powertools = createRequire(import.meta.resolve('@aws-lambda-powertools/idempotency'))(
  '@aws-lambda-powertools/jmespath',
) as { search: (expression: string, data: unknown) => unknown };

describe('the JMESPath stand-in of the Lambda bundles (infra/cdk/lambda-jmespath.ts)', () => {
  const inputs: unknown[] = [
    { key: 'k1', bodyDigest: 'd1' },
    { key: '', bodyDigest: null },
    { other: 1 },
    {},
    ['key'],
    'key',
    null,
  ];

  it.each(Object.values(idempotencyPaths))('selects %s as Powertools JMESPath does', (path) => {
    for (const input of inputs) expect(search(path, input)).toEqual(powertools.search(path, input));
  });

  it('refuses anything but a field name, rather than select something else', () => {
    for (const expression of ['a.b', 'a[0]', 'powertools_json(body)', '`1`', '']) {
      expect(() => search(expression, { a: { b: 1 } })).toThrow(/only field names/);
    }
    expect(new PowertoolsFunctions()).toBeInstanceOf(PowertoolsFunctions);
  });

  it('selects own fields only: inherited members are not data', () => {
    expect(search('constructor', {})).toBeNull();
    expect(search('key', Object.create({ key: 'inherited' }))).toBeNull();
  });
});
