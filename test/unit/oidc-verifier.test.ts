/**
 * The verifier against an in-process issuer (discovery + JWKS over HTTP). Tokens are signed here because
 * this tests the verifier's refusals; the integration tests get real tokens from the local provider.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuerUnavailable, oidcVerifier } from '../../shared/adapters/oidc-verifier.js';
import { readOidcConfig, TokenRejected } from '../../shared/domain/oidc.js';

let server: Server;
let issuer: string;
let publicJwk: JWK;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let publicPem: string;
let jwksRequests = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  publicPem = await exportSPKI(pair.publicKey);
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      return void res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    }
    jwksRequests += 1;
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const config = () =>
  readOidcConfig({
    OIDC_ISSUER: issuer,
    OIDC_AUDIENCE: 'riskloop-api',
    OIDC_ROLE_MAPPING: '[["rl-admins","admin"]]',
    OIDC_MAX_TOKEN_LIFETIME_SECONDS: '300',
  }) ?? expect.fail('no config');

const now = () => Math.floor(Date.now() / 1000);

function token(
  overrides: { iss?: string; aud?: string; iat?: number; nbf?: number; exp?: number; kid?: string } = {},
) {
  const iat = overrides.iat ?? now();
  let jwt = new SignJWT({ groups: ['rl-admins'] })
    .setProtectedHeader({ alg: 'ES256', kid: overrides.kid ?? 'k1', typ: 'at+jwt' })
    .setSubject('person-1')
    .setIssuer(overrides.iss ?? issuer)
    .setAudience(overrides.aud ?? 'riskloop-api')
    .setIssuedAt(iat)
    .setExpirationTime(overrides.exp ?? iat + 300);
  if (overrides.nbf !== undefined) jwt = jwt.setNotBefore(overrides.nbf);
  return jwt.sign(privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function reasonOf(verify: (t: string) => Promise<unknown>, jwt: string): Promise<string> {
  try {
    await verify(jwt);
  } catch (error) {
    if (error instanceof TokenRejected) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('oidcVerifier', () => {
  it('accepts a good token, with the keys found through discovery and fetched once', async () => {
    const verify = oidcVerifier(config());
    const before = jwksRequests;

    expect(await verify(await token())).toEqual({
      principalId: `${issuer}#person-1`,
      issuer,
      subject: 'person-1',
      role: 'admin',
    });
    await verify(await token());
    expect(jwksRequests - before).toBe(1);
  });

  it('refuses forged and out-of-date tokens with a reason each', async () => {
    const verify = oidcVerifier(config());
    const { createHmac } = await import('node:crypto');
    const claims = {
      sub: 'person-1',
      iss: issuer,
      aud: 'riskloop-api',
      iat: now(),
      exp: now() + 60,
      groups: ['rl-admins'],
    };
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const hsInput = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(claims)}`;
    const hsConfused = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;
    const [good] = (await token()).split('.', 1);
    const tampered = `${good}.${b64({ ...claims, groups: ['rl-admins'], sub: 'someone-else' })}.${(await token()).split('.')[2]}`;

    const reasons = {
      unsigned: await reasonOf(verify, unsigned),
      hsConfused: await reasonOf(verify, hsConfused),
      tampered: await reasonOf(verify, tampered),
      unknownKid: await reasonOf(verify, await token({ kid: 'k-unknown' })),
      wrongIssuer: await reasonOf(verify, await token({ iss: 'https://evil.example.com' })),
      wrongAudience: await reasonOf(verify, await token({ aud: 'another-api' })),
      expired: await reasonOf(verify, await token({ iat: now() - 400, exp: now() - 100 })),
      expiredWithinTolerance: await reasonOf(verify, await token({ iat: now() - 300, exp: now() - 10 })),
      notYetValid: await reasonOf(verify, await token({ nbf: now() + 120 })),
      tooLong: await reasonOf(verify, await token({ exp: now() + 3600 })),
      noExpiry: await reasonOf(
        verify,
        await new SignJWT({ groups: ['rl-admins'] })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setSubject('person-1')
          .setIssuer(issuer)
          .setAudience('riskloop-api')
          .setIssuedAt()
          .sign(privateKey),
      ),
    };

    expect(reasons).toEqual({
      unsigned: 'algorithm',
      hsConfused: 'algorithm',
      tampered: 'signature',
      unknownKid: 'unknown-key',
      wrongIssuer: 'issuer',
      wrongAudience: 'audience',
      expired: 'expired',
      expiredWithinTolerance: 'accepted',
      notYetValid: 'not-yet-valid',
      tooLong: 'lifetime',
      noExpiry: 'malformed',
    });
  });

  it('checks client_id instead of aud where so configured (Cognito access tokens)', async () => {
    const verify = oidcVerifier({ ...config(), audienceClaim: 'client_id', audience: 'app-client-1' });
    const cognito = (claims: Record<string, unknown>) =>
      new SignJWT({ groups: ['rl-admins'], ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('person-1')
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);

    expect(await reasonOf(verify, await cognito({ client_id: 'app-client-1', token_use: 'access' }))).toBe(
      'accepted',
    );
    expect(await reasonOf(verify, await cognito({ client_id: 'another-client', token_use: 'access' }))).toBe(
      'audience',
    );
    // An ID token names the client in aud, never in client_id; one that did would still say token_use id.
    expect(await reasonOf(verify, await cognito({ aud: 'app-client-1', token_use: 'id' }))).toBe('audience');
    expect(await reasonOf(verify, await cognito({ client_id: 'app-client-1', token_use: 'id' }))).toBe(
      'audience',
    );
  });

  it('calls an unreachable issuer unavailable, not the caller unauthorised', async () => {
    const verify = oidcVerifier({ ...config(), issuer: 'http://127.0.0.1:9', jwksUri: undefined });

    await expect(verify(await token())).rejects.toBeInstanceOf(IssuerUnavailable);
  });
});
