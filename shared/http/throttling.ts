/** AWS error names meaning "too many requests": the same call may succeed a moment later. */
const throttlingNames = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** Reasons a DynamoDB transaction names when one of its items was throttled. */
const throttledReasons = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/** Seconds a client is asked to wait before retrying a throttled request. */
export const retryAfterSeconds = 1;

/**
 * Whether `error` is AWS throttling (after the SDK's own retries gave up): the request failed for
 * load, not for anything in it, so it is answered 503 with Retry-After, never 500.
 */
export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    $retryable?: { throttling?: unknown };
    CancellationReasons?: { Code?: unknown }[];
  };
  if (typeof e.name === 'string' && throttlingNames.has(e.name)) return true;
  if (e.$retryable?.throttling === true) return true;
  return (e.CancellationReasons ?? []).some(
    (r) => typeof r.Code === 'string' && throttledReasons.has(r.Code),
  );
}
