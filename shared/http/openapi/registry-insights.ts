/** API documentation of the insights, dashboard and reference routes (see registry.ts). */
import { z } from 'zod';
import {
  captureCurveSchema,
  caseStatsSchema,
  customerHistorySchema,
  feedbackStatsSchema,
  incidentsSchema,
  insightsSummarySchema,
  modelTimelineSchema,
  segmentCustomersSchema,
} from '../../domain/insights/schemas.js';
import { invalid, months, notFound, pseudonym, type RouteDoc } from './route-doc.js';

export const insightsRouteDocs: Record<string, RouteDoc> = {
  'GET /v1/insights/summary': {
    tag: 'Insights',
    summary: 'Segment distribution, trend, reason codes and KPI tiles',
    query: months,
    responses: { 200: { description: 'Summary', schema: insightsSummarySchema }, 400: invalid },
  },
  'GET /v1/insights/capture-curve': {
    tag: 'Insights',
    summary: 'Share of audit issues captured by the riskiest customers (capture curve), per segment',
    responses: { 200: { description: 'Capture curve', schema: captureCurveSchema } },
  },
  'GET /v1/insights/incidents': {
    tag: 'Insights',
    summary: 'Audit outcomes per month and current segment',
    query: months,
    responses: { 200: { description: 'Series', schema: incidentsSchema }, 400: invalid },
  },
  'GET /v1/insights/cases': {
    tag: 'Insights',
    summary: 'Open, in-review and closed cases and median time to close, per segment',
    responses: { 200: { description: 'Per segment', schema: caseStatsSchema } },
  },
  'GET /v1/insights/feedback': {
    tag: 'Insights',
    summary: 'NPS and participation per segment and month',
    query: months,
    responses: { 200: { description: 'Series', schema: feedbackStatsSchema }, 400: invalid },
  },
  'GET /v1/insights/model-timeline': {
    tag: 'Insights',
    summary: 'Risk and scoring model versions over time',
    responses: { 200: { description: 'Timeline', schema: modelTimelineSchema } },
  },
  'GET /v1/insights/segments/{segment}/customers': {
    tag: 'Insights',
    summary: 'Customers of a segment (pseudonyms), a page at a time',
    params: { segment: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) },
    query: z
      .object({
        limit: z.string().regex(/^\d+$/).optional().describe('1-1000; 100 by default.'),
        cursor: z.string().optional().describe('nextCursor of the previous page.'),
      })
      .strict(),
    responses: {
      200: { description: 'A page', schema: segmentCustomersSchema },
      400: invalid,
      404: notFound('segment'),
    },
  },
  'GET /v1/customers/{pseudonym}/history': {
    tag: 'Insights',
    summary: "A customer's assignment history with explanations",
    params: { pseudonym },
    responses: {
      200: { description: 'Current assignment and history', schema: customerHistorySchema },
      400: invalid,
      404: notFound('customer'),
    },
  },
  'GET /dashboard': {
    tag: 'Dashboard',
    summary: 'The dashboard page (it calls the insights API with your key)',
    responses: { 200: { description: 'HTML', schema: z.string(), contentType: 'text/html' } },
  },
  'GET /dashboard/dashboard.js': {
    tag: 'Dashboard',
    summary: "The dashboard's script, with its charting library bundled",
    responses: { 200: { description: 'JavaScript', schema: z.string(), contentType: 'text/javascript' } },
  },
  'GET /dashboard/styles.css': {
    tag: 'Dashboard',
    summary: "The dashboard's style sheet",
    responses: { 200: { description: 'CSS', schema: z.string(), contentType: 'text/css' } },
  },
  'GET /console': {
    tag: 'Dashboard',
    summary: 'The console page (people sign in with OpenID Connect; docs/console.md)',
    responses: { 200: { description: 'HTML', schema: z.string(), contentType: 'text/html' } },
  },
  'GET /console/console.js': {
    tag: 'Dashboard',
    summary: "The console's script (Preact bundled)",
    responses: { 200: { description: 'JavaScript', schema: z.string(), contentType: 'text/javascript' } },
  },
  'GET /console/styles.css': {
    tag: 'Dashboard',
    summary: "The console's style sheet",
    responses: { 200: { description: 'CSS', schema: z.string(), contentType: 'text/css' } },
  },
  'GET /console/config.json': {
    tag: 'Dashboard',
    summary: "The console's sign-in settings: issuer, public client id, scope, resource (no secrets)",
    responses: {
      200: {
        description: 'Sign-in settings; signIn is null when no issuer or console client is configured',
        schema: z.object({
          signIn: z
            .object({
              issuer: z.string(),
              clientId: z.string(),
              scope: z.string(),
              resource: z.string().nullable(),
            })
            .nullable(),
        }),
      },
    },
  },
  'GET /openapi.json': {
    tag: 'Reference',
    summary: 'This OpenAPI 3.1 document',
    responses: {
      200: { description: 'The document', schema: z.object({ openapi: z.string() }).passthrough() },
    },
  },
  'GET /docs': {
    tag: 'Reference',
    summary: 'The API reference, rendered as HTML from this document',
    responses: { 200: { description: 'HTML', schema: z.string(), contentType: 'text/html' } },
  },
};
