/**
 * `riskloop login` / `logout`: a person signs in at the bank's OpenID Connect provider with the authorization
 * code flow, PKCE and a loopback redirect (RFC 8252): the CLI listens on 127.0.0.1 at a free port, prints the
 * address to open in a browser, and exchanges the code it receives. The tokens are kept in a file only its
 * owner can read (0600); later commands use the access token and refresh it when it is about to expire.
 * `logout` revokes the refresh token at the provider and deletes the file. Tokens never go into URLs or logs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, exitCodes } from './client.js';

export interface SignInSettings {
  issuer: string;
  clientId: string;
  audience: string;
  scope: string;
}

interface Session extends SignInSettings {
  accessToken: string;
  refreshToken: string | undefined;
  /** Unix seconds. */
  expiresAt: number;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  device_authorization_endpoint?: string;
}

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Where the session is kept: RISKLOOP_TOKEN_FILE, else $XDG_CONFIG_HOME (or ~/.config)/riskloop/session.json. */
export function sessionFile(): string {
  if (process.env.RISKLOOP_TOKEN_FILE) return resolve(process.env.RISKLOOP_TOKEN_FILE);
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'riskloop', 'session.json');
}

/**
 * The provider to sign in at: --issuer etc., else RISKLOOP_OIDC_ISSUER / _CLIENT_ID / _AUDIENCE, else the
 * local system's provider (`npm start`, named in .data/runtime.json).
 */
export function signInSettings(flags: {
  issuer?: string | undefined;
  clientId?: string | undefined;
}): SignInSettings {
  const issuer = flags.issuer ?? process.env.RISKLOOP_OIDC_ISSUER;
  if (issuer) {
    const audience = process.env.RISKLOOP_OIDC_AUDIENCE;
    if (!audience)
      throw new CliError('Set RISKLOOP_OIDC_AUDIENCE (riskloop’s audience at the provider)', exitCodes.usage);
    return {
      issuer,
      clientId: flags.clientId ?? process.env.RISKLOOP_OIDC_CLIENT_ID ?? 'riskloop-cli',
      audience,
      scope: process.env.RISKLOOP_OIDC_SCOPE ?? 'openid offline_access',
    };
  }
  const dataDir = process.env.RISKLOOP_DATA_DIR
    ? resolve(process.env.RISKLOOP_DATA_DIR)
    : resolve(repoRoot, '.data');
  const runtimeFile = join(dataDir, 'runtime.json');
  const local = existsSync(runtimeFile)
    ? (JSON.parse(readFileSync(runtimeFile, 'utf8')) as { oidc?: SignInSettings }).oidc
    : undefined;
  if (!local) {
    throw new CliError(
      'No provider to sign in at: pass --issuer (with RISKLOOP_OIDC_AUDIENCE), or start the local one (RISKLOOP_OIDC=true npm start)',
      exitCodes.usage,
    );
  }
  return { issuer: local.issuer, clientId: local.clientId, audience: local.audience, scope: local.scope };
}

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`).catch(
    () => undefined,
  );
  if (!res?.ok) throw new CliError(`Cannot read ${issuer}'s discovery document`, exitCodes.connection);
  return (await res.json()) as Discovery;
}

