/**
 * People's access tokens against the local gateway and authoriser. Every token that should work comes from
 * the local OpenID Connect provider's own endpoints (authorization code + PKCE through its sign-in form,
 * test/helpers/oidc.ts); only the attacks (no signature, HMAC key confusion, a stranger's key, a tampered
 * payload) are built by hand.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { exportSPKI, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { authMatrix } from '../../infra/auth-matrix.js';
import type { Role } from '../../infra/manifest.js';
import { holds, probe } from '../helpers/auth-probe.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';
import { type OidcEndpoints, refresh, revoke, signIn, type Tokens } from '../helpers/oidc.js';

const { apiUrl } = inject('runtime');
const oidc = inject('runtime').oidc as OidcEndpoints;
const logFile = inject('runtimeLogFile');

const people: Record<string, Role> = {
  analyst: 'analyst',
  compliance: 'compliance',
  admin: 'admin',
  admin2: 'admin',
  privacy: 'privacy',
};
const tokens: Record<string, Tokens> = {};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (jwt: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(jwt.split('.')[part] ?? '', 'base64url').toString()) as Record<string, unknown>;

async function status(token: string, path = '/v1/segments'): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: unknown } };
  return { status: res.status, code: body.error?.code };
}

/** The reason codes the authoriser logged for refused tokens since `offset` bytes of the runtime log. */
function refusalsSince(offset: number): string[] {
  return readFileSync(logFile, 'utf8')
    .slice(offset)
    .split('\n')
    .filter((line) => line.includes('access token refused'))
    .map((line) => (JSON.parse(line) as { reason: string }).reason);
}

beforeAll(async () => {
  expect(oidc, 'the shared local system runs the OIDC provider (test/global-setup.ts)').toBeDefined();
  for (const person of Object.keys(people)) tokens[person] = await signIn(oidc, person);
}, 30_000);

