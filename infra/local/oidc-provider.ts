/**
 * A real OpenID Connect provider for `npm start` (`oidc-provider`, the certified Node implementation), so
 * sign-in, tokens and the authoriser run the real protocol on a laptop. Local only: never deployed.
 *
 * - One demo person per role, and a second of each deciding role (four-eyes): sign in with their login name
 *   (`analyst`, `compliance`, `compliance2`, `admin`, `admin2`, `privacy`, `privacy2`) at the development form, which
 *   takes any password. Loopback only; demo people, no real accounts.
 * - One public client, `riskloop-cli` (PKCE, no secret): authorization code with a loopback redirect (any
 *   port, RFC 8252), device code, refresh tokens, revocation.
 * - One public browser client, `riskloop-console` (PKCE, no secret, no refresh token): the console at
 *   `/console` on the local API. The API's port is chosen at start (0 in the tests), after this provider
 *   starts, so it is registered with a loopback redirect like the CLI's (any port, path `/console`); the
 *   token endpoint answers its CORS requests from loopback origins only.
 * - Access tokens are JWTs (RFC 9068) for riskloop's audience (resource indicators), live 5 minutes, and
 *   carry the person's groups in `groups`; the authoriser maps them to roles like any issuer's.
 * - Keys are made at each start and everything is in memory: a restart signs everybody out.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Role } from '../manifest.js';

export const localOidc = {
  clientId: 'riskloop-cli',
  /** The resource indicator and `aud` of riskloop's access tokens. */
  audience: 'urn:riskloop:api',
  /** The scope that stands for "call riskloop's API". */
  apiScope: 'riskloop',
  accessTokenSeconds: 300,
  refreshTokenSeconds: 8 * 3600,
  redirectUri: 'http://127.0.0.1/callback',
  /** The console's browser client (docs/console.md) and its redirect: the console's own address. */
  consoleClientId: 'riskloop-console',
  consoleRedirectUri: 'http://127.0.0.1/console',
  /** A second resource server the provider knows: its tokens are riskloop's refusal test for a wrong `aud`. */
  otherAudience: 'urn:example:other-api',
} as const;

/** Group names as a bank's directory might have them, mapped to roles as an operator would (in order). */
export const localRoleMapping: readonly (readonly [string, Role])[] = [
  ['riskloop-admins', 'admin'],
  ['riskloop-privacy', 'privacy'],
  ['riskloop-compliance', 'compliance'],
  ['riskloop-analysts', 'analyst'],
];

/** The demo people: login name (their subject) → groups. Two of each deciding role, for four-eyes. */
export const demoPeople: Readonly<Record<string, readonly string[]>> = {
  analyst: ['riskloop-analysts'],
  compliance: ['riskloop-compliance'],
  compliance2: ['riskloop-compliance'],
  admin: ['riskloop-admins'],
  admin2: ['riskloop-admins'],
  privacy: ['riskloop-privacy'],
  privacy2: ['riskloop-privacy'],
  /** Signs in, but no group of theirs maps to a role: riskloop refuses them (401). */
  visitor: ['staff'],
};

export interface LocalOidc {
  issuer: string;
  /** The authoriser's settings for this provider (shared/domain/oidc.ts). */
  authorizerEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalOidc(host: string, port: number): Promise<LocalOidc> {
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (callback) return void callback(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, await configuration());
  // Loud development-only warnings (dev interactions, no persistent adapter) are what this is: keep them out.
  provider.on('server_error', (_ctx, error) => {
    process.stderr.write(`oidc-provider: ${error.name}: ${error.message}\n`);
  });
  callback = provider.callback();
  return {
    issuer,
    authorizerEnv: {
      OIDC_ISSUER: issuer,
      OIDC_AUDIENCE: localOidc.audience,
      OIDC_ROLES_CLAIM: 'groups',
      OIDC_ROLE_MAPPING: JSON.stringify(localRoleMapping),
      OIDC_ALGORITHMS: 'ES256',
      OIDC_MAX_TOKEN_LIFETIME_SECONDS: String(localOidc.accessTokenSeconds),
      CONSOLE_CLIENT_ID: localOidc.consoleClientId,
      CONSOLE_SCOPE: `openid ${localOidc.apiScope}`,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function configuration(): Promise<Configuration> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `local-${Date.now()}`,
    alg: 'ES256',
    use: 'sig',
  };
  return {
    clients: [
      {
        client_id: localOidc.clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        redirect_uris: [localOidc.redirectUri],
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: localOidc.consoleClientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [localOidc.consoleRedirectUri],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    // Only the console calls the provider from a page (its token request); only from a loopback origin.
    clientBasedCORS: (_ctx, origin, client) =>
      client.clientId === localOidc.consoleClientId && /^http:\/\/127\.0\.0\.1:\d+$/.test(origin),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', localOidc.apiScope],
    claims: { openid: ['sub'] },
    findAccount: async (_ctx, sub) =>
      demoPeople[sub] ? { accountId: sub, claims: async () => ({ sub }) } : undefined,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => localOidc.audience,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== localOidc.audience && indicator !== localOidc.otherAudience) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: localOidc.apiScope,
            audience: indicator,
            accessTokenTTL: localOidc.accessTokenSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // The CLI is riskloop's own, first-party client: no consent screen, everything it asks for is granted.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = session.grantIdFor(client.clientId);
      const grant = existing
        ? await ctx.oidc.provider.Grant.find(existing)
        : new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      if (!grant) return undefined;
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      const wanted = params?.resource;
      for (const resource of Array.isArray(wanted) ? wanted : [wanted ?? localOidc.audience]) {
        if (resource === localOidc.audience || resource === localOidc.otherAudience) {
          grant.addResourceScope(String(resource), localOidc.apiScope);
        }
      }
      await grant.save();
      return grant;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // The roles claim in the access token: the person's groups, as a directory would send them.
    extraTokenClaims: async (_ctx, token) => {
      const groups = 'accountId' in token && token.accountId ? demoPeople[token.accountId] : undefined;
      return groups ? { groups: [...groups] } : undefined;
    },
    ttl: {
      AccessToken: localOidc.accessTokenSeconds,
      RefreshToken: localOidc.refreshTokenSeconds,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 300,
      Interaction: 600,
      Session: localOidc.refreshTokenSeconds,
      Grant: localOidc.refreshTokenSeconds,
    },
    pkce: { required: () => true },
  };
}
