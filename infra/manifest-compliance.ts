/** Compliance functions: the audit checkpoint and verification, cases and the KYC review scheduler. Listed in `functions` in infra/manifest.ts, in place. */
import type { FunctionSpec } from './manifest-types.js';

export const auditCheckpoint = {
  entry: 'functions/audit-checkpoint/handler.ts',
  description: 'Signs the heads of the audit hash chains with the asymmetric audit key (every five minutes).',
  memoryMb: 256,
  timeoutSeconds: 60,
  trigger: {
    kind: 'schedule',
    expression: 'rate(5 minutes)',
    description: 'Audit checkpoint every five minutes',
  },
  tables: { audit: 'readwrite' },
  keys: { auditSigning: 'sign' },
  // One checkpoint at a time keeps the checkpoints a single chain.
  reservedConcurrency: 1,
} as const satisfies FunctionSpec;

export const auditApi = {
  entry: 'functions/audit-api/handler.ts',
  description:
    'Verifies the audit trail (chains, heads, signed checkpoints) and names any tampered record; a day of any size, or a range, as a job.',
  memoryMb: 1024,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'GET', path: '/v1/audit/verification', roles: ['compliance', 'admin'] },
      // Days of any size, or a range of days: a job (auditVerifier).
      {
        method: 'POST',
        path: '/v1/audit/verifications',
        roles: ['compliance', 'admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  // audit: readwrite for the job.started record of a verification job.
  tables: { audit: 'readwrite', runs: 'readwrite' },
  keys: { auditSigning: 'verify' },
  queues: { verificationJobs: 'send' },
} as const satisfies FunctionSpec;

export const casesApi = {
  entry: 'functions/cases-api/handler.ts',
  description:
    'Compliance cases: open, list, take into review, close with an outcome (audited; outcomes feed scoring).',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'GET', path: '/v1/cases', roles: ['compliance', 'admin'] },
      { method: 'POST', path: '/v1/cases', roles: ['compliance'], maxBodyBytes: 4096 },
      { method: 'GET', path: '/v1/cases/{caseId}', roles: ['compliance', 'admin'] },
      { method: 'POST', path: '/v1/cases/{caseId}/transitions', roles: ['compliance'], maxBodyBytes: 4096 },
    ],
  },
  tables: {
    aggregates: 'readwrite',
    // A case (and an outcome) is counted in the segment the customer is in when it happens.
    assignments: 'read',
    cases: 'readwrite',
    audit: 'readwrite',
    outcomes: 'readwrite',
    kycReviews: 'readwrite',
    profiles: 'read',
  },
  events: { compliance: 'publish' },
} as const satisfies FunctionSpec;

export const kycReviewScheduler = {
  entry: 'functions/kyc-review-scheduler/handler.ts',
  description:
    'Finds customers whose periodic KYC review is overdue under their segment policy; opens cases, emits KycReviewDue.',
  memoryMb: 1024,
  timeoutSeconds: 900,
  trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily KYC review check' },
  tables: {
    aggregates: 'readwrite',
    assignments: 'read',
    riskModels: 'read',
    kycReviews: 'readwrite',
    cases: 'readwrite',
    audit: 'readwrite',
  },
  events: { compliance: 'publish' },
  reservedConcurrency: 1,
} as const satisfies FunctionSpec;
