import { z } from 'zod';

/**
 * What riskloop refuses in any input, whatever the schema, because it breaks code far from the door:
 *
 * - a key named like a member every JavaScript object inherits (`constructor`, `toString`, `__proto__`...):
 *   kept as data it shadows that member, and the AWS SDK's marshaller, which reads `constructor`, then
 *   throws on every later write of the item;
 * - text that is not well-formed Unicode (a lone surrogate): different ids collapse to one pseudonym
 *   once encoded, and common tools (the AWS CLI) cannot read the tables holding it;
 * - a number that is not a safe integer-precision value (beyond ±(2^53 - 1), or infinite, as `1e400`
 *   parses): DynamoDB, JSON and JavaScript would each round it differently. Send such values as text.
 */
export const inputSafetyCodes = {
  reservedKey: 'RESERVED_KEY',
  illFormedUnicode: 'ILL_FORMED_UNICODE',
  unsafeNumber: 'UNSAFE_NUMBER',
} as const;

export interface InputViolation {
  /** Where, as zod paths are: object keys and array indexes. An ill-formed key shows as `?`. */
  path: (string | number)[];
  code: (typeof inputSafetyCodes)[keyof typeof inputSafetyCodes];
  message: string;
}

const inherited = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const isWellFormed = (text: string) => !loneSurrogate.test(text);
export const isReservedKey = (key: string) => inherited.has(key);
export const isSafeNumber = (n: number) => Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER;

/**
 * Every place in a parsed JSON value that breaks the rules above, in document order. Iterative: a
 * hostile body cannot overflow the stack. `skip` leaves out subtrees checked elsewhere (batch items,
 * checked one by one so that one bad record never blocks the others).
 */
export function inputViolations(
  value: unknown,
  skip: (path: readonly (string | number)[]) => boolean = () => false,
): InputViolation[] {
  const found: InputViolation[] = [];
  // A key's violation waits on the stack in its place, so the list comes out in document order.
  const stack: ([unknown, (string | number)[]] | InputViolation)[] = [[value, []]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (!Array.isArray(next)) {
      found.push(next);
      continue;
    }
    const [node, path] = next;
    if (skip(path)) continue;
    if (typeof node === 'string') {
      if (!isWellFormed(node)) found.push({ path, code: 'ILL_FORMED_UNICODE', message: illFormed });
    } else if (typeof node === 'number') {
      if (!isSafeNumber(node)) found.push({ path, code: 'UNSAFE_NUMBER', message: unsafeNumber });
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], [...path, i]]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        if (!isWellFormed(key)) {
          stack.push({ path: [...path, '?'], code: 'ILL_FORMED_UNICODE', message: `A key: ${illFormed}` });
        } else if (isReservedKey(key)) {
          stack.push({
            path: [...path, key],
            code: 'RESERVED_KEY',
            message: `"${key}" is a member of every JavaScript object and cannot be used as a name`,
          });
        } else {
          stack.push([child, [...path, key]]);
        }
      }
    }
  }
  return found;
}

const illFormed = 'Text must be well-formed Unicode (no lone surrogates)';
const unsafeNumber = `Numbers must be finite and within ±${Number.MAX_SAFE_INTEGER}; send larger values as text`;

/**
 * `schema`, refusing first what `inputViolations` finds, each as a zod issue whose detail code is the
 * violation's (RESERVED_KEY, ILL_FORMED_UNICODE, UNSAFE_NUMBER).
 */
export function safeInput<T extends z.ZodTypeAny>(schema: T) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      for (const v of inputViolations(value)) {
        ctx.addIssue({ code: 'custom', path: v.path, message: v.message, params: { code: v.code } });
      }
    })
    .pipe(schema);
}
