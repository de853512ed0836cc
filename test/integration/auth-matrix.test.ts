/**
 * The authorisation matrix (infra/auth-matrix.ts, shown in docs/auth.md) replayed against the real
 * local gateway and authoriser: one request per route × caller. Requests are built to change
 * nothing when allowed: path parameters name nothing that exists and bodies carry an unknown field,
 * so an allowed cell answers 400 or 404, which is all "allow" needs (anything but 401/403).
 */
import { describe, expect, inject, it } from 'vitest';
import { authMatrix, type Caller, callers, type Expectation } from '../../infra/auth-matrix.js';
import type { HttpRoute } from '../../infra/manifest.js';
import { placeholderParams } from '../helpers/bad-input.js';

const { apiUrl, credentials } = inject('runtime');

function keyOf(caller: Caller): string | undefined {
  if (caller === 'no key') return undefined;
  if (caller === 'wrong key') return 'rl_admin_0000000000000000000000000000000000000000';
  return credentials[caller];
}

async function call(route: HttpRoute, caller: Caller): Promise<{ status: number; code: unknown }> {
  // A signed route is probed at a configured provider, so the answer comes from the signature check.
  const params =
    route.auth === 'signature' ? { ...placeholderParams, provider: 'riskloop' } : placeholderParams;
  const path = route.path.replace(/\{([^}]+)\}/g, (_m, n: string) => params[n] ?? 'authz-none');
  const key = keyOf(caller);
  const res = await fetch(`${apiUrl}${path}`, {
    method: route.method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(route.maxBodyBytes ? { 'content-type': 'application/json' } : {}),
    },
    ...(route.maxBodyBytes ? { body: JSON.stringify({ authzProbe: true }) } : {}),
  });
  const text = await res.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch {}
  return { status: res.status, code };
}

const holds = (expected: Expectation, status: number): boolean => {
  switch (expected) {
    case 'allow':
    case 'public':
      return status !== 401 && status !== 403 && status < 500;
    case 'forbidden':
      return status === 403;
    case 'unauthorized':
      return status === 401;
    case 'signature':
      // Unsigned: the function itself says 401, whatever API key came along.
      return status === 401;
  }
};

describe('authorisation matrix against the local gateway', () => {
  it('answers every route × role, no key and wrong key as the matrix says', async () => {
    const matrix = authMatrix();
    const mismatches: string[] = [];
    const table: string[] = [];
    for (const row of matrix) {
      const cells: string[] = [];
      for (const caller of callers) {
        const expected = row.cells[caller];
        const { status, code } = await call(row.route, caller);
        cells.push(String(status));
        if (!holds(expected, status))
          mismatches.push(
            `${row.method} ${row.path} as ${caller}: expected ${expected}, got ${status} ${code}`,
          );
      }
      table.push(`${`${row.method} ${row.path}`.padEnd(72)} ${cells.map((c) => c.padStart(4)).join(' ')}`);
    }
    process.stdout.write(
      `authorisation matrix: ${matrix.length} routes × ${callers.length} callers (${callers.join(', ')})\n${table.join('\n')}\n`,
    );
    expect(mismatches).toEqual([]);
  }, 60_000);
});
