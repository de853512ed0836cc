import { ConfigError } from '../errors.js';
import { personId } from './actors.js';
import { type Role, roles } from './roles.js';

/**
 * OpenID Connect access tokens for people, beside the API keys kept for machines. This module holds the
 * pure parts: the settings (validated once, at cold start), the group → role mapping and the checks that
 * come after the signature. The signature itself is checked by `jose` (shared/adapters/oidc-verifier.ts).
 */

/**
 * Asymmetric JWS algorithms only. `none` and the HMAC family (HS256/384/512) are never accepted: with an
 * HMAC algorithm allowed, anyone holding the issuer's public key could sign a token ("key confusion").
 */
export const asymmetricAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export interface OidcConfig {
  issuer: string;
  audience: string;
  /**
   * The claim that must carry `audience`: `aud` (RFC 9068, most providers) or `client_id` (Amazon Cognito,
   * whose access tokens name the app client there and have no `aud`; its ID tokens have no `client_id`).
   */
  audienceClaim: 'aud' | 'client_id';
  /** Where the issuer's signing keys are; discovered from the issuer's metadata when not set. */
  jwksUri: string | undefined;
  /** Claim carrying the caller's groups (a string or an array of strings). */
  rolesClaim: string;
  /** Ordered: the first pair whose group the token carries gives the role. */
  roleMapping: readonly (readonly [group: string, role: Role])[];
  /** Claim naming the person: `sub`, or `oid` for Entra ID (whose `sub` differs per application). */
  subjectClaim: string;
  algorithms: readonly string[];
  /** Allowed clock skew for exp, nbf and iat, in seconds. */
  clockToleranceSeconds: number;
  /** Tokens whose lifetime (exp − iat) exceeds this are refused: access tokens must be short-lived. */
  maxTokenLifetimeSeconds: number;
}

export const oidcDefaults = {
  rolesClaim: 'groups',
  subjectClaim: 'sub',
  algorithms: ['RS256', 'PS256', 'ES256'],
  clockToleranceSeconds: 30,
  maxTokenLifetimeSeconds: 900,
} as const;

/**
 * The OIDC settings of the authoriser, or undefined when no issuer is configured (API keys only).
 * Throws a ConfigError naming the bad setting, so a wrong deploy fails at cold start.
 */
export function readOidcConfig(env: NodeJS.ProcessEnv = process.env): OidcConfig | undefined {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const issuer = get('OIDC_ISSUER');
  if (issuer === undefined) {
    const stray = Object.keys(env).filter((k) => k.startsWith('OIDC_') && get(k) !== undefined);
    if (stray.length > 0) throw new ConfigError(`Setting(s) ${stray.join(', ')} given without OIDC_ISSUER`);
    return undefined;
  }
  const url = (name: string, value: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(`Setting ${name} must be an absolute URL`);
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
      throw new ConfigError(`Setting ${name} must use https (plain http only on loopback, for local runs)`);
    }
    return value;
  };
  url('OIDC_ISSUER', issuer);
  const audience = get('OIDC_AUDIENCE');
  if (audience === undefined) throw new ConfigError('Setting OIDC_AUDIENCE is required with OIDC_ISSUER');
  const audienceClaim = get('OIDC_AUDIENCE_CLAIM') ?? 'aud';
  if (audienceClaim !== 'aud' && audienceClaim !== 'client_id') {
    throw new ConfigError('Setting OIDC_AUDIENCE_CLAIM must be aud or client_id');
  }
  const jwksUri = get('OIDC_JWKS_URI');
  if (jwksUri !== undefined) url('OIDC_JWKS_URI', jwksUri);
  const claimName = (name: string, fallback: string): string => {
    const value = get(name) ?? fallback;
    if (!/^[A-Za-z0-9_:./-]{1,200}$/.test(value))
      throw new ConfigError(`Setting ${name} is not a claim name`);
    return value;
  };
  const algorithms = (get('OIDC_ALGORITHMS')?.split(',') ?? [...oidcDefaults.algorithms]).map((a) =>
    a.trim(),
  );
  const allowed = new Set<string>(asymmetricAlgorithms);
  if (algorithms.length === 0 || algorithms.some((a) => !allowed.has(a))) {
    throw new ConfigError(
      `Setting OIDC_ALGORITHMS must list asymmetric JWS algorithms only (${asymmetricAlgorithms.join(', ')})`,
    );
  }
  return {
    issuer,
    audience,
    audienceClaim,
    jwksUri,
    rolesClaim: claimName('OIDC_ROLES_CLAIM', oidcDefaults.rolesClaim),
    roleMapping: parseRoleMapping(get('OIDC_ROLE_MAPPING')),
    subjectClaim: claimName('OIDC_SUBJECT_CLAIM', oidcDefaults.subjectClaim),
    algorithms,
    clockToleranceSeconds: boundedInt(
      'OIDC_CLOCK_TOLERANCE_SECONDS',
      get('OIDC_CLOCK_TOLERANCE_SECONDS'),
      oidcDefaults.clockToleranceSeconds,
      0,
      300,
    ),
    maxTokenLifetimeSeconds: boundedInt(
      'OIDC_MAX_TOKEN_LIFETIME_SECONDS',
      get('OIDC_MAX_TOKEN_LIFETIME_SECONDS'),
      oidcDefaults.maxTokenLifetimeSeconds,
      60,
      86_400,
    ),
  };
}

