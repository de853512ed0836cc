/**
 * The dashboard and the console: HTML shells, their scripts and stylesheets, and the console's
 * sign-in settings, on public routes. They hold no data; the dashboard's script asks for an API key,
 * the console's signs the person in (OIDC), and both read the API with that credential, so the data
 * stays behind the same authoriser as every other route. No table, queue or key: this function reads nothing.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { consolePage } from '../../dashboard/console/page.js';
import { dashboardPage } from '../../dashboard/page.js';
import { dashboard as spec } from '../../infra/manifest.js';
import { httpFunction } from '../../shared/http/http-function.js';
import { textResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';
import { loadDashboardAssets } from './assets.js';
import { consoleContentSecurityPolicy, consoleSettings } from './console.js';

const logger = createLogger('dashboard');
const assets = await loadDashboardAssets();
const page = dashboardPage(assets.version);
const consoleHtml = consolePage(assets.version);
const settings = consoleSettings(process.env);
const consoleCsp = consoleContentSecurityPolicy(settings);

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
const canonical = (name: string) =>
  withHeaders(textResponse(301, `Moved to ../${name}`, 'text/plain; charset=utf-8'), {
    location: `../${name}`,
    'cache-control': 'no-store',
  });

const html = (body: string, csp: string) =>
  withHeaders(textResponse(200, body, 'text/html; charset=utf-8'), {
    'content-security-policy': csp,
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    // The shell names the current asset version: never serve a stale one.
    'cache-control': 'no-store',
  });

type AssetEvent = { queryStringParameters: Record<string, string | undefined> | null };
const script = (body: string) => async (event: AssetEvent) =>
  asset(body, 'text/javascript; charset=utf-8', event.queryStringParameters?.v);
const style = (body: string) => async (event: AssetEvent) =>
  asset(body, 'text/css; charset=utf-8', event.queryStringParameters?.v);

export const handler = httpFunction(spec.trigger.routes, logger, {
  'GET /dashboard': async (event) =>
    event.path.endsWith('/') ? canonical('dashboard') : html(page, contentSecurityPolicy),
  'GET /dashboard/dashboard.js': script(assets.script),
  'GET /dashboard/styles.css': style(assets.style),
  // The provider sends people back here with ?code=…&state=…: the page takes them out of the address at once.
  'GET /console': async (event) =>
    event.path.endsWith('/') ? canonical('console') : html(consoleHtml, consoleCsp),
  'GET /console/console.js': script(assets.consoleScript),
  'GET /console/styles.css': style(assets.consoleStyle),
  'GET /console/config.json': async () =>
    withHeaders(textResponse(200, JSON.stringify(settings), 'application/json'), {
      'cache-control': 'no-store',
    }),
});
