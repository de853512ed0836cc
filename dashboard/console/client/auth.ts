/**
 * Sign-in with OpenID Connect: authorization code with PKCE, as a public client. The access token
 * stays in this module's memory (never storage, never a URL); only the PKCE verifier and state wait in
 * session storage across the provider's redirect, and are removed when it comes back.
 */

/** What GET console/config.json says: no secrets, only where and as whom to sign in. */
export interface ConsoleConfig {
  signIn: { issuer: string; clientId: string; scope: string; resource: string | null } | null;
}

export interface Session {
  accessToken: string;
  expiresAt: number;
  /** The token's subject, for display only (the API verifies the token, not this page). */
  subject: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

const pendingKey = 'riskloop.console.pending';

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const random = (n: number) => base64url(crypto.getRandomValues(new Uint8Array(n)));

/** Where the provider sends the person back: this page, without query or fragment. */
const redirectUri = () => `${location.origin}${location.pathname}`;

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch(new URL('console/config.json', location.href));
  if (!res.ok) throw new Error(`The console's settings could not be read (HTTP ${res.status}).`);
  return (await res.json()) as ConsoleConfig;
}

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`The identity provider did not answer (HTTP ${res.status}).`);
  return (await res.json()) as Discovery;
}

/** Leaves for the provider's sign-in page. */
export async function startSignIn(signIn: NonNullable<ConsoleConfig['signIn']>): Promise<void> {
  const meta = await discover(signIn.issuer);
  const verifier = random(32);
  const state = random(16);
  sessionStorage.setItem(pendingKey, JSON.stringify({ verifier, state }));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const url = new URL(meta.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: signIn.clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: signIn.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(signIn.resource ? { resource: signIn.resource } : {}),
  }).toString();
  location.assign(url.href);
}

/**
 * Back from the provider: takes the code out of the address bar at once, checks the state and
 * exchanges the code for tokens. Undefined when this load is not a return from the provider.
 */
export async function completeSignIn(
  signIn: NonNullable<ConsoleConfig['signIn']>,
): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (code === null && error === null) return undefined;
  history.replaceState(null, '', location.pathname);
  const pending = sessionStorage.getItem(pendingKey);
  sessionStorage.removeItem(pendingKey);
  if (error !== null) throw new Error(`The sign-in was not completed (${error}).`);
  const { verifier, state } = JSON.parse(pending ?? '{}') as { verifier?: string; state?: string };
  if (!verifier || state !== params.get('state'))
    throw new Error('The sign-in answer does not match: sign in again.');
  const meta = await discover(signIn.issuer);
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: redirectUri(),
      code_verifier: verifier,
      client_id: signIn.clientId,
      ...(signIn.resource ? { resource: signIn.resource } : {}),
    }).toString(),
  });
  if (!res.ok) throw new Error(`The identity provider refused the sign-in (HTTP ${res.status}).`);
  const tokens = (await res.json()) as { access_token: string; expires_in: number };
  return {
    accessToken: tokens.access_token,
    expiresAt: Date.now() + tokens.expires_in * 1000,
    subject: subjectOf(tokens.access_token),
  };
}

/** The `sub` of a JWT access token, unverified, for the header; an opaque token shows as "signed in". */
function subjectOf(token: string): string {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : 'signed in';
  } catch {
    return 'signed in';
  }
}