/**
 * `OIDC_ROLE_MAPPING`: a JSON array of `[group, role]` pairs, in order of precedence, e.g.
 * `[["riskloop-admins","admin"],["riskloop-analysts","analyst"]]`. An array rather than an object so the
 * order is explicit; group names may be anything the issuer sends (Entra ID sends object ids).
 */
export function parseRoleMapping(raw: string | undefined): OidcConfig['roleMapping'] {
  const problem = 'Setting OIDC_ROLE_MAPPING must be a non-empty JSON array of ["group", "role"] pairs';
  if (raw === undefined) throw new ConfigError(`${problem} (required with OIDC_ISSUER)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(problem);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError(problem);
  return parsed.map((pair: unknown) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      pair[0] === '' ||
      typeof pair[1] !== 'string'
    ) {
      throw new ConfigError(problem);
    }
    if (!roles.includes(pair[1] as Role)) {
      throw new ConfigError(`Setting OIDC_ROLE_MAPPING names an unknown role: ${pair[1]}`);
    }
    return [pair[0], pair[1] as Role] as const;
  });
}

function boundedInt(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`Setting ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Why a token was refused: logged as a code, never with the token. */
export type TokenRejection =
  | 'malformed'
  | 'algorithm'
  | 'unknown-key'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime'
  | 'no-subject'
  | 'no-role'
  | 'keys-unavailable';

export class TokenRejected extends Error {
  constructor(readonly reason: TokenRejection) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenRejected';
  }
}

/** The person behind a verified token: (issuer, subject) identifies them; no display name. */
export interface OidcPrincipal {
  /** `personId(issuer, subject)`: one string that names the person wherever "who" is stored. */
  principalId: string;
  issuer: string;
  subject: string;
  role: Role;
}

/**
 * After the signature, issuer, audience and time checks: the lifetime bound, the subject and the role.
 * The role is the first mapping entry whose group the token carries; none → refused.
 */
export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  config: Pick<
    OidcConfig,
    'issuer' | 'rolesClaim' | 'roleMapping' | 'subjectClaim' | 'maxTokenLifetimeSeconds'
  >,
): OidcPrincipal {
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw new TokenRejected('lifetime');
  if (exp - iat > config.maxTokenLifetimeSeconds) throw new TokenRejected('lifetime');
  const subject = claims[config.subjectClaim];
  if (typeof subject !== 'string' || subject === '' || subject.length > 255)
    throw new TokenRejected('no-subject');
  const role = roleOf(claims[config.rolesClaim], config.roleMapping);
  if (!role) throw new TokenRejected('no-role');
  return { principalId: personId(config.issuer, subject), issuer: config.issuer, subject, role };
}

export function roleOf(groupsClaim: unknown, mapping: OidcConfig['roleMapping']): Role | undefined {
  const groups = new Set(
    typeof groupsClaim === 'string'
      ? groupsClaim.split(' ')
      : Array.isArray(groupsClaim)
        ? groupsClaim.filter((g): g is string => typeof g === 'string')
        : [],
  );
  return mapping.find(([group]) => groups.has(group))?.[1];
}
