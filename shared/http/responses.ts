import type { APIGatewayProxyResult } from 'aws-lambda';

const securityHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { ...securityHeaders }, body: JSON.stringify(body) };
}

/** A text body (e.g. Markdown for auditors) with the same security headers. */
export function textResponse(statusCode: number, body: string, contentType: string): APIGatewayProxyResult {
  return { statusCode, headers: { ...securityHeaders, 'content-type': contentType }, body };
}