/** Signs in; `show` is told the address to open (printed, or opened by a test). */
export async function login(
  settings: SignInSettings,
  show: (url: string) => void,
  timeoutMs = 300_000,
): Promise<void> {
  const meta = await discover(settings.issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  let answer: (result: { code: string } | { error: string }) => void = () => {};
  const received = new Promise<{ code: string } | { error: string }>((r) => {
    answer = r;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') return void res.writeHead(404).end();
    const ok = url.searchParams.get('state') === state && url.searchParams.get('code');
    res.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'Signed in to riskloop. You can close this tab.\n' : 'Sign-in failed. See the terminal.\n');
    answer(
      ok
        ? { code: url.searchParams.get('code') as string }
        : { error: url.searchParams.get('error') ?? 'state mismatch' },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const authorize = new URL(meta.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: settings.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: settings.scope,
    resource: settings.audience,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let timer: NodeJS.Timeout | undefined;
  try {
    show(authorize.href);
    const result = await Promise.race([
      received,
      new Promise<{ error: string }>((r) => {
        timer = setTimeout(() => r({ error: 'no answer from the browser in time' }), timeoutMs);
      }),
    ]);
    if ('error' in result) throw new CliError(`Sign-in failed: ${result.error}`, exitCodes.connection);
    const tokens = await tokenRequest(meta, settings, {
      grant_type: 'authorization_code',
      code: result.code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    save({ ...settings, ...tokens });
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}

/**
 * Signs in with the device authorization grant (RFC 8628), for a terminal with no browser at hand (a jump
 * host): `show` is told the address and the code to enter on any device; the CLI polls the token endpoint
 * at the interval the provider asks for.
 */
export async function loginWithDeviceCode(
  settings: SignInSettings,
  show: (url: string, userCode: string) => void,
  timeoutMs = 600_000,
): Promise<void> {
  const meta = await discover(settings.issuer);
  if (!meta.device_authorization_endpoint) {
    throw new CliError(
      `${settings.issuer} offers no device sign-in: use riskloop login without --device`,
      exitCodes.usage,
    );
  }
  const res = await fetch(meta.device_authorization_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: settings.clientId,
      scope: settings.scope,
      resource: settings.audience,
    }).toString(),
  });
  const device = (await res.json().catch(() => ({}))) as {
    device_code?: string;
    user_code?: string;
    verification_uri?: string;
    verification_uri_complete?: string;
    interval?: number;
  };
  if (!res.ok || !device.device_code || !device.user_code || !device.verification_uri) {
    throw new CliError(`The provider refused the device sign-in (HTTP ${res.status})`, exitCodes.connection);
  }
  show(device.verification_uri_complete ?? device.verification_uri, device.user_code);
  let intervalMs = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const outcome = await tokenRequest(meta, settings, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: device.device_code,
    }).catch((error: unknown) => error as CliError);
    if (!(outcome instanceof CliError)) {
      save({ ...settings, ...outcome });
      return;
    }
    const code = (outcome.detail as { error?: string } | undefined)?.error;
    if (code === 'slow_down') intervalMs += 5000;
    else if (code !== 'authorization_pending') throw outcome;
  }
  throw new CliError('Sign-in failed: no answer in time', exitCodes.connection);
}

/** The signed-in person's access token, refreshed when it has less than 30 s left; undefined when nobody is signed in. */
export async function sessionToken(): Promise<string | undefined> {
  const file = sessionFile();
  if (!existsSync(file)) return undefined;
  const session = JSON.parse(readFileSync(file, 'utf8')) as Session;
  if (session.expiresAt - 30 > Date.now() / 1000) return session.accessToken;
  if (!session.refreshToken)
    throw new CliError('The sign-in has expired: riskloop login', exitCodes.connection);
  const tokens = await tokenRequest(await discover(session.issuer), session, {
    grant_type: 'refresh_token',
    refresh_token: session.refreshToken,
  }).catch(() => {
    throw new CliError('The sign-in has expired or was revoked: riskloop login', exitCodes.connection);
  });
  save({ ...session, ...tokens, refreshToken: tokens.refreshToken ?? session.refreshToken });
  return tokens.accessToken;
}

/** Revokes the refresh token (which ends the session at the provider) and forgets the tokens. */
export async function logout(): Promise<'revoked' | 'not signed in'> {
  const file = sessionFile();
  if (!existsSync(file)) return 'not signed in';
  const session = JSON.parse(readFileSync(file, 'utf8')) as Session;
  const meta = await discover(session.issuer);
  if (session.refreshToken && meta.revocation_endpoint) {
    const res = await fetch(meta.revocation_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: session.refreshToken,
        token_type_hint: 'refresh_token',
        client_id: session.clientId,
      }).toString(),
    });
    if (!res.ok)
      throw new CliError(`The provider refused the revocation (HTTP ${res.status})`, exitCodes.connection);
  }
  rmSync(file, { force: true });
  return 'revoked';
}

async function tokenRequest(
  meta: Discovery,
  settings: SignInSettings,
  params: Record<string, string>,
): Promise<Pick<Session, 'accessToken' | 'refreshToken' | 'expiresAt'>> {
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...params,
      client_id: settings.clientId,
      resource: settings.audience,
    }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    refresh_token?: string;
    expires_in?: number;
    error?: string;
  };
  if (!res.ok || !body.access_token) {
    throw new CliError(
      `The provider refused the token request (${body.error ?? res.status})`,
      exitCodes.connection,
    );
  }
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    expiresAt: Math.floor(Date.now() / 1000) + (body.expires_in ?? 60),
  };
}

/** Owner-only: the directory 0700, the file 0600 (chmod too, for a file that existed with looser rights). */
function save(session: Session): void {
  const file = sessionFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(session)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
