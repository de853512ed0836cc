/**
 * `riskloop login` and `logout` against the local OpenID Connect provider: the CLI prints the address, a
 * "browser" (test/helpers/oidc.ts, plain HTTP through the provider's forms) signs the person in and is sent
 * back to the CLI's loopback address; later commands use the person's token; logout revokes it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { browse, type OidcEndpoints, refresh } from '../helpers/oidc.js';

const { apiUrl, dataDir } = inject('runtime');
const oidc = inject('runtime').oidc as OidcEndpoints;
const dir = mkdtempSync(join(tmpdir(), 'riskloop-login-'));
const sessionFile = join(dir, 'config', 'session.json');

/** Runs the bin; `onStderr` sees its error output as it arrives (the sign-in address). */
function cli(
  args: string[],
  onStderr?: (text: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve('cli/riskloop.mjs'), ...args], {
      // The local system's runtime.json names the provider; no API key anywhere.
      env: {
        ...process.env,
        RISKLOOP_DATA_DIR: dataDir,
        RISKLOOP_API_KEY: '',
        RISKLOOP_TOKEN_FILE: sessionFile,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('riskloop login / logout', () => {
  it('signs a person in through the browser, uses their token, and revokes it on logout', async () => {
    let visited: Promise<number> | undefined;
    const login = await cli(['login'], (stderr) => {
      const address = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(stderr)?.[1];
      if (!address || visited) return;
      const callback = new URL(address).searchParams.get('redirect_uri') ?? '';
      visited = browse(address, 'analyst', callback).then(async (back) => (await fetch(back)).status);
    });
    expect(login.code, login.stderr).toBe(0);
    expect(await visited).toBe(200);
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
    const session = JSON.parse(readFileSync(sessionFile, 'utf8')) as {
      refreshToken: string;
      accessToken: string;
    };
    // Neither token is ever printed.
    expect(login.stderr).not.toContain(session.accessToken);
    expect(login.stderr).not.toContain(session.refreshToken);

    // The analyst's token (no --key, no API key anywhere) reads segments; an admin-only command is refused.
    const segments = await cli(['segments', '--json', '--url', apiUrl]);
    expect(segments.code, segments.stderr).toBe(0);
    const resegment = await cli(['resegment', '--detach', '--url', apiUrl]);
    expect(resegment.code).toBe(3);
    expect(resegment.stderr).toMatch(/403|may not/);

    // An access token about to expire is refreshed before use, and the session file keeps the new one.
    writeFileSync(sessionFile, JSON.stringify({ ...session, expiresAt: Math.floor(Date.now() / 1000) }), {
      mode: 0o600,
    });
    const afterRefresh = await cli(['segments', '--json', '--url', apiUrl]);
    expect(afterRefresh.code, afterRefresh.stderr).toBe(0);
    const refreshed = JSON.parse(readFileSync(sessionFile, 'utf8')) as typeof session & { expiresAt: number };
    expect(refreshed.accessToken).not.toBe(session.accessToken);
    expect(refreshed.expiresAt).toBeGreaterThan(Date.now() / 1000 + 200);
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);

    const logout = await cli(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(existsSync(sessionFile)).toBe(false);
    expect((await refresh(oidc, refreshed.refreshToken)).status).toBe(400);
  }, 60_000);

  it('signs a person in with a device code confirmed elsewhere', async () => {
    let confirmed: Promise<string> | undefined;
    const login = await cli(['login', '--device'], (stderr) => {
      const address = /(http:\/\/127\.0\.0\.1:\d+\/device\S*)/.exec(stderr)?.[1];
      if (address && !confirmed) confirmed = browse(address, 'compliance');
    });
    expect(login.code, login.stderr).toBe(0);
    await confirmed;
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
    const session = JSON.parse(readFileSync(sessionFile, 'utf8')) as { accessToken: string };
    expect(
      JSON.parse(Buffer.from(session.accessToken.split('.')[1] ?? '', 'base64url').toString()),
    ).toMatchObject({
      sub: 'compliance',
      aud: oidc.audience,
    });
    expect(login.stderr).not.toContain(session.accessToken);

    const verify = await cli(['audit', 'verify', '--json', '--url', apiUrl]);
    expect(verify.code, verify.stderr).not.toBe(3);
    expect((await cli(['logout'])).code).toBe(0);
    expect(existsSync(sessionFile)).toBe(false);
  }, 60_000);
});
