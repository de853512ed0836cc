import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalOidc, localOidc, startLocalOidc } from '../../infra/local/oidc-provider.js';

/**
 * The local provider lets the console's page call its token endpoint from a loopback origin only, and
 * no page call it for the CLI's client. A made-up code is enough: the origin is checked before the grant.
 */
describe('local OIDC provider: the console client', () => {
  let provider: LocalOidc;
  let tokenEndpoint: string;

  beforeAll(async () => {
    provider = await startLocalOidc('127.0.0.1', 0);
    const meta = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string;
    };
    tokenEndpoint = meta.token_endpoint;
  });
  afterAll(() => provider?.close());

  const tokenRequest = (origin: string, clientId: string) =>
    fetch(tokenEndpoint, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'not-a-code',
        client_id: clientId,
        redirect_uri: 'http://127.0.0.1:3000/console',
        code_verifier: 'v'.repeat(43),
      }).toString(),
    });

  it('answers the console from a loopback origin (the grant itself is refused: no such code)', async () => {
    const res = await tokenRequest('http://127.0.0.1:3000', localOidc.consoleClientId);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses the console from any other origin, and the CLI client from any page', async () => {
    for (const [origin, client] of [
      ['https://attacker.example', localOidc.consoleClientId],
      ['http://127.0.0.1:3000', localOidc.clientId],
    ] as const) {
      const res = await tokenRequest(origin, client);
      expect(res.headers.get('access-control-allow-origin'), `${origin} ${client}`).toBeNull();
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('hands the console its client id and scope with the authoriser settings', () => {
    expect(provider.authorizerEnv).toMatchObject({
      CONSOLE_CLIENT_ID: 'riskloop-console',
      CONSOLE_SCOPE: 'openid riskloop',
    });
  });
});
