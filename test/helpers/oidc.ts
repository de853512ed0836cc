/**
 * Signs a demo person in at the local OpenID Connect provider the way a browser would: the authorization
 * code flow with PKCE, over the provider's own HTTP endpoints and its development sign-in form, following
 * redirects by hand with a cookie jar. Nothing here signs a token: every token comes from the provider.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface OidcEndpoints {
  issuer: string;
  clientId: string;
  audience: string;
  scope: string;
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  token_type: string;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
}

const redirectUri = 'http://127.0.0.1:53682/callback';

export async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`discovery: HTTP ${res.status}`);
  return (await res.json()) as Discovery;
}

/** A minimal cookie jar: enough for the provider's interaction and session cookies on one host. */
class Cookies {
  private readonly jar = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';', 1);
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Signs `login` in and exchanges the code: the provider's tokens (access token for riskloop, refresh token). */
export async function signIn(
  oidc: OidcEndpoints,
  login: string,
  options: { resource?: string } = {},
): Promise<Tokens> {
  const resource = options.resource ?? oidc.audience;
  const meta = await discover(oidc.issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(meta.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: oidc.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: oidc.scope,
    resource,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const back = new URL(await browse(authorize.href, login, redirectUri));
  if (back.searchParams.get('state') !== state) throw new Error('state mismatch');
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.searchParams.get('error') ?? 'unknown'}`);
  return exchange(meta, oidc, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    resource,
  });
}

/**
 * What a person's browser does with a sign-in address: follows the provider's redirects and fills its
 * forms (the device code entry and confirmation, sign-in as `login`, consent), submitting each form's own
 * fields. With `callbackPrefix` (authorization code flow) it stops at the redirect back there and returns
 * that address (with the code), not visited; without (device flow) it stops at the page with no form
 * that follows the sign-in, the provider's "you may close this window".
 */
export async function browse(startUrl: string, login: string, callbackPrefix?: string): Promise<string> {
  const cookies = new Cookies();
  let url = startUrl;
  // A response already in hand: a form's answer is either a redirect or the next page itself.
  let res: Response | undefined;
  const submitted = new Set<string>();
  for (let hop = 0; hop < 15; hop++) {
    if (!res) {
      if (callbackPrefix && url.startsWith(callbackPrefix)) return url;
      res = await fetch(url, { redirect: 'manual', headers: { cookie: cookies.header() } });
      cookies.take(res);
    }
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location') ?? '', url).href;
      res = undefined;
      continue;
    }
    const status = res.status;
    const page = await res.text();
    res = undefined;
    const form = /<form\b[\s\S]*?<\/form>/.exec(page)?.[0];
    if (status === 200 && !form && !callbackPrefix && submitted.has('login')) return url;
    const kind = !form ? '' : formKind(form, page);
    const action = form && /action="([^"]+)"/.exec(form)?.[1];
    if (status !== 200 || !action || kind === '' || (kind !== 'auto-submit' && submitted.has(kind))) {
      const text = page
        .replace(/<style[\s\S]*?<\/style>/g, '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ');
      throw new Error(`unexpected page at ${new URL(url).pathname}: HTTP ${status} ${text.slice(0, 300)}`);
    }
    submitted.add(kind);
    const fields = formFields(form ?? '');
    if (kind === 'login') Object.assign(fields, { login, password: 'demo' });
    url = new URL(action, url).href;
    res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    cookies.take(res);
  }
  throw new Error('too many redirects');
}

function formKind(form: string, page = form): string {
  // A page that submits its own form by script (the provider's hand-over back to its device flow).
  if (/document\.forms\[0\]\.submit\(\)/.test(page)) return 'auto-submit';
  if (/name="login"/.test(form)) return 'login';
  if (/name="prompt" value="consent"/.test(form)) return 'consent';
  if (/id="op.deviceInputForm"/.test(form)) return 'device-code';
  if (/id="op.deviceConfirmForm"/.test(form)) return 'device-confirm';
  return '';
}

/** The named inputs of a form with their values (hidden fields, a pre-filled code). */
function formFields(form: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [input] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input)?.[1];
    if (name) fields[name] = /value="([^"]*)"/.exec(input)?.[1] ?? '';
  }
  return fields;
}

export async function refresh(oidc: OidcEndpoints, refreshToken: string): Promise<Response> {
  const meta = await discover(oidc.issuer);
  return tokenRequest(meta, oidc, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export async function revoke(oidc: OidcEndpoints, token: string): Promise<number> {
  const meta = await discover(oidc.issuer);
  const res = await fetch(meta.revocation_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token,
      token_type_hint: 'refresh_token',
      client_id: oidc.clientId,
    }).toString(),
  });
  return res.status;
}

async function exchange(
  meta: Discovery,
  oidc: OidcEndpoints,
  params: Record<string, string>,
): Promise<Tokens> {
  const res = await tokenRequest(meta, oidc, params);
  if (!res.ok) throw new Error(`token endpoint: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Tokens;
}

function tokenRequest(
  meta: Discovery,
  oidc: OidcEndpoints,
  params: Record<string, string>,
): Promise<Response> {
  return fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ resource: oidc.audience, ...params, client_id: oidc.clientId }).toString(),
  });
}