describe('signing in at the local provider', () => {
  it('gives short-lived JWT access tokens for riskloop, with the groups and the person as subject', () => {
    const token = tokens.compliance?.access_token ?? '';
    const claims = decode(token, 1);

    expect(decode(token, 0)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(claims).toMatchObject({
      iss: oidc.issuer,
      aud: oidc.audience,
      sub: 'compliance',
      groups: ['riskloop-compliance'],
    });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
    expect(tokens.compliance?.refresh_token).toBeTruthy();
  });
});

describe('access tokens against the authorisation matrix', () => {
  it('lets each person reach exactly what their role may, on every route', async () => {
    const mismatches: string[] = [];
    let requests = 0;
    for (const row of authMatrix()) {
      for (const [person, role] of Object.entries(people)) {
        const { status: got, code } = await probe(apiUrl, row.route, tokens[person]?.access_token);
        requests += 1;
        if (!holds(row.cells[role], got)) {
          mismatches.push(
            `${row.method} ${row.path} as ${person} (${role}): expected ${row.cells[role]}, got ${got} ${code}`,
          );
        }
      }
    }
    process.stdout.write(`access token matrix: ${requests} requests, ${mismatches.length} mismatches\n`);
    expect(mismatches).toEqual([]);
  }, 60_000);
});

describe('tokens the authoriser refuses', () => {
  let providerKey: JWK;
  let good: string;

  beforeAll(async () => {
    const meta = (await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
    };
    const jwks = (await (await fetch(meta.jwks_uri)).json()) as { keys: JWK[] };
    providerKey = jwks.keys[0] ?? expect.fail('no key');
    good = tokens.analyst?.access_token ?? '';
    expect((await status(good)).status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({
    iss: oidc.issuer,
    aud: oidc.audience,
    sub: 'admin',
    groups: ['riskloop-admins'],
    iat: now(),
    exp: now() + 120,
  });

  it('refuses each attack with a 401 and logs why, never the token', async () => {
    const offset = readFileSync(logFile, 'utf8').length;
    const stranger = await generateKeyPair('ES256');
    const signedByStranger = (kid: string, payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(stranger.privateKey);
    // HS256 "key confusion": the provider's public key, as PEM, used as the HMAC secret.
    const pem = await exportSPKI((await importJWK(providerKey, 'ES256')) as Parameters<typeof exportSPKI>[0]);
    const hsInput = `${b64({ alg: 'HS256', kid: providerKey.kid, typ: 'at+jwt' })}.${b64(claims())}`;
    const [header, , signature] = good.split('.');

    const attacks: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`,
      'HS256 signed with the public key': `${hsInput}.${createHmac('sha256', pem).update(hsInput).digest('base64url')}`,
      'an unknown key id': await signedByStranger('not-a-key-of-the-issuer', claims()),
      "the issuer's key id, a stranger's key": await signedByStranger(providerKey.kid ?? '', claims()),
      'a tampered payload (analyst made admin)': `${header}.${b64({ ...decode(good, 1), groups: ['riskloop-admins'] })}.${signature}`,
      'a wrong issuer': await signedByStranger('k', { ...claims(), iss: 'https://evil.example.com' }),
      'an expired token': await signedByStranger(providerKey.kid ?? '', {
        ...claims(),
        iat: now() - 600,
        exp: now() - 300,
      }),
      'a not-yet-valid token': await signedByStranger(providerKey.kid ?? '', {
        ...claims(),
        nbf: now() + 600,
      }),
    };
    const answers = Object.fromEntries(
      await Promise.all(
        Object.entries(attacks).map(async ([name, token]) => [name, await status(token)] as const),
      ),
    );

    for (const [name, answer] of Object.entries(answers)) {
      expect(answer, name).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    }
    const reasons = refusalsSince(offset);
    expect(reasons).toEqual(expect.arrayContaining(['algorithm', 'unknown-key', 'signature']));
    const log = readFileSync(logFile, 'utf8').slice(offset);
    for (const token of [...Object.values(attacks), good])
      expect(log).not.toContain(token.split('.')[2] || token);
  });

  it('refuses a real token for another audience, and a person whose groups map to no role', async () => {
    const offset = readFileSync(logFile, 'utf8').length;
    const otherAudience = await signIn(oidc, 'admin', { resource: 'urn:example:other-api' });
    const visitor = await signIn(oidc, 'visitor');

    expect(decode(otherAudience.access_token, 1).aud).toBe('urn:example:other-api');
    expect(await status(otherAudience.access_token)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(await status(visitor.access_token)).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(refusalsSince(offset)).toEqual(['audience', 'no-role']);
  });
});

describe('refresh and logout', () => {
  it('refreshes to a new working access token; after revocation the refresh token is dead', async () => {
    const session = await signIn(oidc, 'privacy');
    const refreshed = await refresh(oidc, session.refresh_token ?? '');
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as Tokens;
    expect(next.access_token).not.toBe(session.access_token);
    expect((await status(next.access_token, '/v1/segments')).status).toBe(403);

    expect(await revoke(oidc, next.refresh_token ?? '')).toBe(200);
    const afterLogout = await refresh(oidc, next.refresh_token ?? '');
    expect(afterLogout.status).toBe(400);
    expect(((await afterLogout.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

describe('named actors', () => {
  /** Calls the API as a signed-in person (their access token from the provider). */
  async function as(person: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[person]?.access_token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  }
  const personOf = (login: string, role: Role) => ({
    type: 'person',
    id: `${oidc.issuer}#${login}`,
    issuer: oidc.issuer,
    subject: login,
    role,
  });

  it('names the person (issuer and subject, no display name) on pins, cases, erasures, jobs and their audit records', async () => {
    // Prepare: a customer fed by a machine (API key), decided by the worker.
    const externalId = `NA-${runId()}`;
    const ingested = await api('ingest', 'POST', '/v1/customers', {
      records: [
        { externalId, type: 'individual', jurisdictions: ['DE'], flags: { sanctionsHit: true }, lawfulBasis },
      ],
    });
    const pseudonym = ingested.body.results[0].pseudonym as string;
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`)).status === 200 ? true : undefined,
    );
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();

    // Act: people pin, open and take a case, ask for erasure, start a job.
    const pinned = await as('compliance', 'PUT', `/v1/customers/${pseudonym}/pin`, {
      segment: 'high',
      reasonCode: 'MODEL_ERROR',
      expiresAt,
    });
    const opened = await as('compliance', 'POST', '/v1/cases', {
      kind: 'compliance_review',
      subject: pseudonym,
      reasonCode: 'MANUAL_REVIEW',
    });
    const taken = await as('compliance', 'POST', `/v1/cases/${opened.body.caseId}/transitions`, {
      to: 'in_review',
    });
    const erasure = await as('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: externalId });
    const exportJob = await as('compliance', 'POST', '/v1/exports/segments', {});
    const job = await as('compliance', 'GET', `/v1/jobs/${exportJob.body.jobId}`);

    // Assess
    expect([pinned.status, opened.status, taken.status, erasure.status, exportJob.status]).toEqual([
      200, 201, 200, 202, 202,
    ]);
    const compliancePerson = `${oidc.issuer}#compliance`;
    expect(opened.body.openedBy).toBe(compliancePerson);
    expect(taken.body.assignee).toBe(compliancePerson);
    expect(job.body.startedBy).toEqual({
      principalId: compliancePerson,
      role: 'compliance',
      issuer: oidc.issuer,
      subject: 'compliance',
    });
    const history = await api('compliance', 'GET', `/v1/customers/${pseudonym}/history`);
    expect(history.body.history.map((h: { actor?: string }) => h.actor)).toContain(compliancePerson);
    const records =
      (
        await localDynamo().send(
          new QueryCommand({
            TableName: env().TABLE_AUDIT,
            KeyConditionExpression: '#s = :s',
            ExpressionAttributeNames: { '#s': 'stream' },
            ExpressionAttributeValues: { ':s': pseudonym },
          }),
        )
      ).Items ?? [];
    const actorOf = (action: string) => records.find((r) => r.action === action)?.actor;
    expect(actorOf('segment.pinned')).toEqual(personOf('compliance', 'compliance'));
    expect(actorOf('case.opened')).toEqual(personOf('compliance', 'compliance'));
    expect(actorOf('case.in-review')).toEqual(personOf('compliance', 'compliance'));
    expect(actorOf('subject.erasure-deferred')).toEqual(personOf('privacy', 'privacy'));
    // The machine that fed the customer is named by its key's principal.
    expect(actorOf('segment.assigned') ?? actorOf('segment.changed')).toMatchObject({ type: 'system' });
  });
});
