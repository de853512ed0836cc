import { describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy, consoleSettings } from '../../functions/dashboard/console.js';

describe('console settings', () => {
  it('signs in at the authoriser’s issuer with the console client, asking for riskloop’s audience', () => {
    // Act
    const settings = consoleSettings({
      OIDC_ISSUER: 'https://login.example/tenant',
      OIDC_AUDIENCE: 'urn:riskloop:api',
      CONSOLE_CLIENT_ID: 'riskloop-console',
      CONSOLE_SCOPE: 'openid riskloop',
    });

    // Assess
    expect(settings).toEqual({
      signIn: {
        issuer: 'https://login.example/tenant',
        clientId: 'riskloop-console',
        scope: 'openid riskloop',
        resource: 'urn:riskloop:api',
      },
    });
  });

  it('has no sign-in without an issuer or a console client, and may leave the resource out', () => {
    expect(consoleSettings({ OIDC_ISSUER: 'https://login.example' })).toEqual({ signIn: null });
    expect(consoleSettings({ CONSOLE_CLIENT_ID: 'riskloop-console' })).toEqual({ signIn: null });
    const noResource = consoleSettings({
      OIDC_ISSUER: 'https://login.example',
      OIDC_AUDIENCE: 'api://riskloop',
      CONSOLE_CLIENT_ID: 'c',
      CONSOLE_RESOURCE: 'false',
    });
    expect(noResource.signIn).toMatchObject({ scope: 'openid', resource: null });
  });

  it('lets the page connect to this origin and the issuer’s origin only', () => {
    const csp = consoleContentSecurityPolicy(
      consoleSettings({ OIDC_ISSUER: 'https://login.example/tenant/v2.0', CONSOLE_CLIENT_ID: 'c' }),
    );
    expect(csp).toContain("connect-src 'self' https://login.example;");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(consoleContentSecurityPolicy({ signIn: null })).toContain("connect-src 'self';");
  });
});
