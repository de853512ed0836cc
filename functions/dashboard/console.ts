/**
 * The console's settings, read once at cold start: where people sign in (the issuer the authoriser
 * trusts), as which client, for which audience. Nothing secret: the console's client is public (PKCE).
 */
export interface ConsoleSettings {
  signIn: { issuer: string; clientId: string; scope: string; resource: string | null } | null;
}

/**
 * Sign-in needs OIDC_ISSUER and CONSOLE_CLIENT_ID; without either the console says sign-in is not
 * configured. CONSOLE_SCOPE defaults to `openid`; the resource indicator is OIDC_AUDIENCE when the
 * issuer takes one (CONSOLE_RESOURCE=false leaves it out, for issuers that refuse the parameter).
 */
export function consoleSettings(env: NodeJS.ProcessEnv): ConsoleSettings {
  const issuer = env.OIDC_ISSUER?.trim();
  const clientId = env.CONSOLE_CLIENT_ID?.trim();
  if (!issuer || !clientId) return { signIn: null };
  const audience = env.OIDC_AUDIENCE?.trim();
  return {
    signIn: {
      issuer,
      clientId,
      scope: env.CONSOLE_SCOPE?.trim() || 'openid',
      resource: env.CONSOLE_RESOURCE === 'false' || !audience ? null : audience,
    },
  };
}

/**
 * The console may call this API and the issuer (discovery and the token request), nothing else; no
 * inline script or style, no framing; its only form post is none (sign-in leaves by navigation).
 */
export function consoleContentSecurityPolicy(settings: ConsoleSettings): string {
  const issuerOrigin = settings.signIn ? new URL(settings.signIn.issuer).origin : undefined;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    issuerOrigin ? `connect-src 'self' ${issuerOrigin}` : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
