/** Privacy functions: erasure and export on request, the personal-data gatekeeper, the daily erasure and retention job. Listed in `functions` in infra/manifest.ts, in place. */
import type { FunctionSpec, TableName } from './manifest-types.js';

/**
 * What erasure touches, shared by the two functions that erase (privacyApi on request, privacyScheduler
 * when a hold or the retention period ends): it crypto-shreds the subject key and the directory entry,
 * then deletes everything keyed by the pseudonym. Nothing else may delete from these tables.
 */
const erasedTables = [
  'subjectIndex',
  'subjectKeys',
  'profiles',
  'transactions',
  'assignments',
  'overrides',
  'feedback',
  'outcomes',
  'erasureRequests',
  'cases',
  'kycReviews',
] as const satisfies readonly TableName[];

/**
 * An eraser's description: the compiler holds its tables to every erased table, read-write. Written
 * out rather than spread from a shared object, so that esbuild can leave these descriptions out of
 * the other functions' bundles (a spread might run a getter; see infra/manifest.ts).
 */
type Eraser = FunctionSpec & { tables: Record<(typeof erasedTables)[number], 'readwrite'> };

export const privacyApi = {
  entry: 'functions/privacy-api/handler.ts',
  description:
    'Data subject rights for the privacy officer: erasure (crypto-shred, or deferred under a legal hold) and export.',
  memoryMb: 512,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      // The subject is named in the body, never in the path or query: identifiers stay out of access logs.
      { method: 'POST', path: '/v1/subjects/erasure', roles: ['privacy'], maxBodyBytes: 4096 },
      { method: 'POST', path: '/v1/subjects/export', roles: ['privacy'], maxBodyBytes: 4096 },
      // A second privacy officer decides on lifting a legal hold (four-eyes, docs/auth.md).
      {
        method: 'POST',
        path: '/v1/approvals/erasures/{approvalId}',
        roles: ['privacy'],
        maxBodyBytes: 1024,
      },
    ],
  },
  tables: {
    approvals: 'readwrite',
    subjectIndex: 'readwrite',
    subjectKeys: 'readwrite',
    profiles: 'readwrite',
    transactions: 'readwrite',
    assignments: 'readwrite',
    overrides: 'readwrite',
    feedback: 'readwrite',
    outcomes: 'readwrite',
    erasureRequests: 'readwrite',
    cases: 'readwrite',
    kycReviews: 'readwrite',
    aggregates: 'readwrite',
    riskModels: 'read',
    keyring: 'read',
    audit: 'readwrite',
  },
  deletes: erasedTables,
  keys: { pseudonymisation: 'decrypt', dataKeys: 'decrypt' },
} as const satisfies Eraser;

export const personalDataApi = {
  entry: 'functions/personal-data-api/handler.ts',
  description:
    'One customer’s personal data in clear, for a stated purpose, if the segment policy allows the caller’s role; every decryption and refusal audited.',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      // The pseudonym is in the body, never in the URL; the segment policy then narrows the roles.
      {
        method: 'POST',
        path: '/v1/customers/personal-data',
        roles: ['analyst', 'compliance', 'privacy', 'admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  // Read-only and apart from privacyApi: the route analysts call can delete nothing.
  tables: {
    profiles: 'read',
    assignments: 'read',
    riskModels: 'read',
    subjectKeys: 'read',
    keyring: 'read',
    audit: 'readwrite',
    // What staff wrote about the customer (pin and outcome notes) is released under the same policy.
    overrides: 'read',
    outcomes: 'read',
  },
  keys: { dataKeys: 'decrypt' },
} as const satisfies FunctionSpec;

export const privacyScheduler = {
  entry: 'functions/privacy-scheduler/handler.ts',
  description:
    'Carries out deferred erasures whose legal hold has ended, erases customers whose retention ended, and keeps their TTL backstops current.',
  memoryMb: 512,
  // Scans profiles and subject keys: the longest run a schedule may need.
  timeoutSeconds: 900,
  trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily erasures and retention' },
  tables: {
    subjectIndex: 'readwrite',
    subjectKeys: 'readwrite',
    profiles: 'readwrite',
    transactions: 'readwrite',
    assignments: 'readwrite',
    overrides: 'readwrite',
    feedback: 'readwrite',
    outcomes: 'readwrite',
    erasureRequests: 'readwrite',
    cases: 'readwrite',
    kycReviews: 'readwrite',
    aggregates: 'readwrite',
    riskModels: 'read',
    audit: 'readwrite',
  },
  deletes: erasedTables,
  reservedConcurrency: 1,
} as const satisfies Eraser;
