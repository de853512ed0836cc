/** Survey feedback: the signed webhook, the feedback reads and the daily blind-spot check. Listed in `functions` in infra/manifest.ts, in place. */
import type { FunctionSpec } from './manifest-types.js';

export const surveyWebhook = {
  entry: 'functions/survey-webhook/handler.ts',
  description: 'Signed survey deliveries: verified, de-duplicated, linked by pseudonym, counted per segment.',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      {
        method: 'POST',
        path: '/v1/webhooks/surveys/{provider}',
        roles: [],
        auth: 'signature',
        maxBodyBytes: 262_144,
      },
    ],
  },
  tables: {
    webhookDeliveries: 'readwrite',
    feedback: 'readwrite',
    feedbackAggregates: 'readwrite',
    profiles: 'read',
    assignments: 'read',
    subjectKeys: 'read',
    keyring: 'read',
    subjectIndex: 'read',
  },
  queues: { segmentation: 'send' },
  keys: { pseudonymisation: 'decrypt', dataKeys: 'decrypt' },
  reservedConcurrency: 20,
} as const satisfies FunctionSpec;

export const feedbackApi = {
  entry: 'functions/feedback-api/handler.ts',
  description: 'NPS and participation per risk segment and period, blind spots, and webhook secret rotation.',
  memoryMb: 512,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      { method: 'GET', path: '/v1/feedback/nps', roles: ['analyst', 'compliance', 'admin'] },
      { method: 'GET', path: '/v1/feedback/blind-spots', roles: ['analyst', 'compliance', 'admin'] },
      {
        method: 'POST',
        path: '/v1/webhooks/surveys/{provider}/secrets',
        roles: ['admin'],
        maxBodyBytes: 1024,
      },
      // A second administrator decides on a rotation (four-eyes, docs/auth.md).
      {
        method: 'POST',
        path: '/v1/approvals/webhook-secrets/{approvalId}',
        roles: ['admin'],
        maxBodyBytes: 1024,
      },
    ],
  },
  tables: {
    feedbackAggregates: 'read',
    keyring: 'readwrite',
    riskModels: 'read',
    audit: 'readwrite',
    approvals: 'readwrite',
  },
  keys: { dataKeys: 'decrypt' },
} as const satisfies FunctionSpec;

export const feedbackReviewScheduler = {
  entry: 'functions/feedback-review-scheduler/handler.ts',
  description: 'Turns feedback blind spots of risk segments into ComplianceReviewSuggested events.',
  memoryMb: 512,
  timeoutSeconds: 60,
  trigger: { kind: 'schedule', expression: 'rate(1 day)', description: 'Daily feedback blind-spot check' },
  tables: { feedbackAggregates: 'read', riskModels: 'read' },
  events: { compliance: 'publish' },
} as const satisfies FunctionSpec;
