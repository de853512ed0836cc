/**
 * Takes the place of `@aws-lambda-powertools/jmespath` (and its `/functions`) inside the Lambda
 * bundles (an esbuild alias, see bundling.ts); the local runtime and the tests load the real one.
 *
 * Why: Powertools idempotency imports a whole JMESPath interpreter (lexer, parser, the standard and
 * Powertools functions: about 22 KB of minified code) to select the idempotency key and the payload
 * to validate, and riskloop selects two top-level fields (`idempotencyPaths` in
 * shared/adapters/idempotency.ts). A field name selects what JMESPath selects (the field of an
 * object, else null); any other expression throws, at the first request, rather than select
 * something else.
 */
const fieldName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function search(expression: string, data: unknown): unknown {
  if (!fieldName.test(expression)) {
    throw new Error(`riskloop Lambda bundles evaluate only field names as JMESPath, not ${expression}`);
  }
  const isObject = Object.prototype.toString.call(data) === '[object Object]';
  // Own fields only, as JMESPath selects them (`constructor` is not a field of `{}`).
  return isObject && Object.hasOwn(data as object, expression)
    ? (data as Record<string, unknown>)[expression]
    : null;
}

/** Powertools passes an instance to `search` as its custom functions; a field name calls none. */
export class PowertoolsFunctions {}
