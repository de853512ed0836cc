/** Turning SDK calls into Observed facts: a missing permission or a failure is data, never a crash. */
import type { Observed } from './facts.js';

const deniedNames = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedOperation',
  'UnauthorizedException',
]);

/** The error's name as the SDK reports it (`ResourceNotFoundException`, `ValidationError`, ...). */
export const errorName = (error: unknown): string =>
  error instanceof Error ? error.name : typeof error === 'string' ? error : 'Error';

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** True when AWS refused the call for lack of permission. */
export function isDenied(error: unknown): boolean {
  return deniedNames.has(errorName(error));
}

/**
 * Runs one read-only call as `action` (the IAM action it needs). `absent` recognises the error that means
 * "no such thing" (the observed value is then null); permission errors become `denied`, the rest `failed`.
 */
export async function observe<T>(
  action: string,
  call: () => Promise<T>,
  absent: (error: unknown) => boolean = () => false,
): Promise<Observed<T | null>> {
  try {
    return { kind: 'ok', value: await call() };
  } catch (error) {
    return absent(error) ? { kind: 'ok', value: null } : unobserved(action, error);
  }
}

/** The fact a failed call leaves: `denied` for a permission error, `failed` for anything else. */
export function unobserved(action: string, error: unknown): Exclude<Observed<never>, { kind: 'ok' }> {
  if (isDenied(error)) return { kind: 'denied', action, message: errorMessage(error) };
  return { kind: 'failed', action, message: `${errorName(error)}: ${errorMessage(error)}` };
}

/** `observe` for calls that always return something (no "absent" answer). */
export async function observeValue<T>(action: string, call: () => Promise<T>): Promise<Observed<T>> {
  return (await observe(action, call)) as Observed<T>;
}

/** An absent-check matching any of the given error names. */
export const named =
  (...names: string[]) =>
  (error: unknown): boolean =>
    names.includes(errorName(error));

/**
 * Maps `items` through `fn`, at most `limit` calls at a time: a handful in flight keeps a probe of a hundred
 * names quick without tripping API throttles.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
