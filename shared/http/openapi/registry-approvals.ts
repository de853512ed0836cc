/** API documentation of the four-eyes routes (see registry.ts; docs/auth.md, "Four-eyes approval"). */
import { z } from 'zod';
import { decisionRequest } from '../../domain/approvals/approval.js';
import { approvalAreas } from '../../domain/approvals/policy.js';
import {
  approvalListSchema,
  approvalSchema,
  decisionSchema,
  deferredSchema,
} from '../../domain/approvals/responses.js';
import { pageQuery } from '../../domain/paging.js';
import { invalid, notFound, type ResponseDoc, type RouteDoc } from './route-doc.js';

/** The answer of a route whose action waits for a second person where the four-eyes policy says so. */
export const deferred: ResponseDoc = {
  description: 'Waiting for a second person (four-eyes): decide at approval.links.decide',
  schema: deferredSchema,
};

const approvalId = z.string().regex(/^apr_[A-Za-z0-9_-]{22}$/);

const decisionRoute = (area: string, what: string): RouteDoc => ({
  tag: 'Approvals',
  summary: `Approve, reject or withdraw a request to ${what}`,
  description:
    'A second person approves or rejects, with a reason code: a signed-in person (never an API key), not the maker, the request pending and unexpired, and its target unchanged since it was asked for (else 409 APPROVAL_STALE). Approving carries the action out and answers its result. The maker may withdraw.',
  params: { approvalId },
  body: decisionRequest,
  responses: {
    200: { description: 'Decided; when approved, the action carried out', schema: decisionSchema },
    400: invalid,
    403: { description: 'SAME_PERSON, PERSON_REQUIRED or NOT_THE_MAKER' },
    404: notFound(`${area} request`),
    409: { description: 'APPROVAL_DECIDED, APPROVAL_EXPIRED, APPROVAL_STALE, or the action itself refused' },
  },
});

const areaWhat: Record<string, string> = {
  'risk-models': 'publish or retire a risk model version',
  'scoring-models': 'publish a scoring model version',
  pins: 'pin a customer to a lower segment',
  erasures: 'erase a customer despite a legal hold',
  'webhook-secrets': "rotate a survey provider's signing secret",
};

export const approvalRouteDocs: Record<string, RouteDoc> = {
  'GET /v1/approvals': {
    tag: 'Approvals',
    summary:
      'Requests waiting for a second person that your role decides (or that you made), the soonest to expire first',
    query: pageQuery,
    responses: { 200: { description: 'A page of requests', schema: approvalListSchema }, 400: invalid },
  },
  'GET /v1/approvals/{approvalId}': {
    tag: 'Approvals',
    summary: 'One request, whatever its state',
    params: { approvalId },
    responses: {
      200: { description: 'The request', schema: approvalSchema },
      400: invalid,
      404: notFound('request'),
    },
  },
  ...Object.fromEntries(
    [...new Set(Object.values(approvalAreas))].map((area) => [
      `POST /v1/approvals/${area}/{approvalId}`,
      decisionRoute(area, areaWhat[area] ?? area),
    ]),
  ),
};
