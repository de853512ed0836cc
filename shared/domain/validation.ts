import type { ZodIssue } from 'zod';
import type { ErrorDetail } from '../errors.js';

/**
 * Turns zod issues into error details that name the field and the rule broken but never echo
 * the received value: inputs here are personal data, and error bodies end up in client logs.
 */
export function toErrorDetails(issues: readonly ZodIssue[], prefix = ''): ErrorDetail[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path, prefix);
    // Custom rules name their own code (e.g. RESERVED_KEY, shared/domain/input-safety.ts).
    const code =
      issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : issue.code;
    return { path, code, message: safeMessage(issue) };
  });
}

/** `records[3].email`, the way error details name a place in the input. */
export function formatPath(path: readonly (string | number)[], prefix = ''): string {
  return (
    [prefix, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))].join('').replace(/^\./, '') ||
    '(root)'
  );
}

function safeMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? 'Required' : `Expected ${issue.expected}`;
    case 'unrecognized_keys':
      // Key names are schema vocabulary chosen by the caller, not values: safe and useful to echo.
      return `Unknown field(s): ${issue.keys.join(', ')}`;
    case 'invalid_enum_value':
      return `Expected one of: ${issue.options.join(', ')}`;
    case 'too_small':
      return issue.type === 'array'
        ? `At least ${issue.minimum} item(s)`
        : `Too short or too small (min ${issue.minimum})`;
    case 'too_big':
      return issue.type === 'array'
        ? `At most ${issue.maximum} item(s)`
        : `Too long or too large (max ${issue.maximum})`;
    case 'invalid_string':
      return `Invalid format (${typeof issue.validation === 'string' ? issue.validation : 'pattern'})`;
    case 'custom':
      return issue.message;
    default:
      return 'Invalid value';
  }
}
