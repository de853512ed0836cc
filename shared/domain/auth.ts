import { createHash, randomBytes } from 'node:crypto';
import type { Role, RouteAccess } from './roles.js';

/**
 * API keys: `rl_<role>_<random>`; only their SHA-256 is stored (a fast hash is enough for 256-bit
 * random secrets, unlike passwords). The role embedded in the key is informative only: the
 * stored principal decides.
 */
export function newApiKey(role: Role): string {
  return `rl_${role}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Pulls the key out of `Authorization: Bearer <key>`; undefined for anything else. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(rl_[a-z]+_[A-Za-z0-9_-]{43})$/.exec(header?.trim() ?? '');
  return match?.[1];
}

/**
 * A compact JWS: three base64url parts, the last possibly empty (so an unsigned `alg: none` token still
 * reaches the authoriser and is refused there with a reason, not silently). 8 KB bounds the work.
 */
const jwtPattern = '[A-Za-z0-9_-]{1,8192}\\.[A-Za-z0-9_-]{1,8192}\\.[A-Za-z0-9_-]{0,8192}';

/**
 * The API Gateway identity validation expression: malformed headers get a 401 without a Lambda call.
 * JWTs pass only where an issuer is configured; otherwise exactly the API keys `bearerKey` accepts.
 */
export function bearerPattern(acceptJwt: boolean): string {
  const key = 'rl_[a-z]+_[A-Za-z0-9_-]{43}';
  return acceptJwt ? `^Bearer\\s+(${key}|${jwtPattern})$` : `^Bearer\\s+${key}$`;
}

export type BearerCredential = { kind: 'apiKey'; key: string } | { kind: 'jwt'; token: string };

/** What `Authorization: Bearer …` carries: an API key, a JWT, or (undefined) nothing usable. */
export function bearerCredential(header: string | undefined): BearerCredential | undefined {
  const key = bearerKey(header);
  if (key) return { kind: 'apiKey', key };
  const match = new RegExp(`^Bearer\\s+(${jwtPattern})$`).exec(header?.trim() ?? '');
  return match?.[1] ? { kind: 'jwt', token: match[1] } : undefined;
}

export interface Principal {
  keyHash: string;
  principalId: string;
  name: string;
  role: Role;
  disabled?: boolean;
  createdAt: string;
}

/**
 * The IAM policy resources for a role: exactly the routes whose manifest roles include it, as
 * execute-api ARNs under the API's stage (`arn:...:apiId/stage`). API Gateway caches the policy
 * per key, so it must list every allowed route, not only the one being called.
 */
export function allowedResources(apiStageArn: string, role: Role, routes: readonly RouteAccess[]): string[] {
  return routes
    .filter((r) => (r.auth ?? 'token') === 'token' && r.roles.includes(role))
    .map((r) => `${apiStageArn}/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}`);
}

/** Does `methodArn` fall under one of `resources` (with `*` matching one path segment)? */
export function policyAllows(resources: readonly string[], methodArn: string): boolean {
  return resources.some((resource) => {
    const pattern = resource
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return new RegExp(`^${pattern}$`).test(methodArn);
  });
}
