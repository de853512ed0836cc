/**
 * The authorisation matrix (infra/auth-matrix.ts, shown in docs/auth.md) replayed against the real
 * local gateway and authoriser: one request per route × caller (test/helpers/auth-probe.ts).
 */
import { describe, expect, inject, it } from 'vitest';
import { authMatrix, type Caller, callers } from '../../infra/auth-matrix.js';
import type { HttpRoute } from '../../infra/manifest.js';
import { holds, probe } from '../helpers/auth-probe.js';

const { apiUrl, credentials } = inject('runtime');

function keyOf(caller: Caller): string | undefined {
  if (caller === 'no key') return undefined;
  if (caller === 'wrong key') return 'rl_admin_0000000000000000000000000000000000000000';
  return credentials[caller];
}

const call = (route: HttpRoute, caller: Caller) => probe(apiUrl, route, keyOf(caller));

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
