import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import {
  type OidcConfig,
  type OidcPrincipal,
  principalFromClaims,
  TokenRejected,
  type TokenRejection,
} from '../domain/oidc.js';

/** The issuer's keys could not be had (its JWKS or metadata unreachable): transient, not the caller's fault. */
export class IssuerUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`identity provider unavailable: ${reason}`);
    this.name = 'IssuerUnavailable';
  }
}

export type FetchMetadata = (url: string) => Promise<unknown>;

const fetchJson: FetchMetadata = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000), redirect: 'error' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
};

/**
 * Verifies OIDC access tokens with `jose`. Build one per container (module scope): the remote key set
 * keeps the issuer's keys in memory, refetches them when a token names a key id it does not know (key
 * rotation), at most once per 30 s cooldown, so unknown key ids cannot make it hammer the issuer.
 * Without `jwksUri`, the key set's address comes from the issuer's discovery document, read once.
 */
export function oidcVerifier(config: OidcConfig, fetchMetadata: FetchMetadata = fetchJson) {
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const keys = (): Promise<JWTVerifyGetKey> => {
    keySet ??= jwksUriOf(config, fetchMetadata).then((uri) =>
      createRemoteJWKSet(new URL(uri), {
        timeoutDuration: 3000,
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      }),
    );
    // A failed discovery is tried again on the next request, not cached for the container's life.
    keySet.catch(() => {
      keySet = undefined;
    });
    return keySet;
  };

  return async function verify(token: string): Promise<OidcPrincipal> {
    const getKey = await keys().catch((error: unknown) => {
      throw new IssuerUnavailable((error as Error).name);
    });
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: config.issuer,
        ...(config.audienceClaim === 'aud' ? { audience: config.audience } : {}),
        algorithms: [...config.algorithms],
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat'],
      });
      // Cognito: the app client in client_id, and only access tokens (token_use) where the provider says.
      if (
        config.audienceClaim === 'client_id' &&
        (payload.client_id !== config.audience ||
          (payload.token_use !== undefined && payload.token_use !== 'access'))
      ) {
        throw new TokenRejected('audience');
      }
      return principalFromClaims(payload, config);
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
        throw new IssuerUnavailable(error.code);
      }
      // jose's fetch of the key set failed outright (network): transient too.
      if (!(error instanceof errors.JOSEError)) throw new IssuerUnavailable((error as Error).name);
      throw new TokenRejected(rejectionOf(error));
    }
  };
}

async function jwksUriOf(config: OidcConfig, fetchMetadata: FetchMetadata): Promise<string> {
  if (config.jwksUri) return config.jwksUri;
  const metadata = (await fetchMetadata(
    `${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
  )) as { issuer?: unknown; jwks_uri?: unknown };
  // RFC 8414 §3.3: the metadata must name the issuer it was fetched for.
  if (metadata.issuer !== config.issuer) throw new Error('discovery document names another issuer');
  if (typeof metadata.jwks_uri !== 'string' || !/^https?:\/\//.test(metadata.jwks_uri)) {
    throw new Error('discovery document has no jwks_uri');
  }
  return metadata.jwks_uri;
}

function rejectionOf(error: errors.JOSEError): TokenRejection {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown-key';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWTClaimValidationFailed) {
    // A required claim (exp, iat) absent: not a time problem, a token riskloop cannot judge.
    if (error.reason === 'missing') return 'malformed';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf') return 'not-yet-valid';
    // jose refuses an iat in the future (beyond the tolerance) as well.
    if (error.claim === 'iat') return 'not-yet-valid';
    return 'malformed';
  }
  return 'malformed';
}
