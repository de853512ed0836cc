/**
 * One request per matrix cell, built to change nothing when allowed: path parameters name nothing that
 * exists and bodies carry an unknown field, so an allowed cell answers 400 or 404, which is all "allow"
 * needs (anything but 401/403). Shared by the API key matrix and the access token matrix.
 */
import type { Expectation } from '../../infra/auth-matrix.js';
import type { HttpRoute } from '../../infra/manifest.js';
import { placeholderParams } from './bad-input.js';

/** `credential`: what follows `Bearer ` (an API key or an access token); undefined sends no header. */
export async function probe(
  apiUrl: string,
  route: HttpRoute,
  credential: string | undefined,
): Promise<{ status: number; code: unknown }> {
  // A signed route is probed at a configured provider, so the answer comes from the signature check.
  const params =
    route.auth === 'signature' ? { ...placeholderParams, provider: 'riskloop' } : placeholderParams;
  const path = route.path.replace(/\{([^}]+)\}/g, (_m, n: string) => params[n] ?? 'authz-none');
  const res = await fetch(`${apiUrl}${path}`, {
    method: route.method,
    headers: {
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...(route.maxBodyBytes ? { 'content-type': 'application/json' } : {}),
    },
    ...(route.maxBodyBytes ? { body: JSON.stringify({ authzProbe: true }) } : {}),
  });
  const text = await res.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {}
  return { status: res.status, code };
}

export const holds = (expected: Expectation, status: number): boolean => {
  switch (expected) {
    case 'allow':
    case 'public':
      return status !== 401 && status !== 403 && status < 500;
    case 'forbidden':
      return status === 403;
    case 'unauthorized':
      return status === 401;
    case 'signature':
      // Unsigned: the function itself says 401, whatever credential came along.
      return status === 401;
  }
};
