/** Read-only views: the API reference, the dashboard, the insights API and its daily snapshot. Listed in `functions` in infra/manifest.ts, in place. */
import type { FunctionSpec } from './manifest-types.js';

export const apiDocs = {
  entry: 'functions/api-docs/handler.ts',
  description:
    'The OpenAPI 3.1 document of this API and its reference page, generated from this manifest and the handlers’ zod schemas.',
  memoryMb: 256,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      // Public: the API's shape is no secret and holds no data; no table, key or queue either.
      { method: 'GET', path: '/openapi.json', roles: [], auth: 'public' },
      { method: 'GET', path: '/docs', roles: [], auth: 'public' },
    ],
  },
} as const satisfies FunctionSpec;

export const dashboard = {
  entry: 'functions/dashboard/handler.ts',
  description:
    'The dashboard and console pages with their bundled scripts and stylesheets; the dashboard reads the insights API with the user’s API key, the console the API with the person’s OIDC access token.',
  memoryMb: 256,
  timeoutSeconds: 10,
  trigger: {
    kind: 'http',
    routes: [
      // Public: the shell and its assets hold no data; every number comes from authorised insights routes.
      { method: 'GET', path: '/dashboard', roles: [], auth: 'public' },
      { method: 'GET', path: '/dashboard/dashboard.js', roles: [], auth: 'public' },
      { method: 'GET', path: '/dashboard/styles.css', roles: [], auth: 'public' },
      // The console (docs/console.md): its shell, assets and sign-in settings (public client id, issuer).
      { method: 'GET', path: '/console', roles: [], auth: 'public' },
      { method: 'GET', path: '/console/console.js', roles: [], auth: 'public' },
      { method: 'GET', path: '/console/styles.css', roles: [], auth: 'public' },
      { method: 'GET', path: '/console/config.json', roles: [], auth: 'public' },
    ],
  },
} as const satisfies FunctionSpec;

const readers = ['analyst', 'compliance', 'admin'] as const;

export const insightsApi = {
  entry: 'functions/insights-api/handler.ts',
  description:
    'KPIs and query API: segment summary and trend, capture curve, incidents, cases, NPS, model timeline, customers per segment, a customer’s history.',
  // Population-wide KPIs hold every current assignment (segment, score, codes) in memory for 60 s.
  memoryMb: 1024,
  timeoutSeconds: 29,
  trigger: {
    kind: 'http',
    // Written out, not mapped from a list of paths: esbuild drops a literal it can see is unused (see
    // infra/manifest.ts), not a call.
    routes: [
      { method: 'GET', path: '/v1/insights/summary', roles: readers },
      { method: 'GET', path: '/v1/insights/capture-curve', roles: readers },
      { method: 'GET', path: '/v1/insights/incidents', roles: readers },
      { method: 'GET', path: '/v1/insights/cases', roles: readers },
      { method: 'GET', path: '/v1/insights/feedback', roles: readers },
      { method: 'GET', path: '/v1/insights/model-timeline', roles: readers },
      { method: 'GET', path: '/v1/insights/segments/{segment}/customers', roles: readers },
      { method: 'GET', path: '/v1/customers/{pseudonym}/history', roles: readers },
    ],
  },
  // Read only: reports change nothing.
  tables: {
    aggregates: 'read',
    assignments: 'read',
    outcomes: 'read',
    cases: 'read',
    audit: 'read',
    riskModels: 'read',
    scoringModels: 'read',
    feedbackAggregates: 'read',
    segmentSnapshots: 'read',
  },
} as const satisfies FunctionSpec;

export const segmentSnapshotScheduler = {
  entry: 'functions/segment-snapshot-scheduler/handler.ts',
  description: 'Counts customers per segment and reason code once a day into the month’s snapshot (trend).',
  memoryMb: 1024,
  // Scans assignments.
  timeoutSeconds: 300,
  trigger: {
    kind: 'schedule',
    expression: 'rate(1 day)',
    description: 'Daily segment distribution snapshot',
  },
  tables: {
    aggregates: 'read',
    assignments: 'read',
    riskModels: 'read',
    segmentSnapshots: 'readwrite',
  },
  reservedConcurrency: 1,
} as const satisfies FunctionSpec;
