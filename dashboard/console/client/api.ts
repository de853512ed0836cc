import type { Session } from './auth.js';

/** An answer of riskloop's API that was not a success, with the API's own message. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  status: number;
  body: T;
}

/**
 * Calls riskloop's API with the session's bearer token. Paths are relative (`v1/...`), so they resolve
 * beside the console: /v1 locally, /<stage>/v1 on AWS. Identifiers go in bodies, never in URLs.
 */
export async function call<T>(
  session: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  if (Date.now() >= session.expiresAt) throw new ApiError(401, 'Your sign-in has expired: sign in again.');
  const res = await fetch(new URL(path, location.href), {
    method,
    headers: {
      authorization: `Bearer ${session.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const message = (parsed as { error?: { message?: unknown } }).error?.message;
    throw new ApiError(res.status, typeof message === 'string' ? message : `HTTP ${res.status}`);
  }
  return { status: res.status, body: parsed as T };
}

/** A message for a person: what went wrong, in words. */
export function problem(error: unknown): string {
  if (error instanceof ApiError && error.status === 403) return 'Your role may not do this.';
  return error instanceof Error ? error.message : String(error);
}
