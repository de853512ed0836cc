import { describe, expect, it } from 'vitest';
import { bearerCredential, newApiKey } from '../../shared/domain/auth.js';
import { principalFromClaims, readOidcConfig, roleOf, TokenRejected } from '../../shared/domain/oidc.js';

const base = {
  OIDC_ISSUER: 'https://login.example.com/realms/bank',
  OIDC_AUDIENCE: 'riskloop-api',
  OIDC_ROLE_MAPPING: '[["rl-admins","admin"],["rl-compliance","compliance"],["rl-analysts","analyst"]]',
};

describe('readOidcConfig', () => {
  it('is off without an issuer', () => {
    expect(readOidcConfig({})).toBeUndefined();
  });

  it('reads the settings with their stated defaults', () => {
    const config = readOidcConfig(base);

    expect(config).toMatchObject({
      issuer: base.OIDC_ISSUER,
      audience: 'riskloop-api',
      audienceClaim: 'aud',
      rolesClaim: 'groups',
      subjectClaim: 'sub',
      algorithms: ['RS256', 'PS256', 'ES256'],
      clockToleranceSeconds: 30,
      maxTokenLifetimeSeconds: 900,
    });
    expect(config?.roleMapping).toEqual([
      ['rl-admins', 'admin'],
      ['rl-compliance', 'compliance'],
      ['rl-analysts', 'analyst'],
    ]);
  });

  it.each([
    [
      'an issuer setting without the issuer',
      { OIDC_AUDIENCE: 'x' },
      /OIDC_AUDIENCE given without OIDC_ISSUER/,
    ],
    ['no audience', { ...base, OIDC_AUDIENCE: '' }, /OIDC_AUDIENCE is required/],
    [
      'an http issuer off loopback',
      { ...base, OIDC_ISSUER: 'http://idp.example.com' },
      /OIDC_ISSUER must use https/,
    ],
    ['an issuer that is no URL', { ...base, OIDC_ISSUER: 'bank' }, /OIDC_ISSUER must be an absolute URL/],
    ['no role mapping', { ...base, OIDC_ROLE_MAPPING: '' }, /OIDC_ROLE_MAPPING .*required/],
    [
      'a mapping that is an object',
      { ...base, OIDC_ROLE_MAPPING: '{"g":"admin"}' },
      /OIDC_ROLE_MAPPING must be/,
    ],
    ['a mapping to an unknown role', { ...base, OIDC_ROLE_MAPPING: '[["g","root"]]' }, /unknown role: root/],
    ['HS256 allowed', { ...base, OIDC_ALGORITHMS: 'RS256,HS256' }, /OIDC_ALGORITHMS must list asymmetric/],
    ['alg none allowed', { ...base, OIDC_ALGORITHMS: 'none' }, /OIDC_ALGORITHMS/],
    [
      'a tolerance of ten minutes',
      { ...base, OIDC_CLOCK_TOLERANCE_SECONDS: '600' },
      /OIDC_CLOCK_TOLERANCE_SECONDS/,
    ],
    [
      'a lifetime bound of a week',
      { ...base, OIDC_MAX_TOKEN_LIFETIME_SECONDS: '604800' },
      /OIDC_MAX_TOKEN_LIFETIME/,
    ],
    [
      'an unknown audience claim',
      { ...base, OIDC_AUDIENCE_CLAIM: 'azp' },
      /OIDC_AUDIENCE_CLAIM must be aud or client_id/,
    ],
    [
      'a claim name with spaces',
      { ...base, OIDC_SUBJECT_CLAIM: 'user id' },
      /OIDC_SUBJECT_CLAIM is not a claim name/,
    ],
  ])('refuses %s, naming the setting', (_label, env, message) => {
    expect(() => readOidcConfig(env)).toThrow(message);
  });

  it('allows plain http on loopback, for the local provider', () => {
    expect(readOidcConfig({ ...base, OIDC_ISSUER: 'http://127.0.0.1:4020' })?.issuer).toBe(
      'http://127.0.0.1:4020',
    );
  });
});

describe('roleOf', () => {
  const mapping = readOidcConfig(base)?.roleMapping ?? [];

  it('takes the first mapping entry the token carries, in mapping order, not claim order', () => {
    expect(roleOf(['rl-analysts', 'rl-admins'], mapping)).toBe('admin');
    expect(roleOf(['rl-analysts'], mapping)).toBe('analyst');
  });

  it('reads a space-separated string claim too', () => {
    expect(roleOf('other rl-compliance', mapping)).toBe('compliance');
  });

  it.each([
    ['no claim', undefined],
    ['unmapped groups', ['staff', 'rl-admins-readonly']],
    ['a claim of the wrong type', { admin: true }],
  ])('gives no role for %s', (_label, claim) => {
    expect(roleOf(claim, mapping)).toBeUndefined();
  });
});

describe('principalFromClaims', () => {
  const config = {
    issuer: base.OIDC_ISSUER,
    rolesClaim: 'groups',
    subjectClaim: 'sub',
    roleMapping: readOidcConfig(base)?.roleMapping ?? [],
    maxTokenLifetimeSeconds: 300,
  };
  const now = 1_800_000_000;
  const claims = { sub: 'f3c1a9', name: 'Jane Doe', groups: ['rl-compliance'], iat: now, exp: now + 300 };

  it('names the person by subject and issuer, never by display name', () => {
    const principal = principalFromClaims(claims, config);

    expect(principal).toEqual({
      principalId: `${base.OIDC_ISSUER}#f3c1a9`,
      issuer: base.OIDC_ISSUER,
      subject: 'f3c1a9',
      role: 'compliance',
    });
    expect(JSON.stringify(principal)).not.toContain('Jane');
  });

  it('uses the configured subject claim (oid for Entra ID)', () => {
    expect(principalFromClaims({ ...claims, oid: 'obj-1' }, { ...config, subjectClaim: 'oid' }).subject).toBe(
      'obj-1',
    );
  });

  it.each([
    ['a lifetime beyond the bound', { ...claims, exp: now + 301 }, 'lifetime'],
    ['no iat', { ...claims, iat: undefined }, 'lifetime'],
    ['no subject', { ...claims, sub: undefined }, 'no-subject'],
    ['an empty subject', { ...claims, sub: '' }, 'no-subject'],
    ['no mapped group', { ...claims, groups: ['staff'] }, 'no-role'],
  ])('refuses %s', (_label, bad, reason) => {
    const refusal = (() => {
      try {
        principalFromClaims(bad, config);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(TokenRejected);
    expect((refusal as TokenRejected).reason).toBe(reason);
  });
});

describe('bearerCredential', () => {
  it('tells API keys from JWTs', () => {
    const key = newApiKey('admin');

    expect(bearerCredential(`Bearer ${key}`)).toEqual({ kind: 'apiKey', key });
    expect(bearerCredential('Bearer aGVh.cGF5.c2ln')).toEqual({ kind: 'jwt', token: 'aGVh.cGF5.c2ln' });
    // Unsigned tokens reach the authoriser, which refuses them with a reason.
    expect(bearerCredential('Bearer aGVh.cGF5.')).toEqual({ kind: 'jwt', token: 'aGVh.cGF5.' });
  });

  it.each([
    ['two parts', 'Bearer aGVh.cGF5'],
    ['four parts', 'Bearer a.b.c.d'],
    ['padding', 'Bearer aGVh.cGF5.c2ln=='],
    ['another scheme', 'Basic aGVh.cGF5.c2ln'],
  ])('refuses %s', (_label, header) => {
    expect(bearerCredential(header)).toBeUndefined();
  });
});
