/**
 * The dashboard: an HTML shell, its script and its stylesheet, on public routes. They hold no data;
 * the script asks for an API key and reads the insights API with it, so the numbers stay behind
 * the same authoriser as every other route. No table, queue or key: this function reads nothing.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { dashboardPage } from '../../dashboard/page.js';
import { dashboard as spec } from '../../infra/manifest.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { textResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';
import { loadDashboardAssets } from './assets.js';

const logger = createLogger('dashboard');
const assets = await loadDashboardAssets();
const page = dashboardPage(assets.version);

/**
 * Only this origin's script and stylesheet run; no inline script or style, no framing, no form
 * posts; the script may only call this API (connect-src 'self').
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function withHeaders(response: APIGatewayProxyResult, headers: Record<string, string>) {
  return { ...response, headers: { ...response.headers, ...headers } };
}

/** Assets asked for with the current version may be cached for good; anything else is revalidated. */
function asset(body: string, contentType: string, requested: string | undefined) {
  return withHeaders(textResponse(200, body, contentType), {
    'cache-control': requested === assets.version ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
}

/**
 * API Gateway hands `/dashboard/` to this route too, but the page's relative asset and API paths would
 * resolve under `/dashboard/…` there: send the browser to the canonical address, relative so the stage
 * prefix (/prod) or a custom domain's base path is kept.
 */
const canonical = () =>
  withHeaders(textResponse(301, 'Moved to ../dashboard', 'text/plain; charset=utf-8'), {
    location: '../dashboard',
    'cache-control': 'no-store',
  });

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /dashboard': async (event) =>
    event.path.endsWith('/')
      ? canonical()
      : withHeaders(textResponse(200, page, 'text/html; charset=utf-8'), {
          'content-security-policy': contentSecurityPolicy,
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
          // The shell names the current asset version: never serve a stale one.
          'cache-control': 'no-store',
        }),
  'GET /dashboard/dashboard.js': async (event) =>
    asset(assets.script, 'text/javascript; charset=utf-8', event.queryStringParameters?.v),
  'GET /dashboard/styles.css': async (event) =>
    asset(assets.style, 'text/css; charset=utf-8', event.queryStringParameters?.v),
});
