import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  authDocPath,
  authDocWithMatrix,
  authMatrix,
  callers,
  renderRolesTable,
  rolesStart,
} from '../../infra/auth-matrix.js';
import { repoRoot } from '../../infra/cdk/functions.js';
import { httpRoutes, roles } from '../../infra/manifest.js';

describe('authorisation matrix (infra/auth-matrix.ts)', () => {
  it('is committed in docs/auth.md as generated (run npx tsx infra/auth-matrix.ts after a change)', () => {
    const current = readFileSync(join(repoRoot, authDocPath), 'utf8');
    expect(current).toBe(authDocWithMatrix(current));
  });

  it('generates the roles table of docs/auth.md from the same routes, so it cannot go stale', () => {
    const current = readFileSync(join(repoRoot, authDocPath), 'utf8');
    expect(current).toContain(rolesStart);
    const table = renderRolesTable();
    const rowOf = (role: string) => table.split('\n').find((l) => l.startsWith(`| \`${role}\``)) ?? '';
    for (const role of roles) expect(rowOf(role), role).not.toBe('');
    // Every role's row names, or covers by its area, each route it may call; none it may not.
    expect(rowOf('ingest')).toContain('`POST /v1/customers`');
    expect(rowOf('ingest')).not.toContain('segments');
    expect(rowOf('compliance')).toContain('`/v1/cases…` (all 4)');
    expect(rowOf('admin')).toContain('except `PUT /v1/customers/{pseudonym}/pin`');
    expect(rowOf('privacy')).toContain('`/v1/subjects…` (all 2)');
  });

  it('has one row per manifest route and one cell per role, no key and wrong key', () => {
    const matrix = authMatrix();
    expect(matrix).toHaveLength(httpRoutes().length);
    expect(callers).toEqual([...roles, 'no key', 'wrong key']);
    for (const row of matrix) expect(Object.keys(row.cells).sort()).toEqual([...callers].sort());
  });

  it('keeps data subject rights to the privacy officer and asks every token route for a key', () => {
    const erasure = authMatrix().find((r) => r.method === 'POST' && r.path === '/v1/subjects/erasure');
    expect(erasure?.cells).toEqual({
      ingest: 'forbidden',
      analyst: 'forbidden',
      compliance: 'forbidden',
      admin: 'forbidden',
      privacy: 'allow',
      'no key': 'unauthorized',
      'wrong key': 'unauthorized',
    });
    for (const row of authMatrix().filter((r) => (r.route.auth ?? 'token') === 'token')) {
      expect(row.cells['no key']).toBe('unauthorized');
      expect(Object.values(row.cells)).toContain('allow');
    }
  });
});
