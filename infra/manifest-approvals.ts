/** Four-eyes requests: the inbox of those who decide. Listed in `functions` in infra/manifest.ts, in place. */
import type { FunctionSpec } from './manifest-types.js';

/**
 * Reads only: each request is decided by the function that carries its action out
 * (`POST /v1/approvals/{area}/{approvalId}`), so no function holds another's permissions.
 */
export const approvalsApi = {
  entry: 'functions/approvals-api/handler.ts',
  description:
    'Four-eyes requests waiting for a second person (paged, the soonest to expire first) and any one request with its decision.',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'GET', path: '/v1/approvals', roles: ['compliance', 'privacy', 'admin'] },
      { method: 'GET', path: '/v1/approvals/{approvalId}', roles: ['compliance', 'privacy', 'admin'] },
    ],
  },
  tables: { approvals: 'read' },
} as const satisfies FunctionSpec;
