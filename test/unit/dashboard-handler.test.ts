import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { contrastRatio, segmentColours, segmentPalette } from '../../dashboard/client/palette.js';
import { contentSecurityPolicy, handler } from '../../functions/dashboard/handler.js';

const context = {
  functionName: 'riskloop-test-dashboard',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

async function get(resource: string, query: Record<string, string> | null = null, path = resource) {
  const event = {
    resource,
    path,
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { authorizer: null, requestId: 'req-1' },
  } as unknown as APIGatewayProxyEvent;
  const result = (await handler(event, context)) as APIGatewayProxyResult;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return { ...result, headers };
}

describe('dashboard page handler', () => {
  it('serves the HTML shell with a strict CSP, nosniff and no caching', async () => {
    const res = await get('/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toBe(contentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(csp).not.toMatch(/https?:/);
  });

  it('sends /dashboard/ (API Gateway routes it here) to /dashboard, keeping any stage prefix', async () => {
    // The page's relative asset and API paths would resolve under /dashboard/… if it were served here.
    const res = await get('/dashboard', null, '/dashboard/');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('../dashboard');
    expect(new URL(res.headers.location ?? '', 'https://api.example/prod/dashboard/').pathname).toBe(
      '/prod/dashboard',
    );
    expect(new URL(res.headers.location ?? '', 'http://127.0.0.1:3000/dashboard/').pathname).toBe(
      '/dashboard',
    );
  });

  it('holds no data, no inline script or style and no external asset', async () => {
    const { body } = await get('/dashboard');
    expect(body).toMatch(/<script defer src="dashboard\/dashboard\.js\?v=[\w-]+"><\/script>/);
    expect(body).toMatch(/<link rel="stylesheet" href="dashboard\/styles\.css\?v=[\w-]+">/);
    // Every <script> has a src (no inline code); no style element or attribute; nothing from a CDN.
    expect(body.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    expect(body).not.toMatch(/<style|\sstyle=/);
    expect(body).not.toMatch(/(src|href)="(https?:)?\/\//);
    // The key field has no name, so no browser ever submits it in a URL.
    expect(body).toMatch(/<input id="api-key" type="password"/);
    expect(body).not.toMatch(/<input[^>]*\bname=/);
  });

  it('serves the bundled script and stylesheet with their content types', async () => {
    const page = (await get('/dashboard')).body;
    const version = /dashboard\.js\?v=([\w-]+)/.exec(page)?.[1] ?? '';
    const script = await get('/dashboard/dashboard.js', { v: version });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Plot and d3 are inside the bundle, not fetched from anywhere.
    expect(script.body.length).toBeGreaterThan(100_000);
    expect(script.body).not.toMatch(/\bimport\s*\(|cdn\.jsdelivr|unpkg\.com/);
    const style = await get('/dashboard/styles.css', { v: version });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.body).toContain('.rl-plot');
  });

  it('does not let caches keep an asset asked for with another version', async () => {
    const res = await get('/dashboard/dashboard.js', { v: 'stale' });
    expect(res.headers['cache-control']).toBe('no-cache');
    expect((await get('/dashboard/styles.css')).headers['cache-control']).toBe('no-cache');
  });

  it('answers 404 for any other path', async () => {
    const res = await get('/dashboard/other.js');
    expect(res.statusCode).toBe(404);
  });
});

describe('dashboard colours', () => {
  it('keep WCAG AA contrast (4.5:1) against white, for bars and the white labels inside them', () => {
    for (const colour of segmentPalette) expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it('give every segment its own colour, the most severe the red one', () => {
    const colours = segmentColours(['low', 'medium', 'high', 'critical']);
    expect(new Set(colours.values()).size).toBe(4);
    expect(colours.get('critical')).toBe('#9f1239');
    expect(segmentColours(['low', 'high']).get('high')).toBe('#9f1239');
  });
});

describe('console routes of the dashboard function', () => {
  it('serves the console shell with a strict CSP and its assets under the shell’s version', async () => {
    // Act
    const page = await get('/console');
    const version = /console\.js\?v=([\w-]+)/.exec(page.body)?.[1];
    const script = await get('/console/console.js', { v: version ?? '' });
    const style = await get('/console/styles.css', { v: version ?? '' });
    const config = await get('/console/config.json');

    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toContain('v1/customers/lookup');
    // The console's budget (test/infra/bundles.test.ts): 40 KB of minified script, Preact included.
    expect(Buffer.byteLength(script.body)).toBeLessThan(40 * 1024);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(JSON.parse(config.body)).toHaveProperty('signIn');
  });

  it('sends /console/ to /console', async () => {
    const res = await get('/console', null, '/console/');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('../console');
  });
});
