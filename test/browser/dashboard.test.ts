import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaptureCurve, FeedbackStats, InsightsSummary } from '../../shared/domain/insights/schemas.js';
import { api, eventually, lawfulBasis, runId } from '../helpers/local.js';
import { launchChromium, type Page, watchErrors } from './chromium.js';

const artifacts = 'test-artifacts';
const charts = ['trend', 'nps', 'capture', 'reasons'] as const;
/** Plot labels each mark's group with its kind: what a chart drew for its data. */
const dataMarks: Record<(typeof charts)[number], string> = {
  trend: 'g[aria-label="bar"] rect',
  nps: 'g[aria-label="bar"] rect',
  capture: 'g[aria-label="line"] path, g[aria-label="dot"] circle',
  reasons: 'g[aria-label="bar"] rect',
};

const consent = {
  ...lawfulBasis,
  feedback: { basis: 'consent', recordedAt: '2026-01-01T00:00:00Z', source: 'app', version: 'v1' },
};

/** A small population spread over the segments, with audit outcomes and survey answers. */
async function seed() {
  const id = runId();
  const customer = (n: number, extra: Record<string, unknown>) => ({
    externalId: `DASH-${id}-${n}`,
    type: 'individual',
    jurisdictions: ['GB'],
    lawfulBasis: consent,
    ...extra,
  });
  const records = [
    ...[0, 1, 2, 3, 4, 5].map((n) => customer(n, {})),
    customer(6, { type: 'corporate', jurisdictions: ['IR'] }),
    customer(7, { type: 'corporate', jurisdictions: ['IR'], flags: { sanctionsHit: true } }),
    customer(8, { flags: { sanctionsHit: true } }),
    customer(9, { flags: { pep: true }, jurisdictions: ['GB', 'AE'] }),
  ];
  const res = await api('ingest', 'POST', '/v1/customers', { records });
  expect(res.status).toBe(207);
  const pseudonyms = (res.body.results as { pseudonym: string }[]).map((r) => r.pseudonym);
  for (const p of pseudonyms) {
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/customers/${p}/segment`)).status === 200 ? true : undefined,
    );
  }
  // Issues found at the risky customers and at one ordinary one; the rest audited clean.
  const outcomes = records.map((r, n) => ({
    externalId: r.externalId,
    outcome: n >= 6 || n === 0 ? 'issue' : 'no_issue',
    date: new Date().toISOString().slice(0, 10),
    source: 'INTERNAL_AUDIT',
  }));
  expect((await api('compliance', 'POST', '/v1/audit-outcomes', { outcomes })).status).toBe(207);
  const secret = (await api('admin', 'POST', '/v1/webhooks/surveys/riskloop/secrets', {})).body
    .secret as string;
  for (const [n, nps] of [10, 9, 7, 3, 9, 6, 2, 8].entries()) {
    const payload = JSON.stringify({
      type: 'survey.response',
      surveyId: 'dashboard-nps',
      respondent: { externalId: records[n]?.externalId },
      submittedAt: new Date().toISOString(),
      nps,
    });
    const messageId = `msg_${randomUUID()}`;
    const at = new Date();
    const delivered = await fetch(`${inject('runtime').apiUrl}/v1/webhooks/surveys/riskloop`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(messageId, at, payload),
      },
      body: payload,
    });
    expect(delivered.status).toBe(200);
  }
  // The insights API sees all of it (its caches refresh within a minute at most).
  await eventually(async () => {
    const [summary, curve, feedback] = await Promise.all([
      api('analyst', 'GET', '/v1/insights/summary?months=12'),
      api('analyst', 'GET', '/v1/insights/capture-curve'),
      api('analyst', 'GET', '/v1/insights/feedback?months=12'),
    ]);
    const s = summary.body as InsightsSummary;
    const c = curve.body as CaptureCurve;
    const f = feedback.body as FeedbackStats;
    return s.kpis?.customers >= records.length && c.issues > 0 && f.series?.some((r) => r.nps !== null)
      ? true
      : undefined;
  }, 75_000);
}

async function openDashboard(page: Page, key: string) {
  await page.goto(`${inject('runtime').apiUrl}/dashboard`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Show dashboard' }).click();
}

describe('dashboard in headless Chromium', () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    chromium = await launchChromium();
    await seed();
  }, 120_000);
  afterAll(() => chromium?.close());

  it('loads with the analyst key, draws every chart with data, and logs no error', async () => {
    // Prepare
    const page = await chromium.browser.newPage();
    const errors = watchErrors(page);
    const key = inject('runtime').credentials.analyst;

    // Act
    await openDashboard(page, key);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });

    // Assess
    await page.screenshot({ path: `${artifacts}/dashboard.png`, fullPage: true });
    expect(errors).toEqual([]);
    for (const chart of charts) {
      const section = page.locator(`#${chart}`);
      expect(await section.getAttribute('data-state'), chart).toBe('ready');
      expect(await section.locator(dataMarks[chart]).count(), `${chart} marks`).toBeGreaterThan(0);
      // Accessible: an image with a name and a description, and the same numbers as a table.
      const svg = section.locator('svg[role="img"]');
      expect(await svg.getAttribute('aria-label'), chart).toBeTruthy();
      const described = await svg.getAttribute('aria-describedby');
      expect(await page.locator(`#${described}`).textContent(), chart).not.toBe('');
      expect(await section.locator('table tbody tr').count(), `${chart} table`).toBeGreaterThan(0);
    }
    expect(await page.locator('#capture').textContent()).toMatch(/\d+ % flagged hold \d+ % of issues/);
    expect(await page.locator('#kpis li').count()).toBe(8);
    // Jobs queued or running: none on this system, said so.
    expect(await page.locator('#jobs').getAttribute('data-state')).toBe('ready');
    expect(await page.locator('#jobs').textContent()).toBe('No job is queued or running.');
    expect(await page.locator('#kpis').textContent()).toMatch(/Customers\s*\d+/);
    // The key lives in this tab's session storage only, never in the address.
    expect(page.url()).not.toContain(key);
    expect(await page.evaluate('sessionStorage.getItem("riskloop.apiKey")')).toBe(key);
    await page.close();
  });

  it('refuses a key the API does not accept, and forgets it', async () => {
    const page = await chromium.browser.newPage();
    await openDashboard(page, 'rl_analyst_not-a-real-key');
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 15_000 })
      .toContain('not accepted');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.evaluate('sessionStorage.getItem("riskloop.apiKey")')).toBeNull();
    await page.close();
  });

  it('shows empty states, not broken charts, when there is no data yet', async () => {
    // Prepare: the insights routes answer as for a fresh system (contract shapes, nulls, no rows).
    const page = await chromium.browser.newPage();
    const errors = watchErrors(page);
    const empty: Record<string, InsightsSummary | CaptureCurve | FeedbackStats> = {
      summary: {
        asOf: new Date().toISOString(),
        model: { modelId: 'aml-default', version: 1 },
        segments: ['low', 'medium', 'high', 'critical'].map((segment) => ({ segment, count: 0, share: 0 })),
        trend: [],
        reasonCodes: [],
        kpis: {
          customers: 0,
          highRiskShare: 0,
          captureRate: null,
          precision: null,
          recall: null,
          openCases: 0,
          medianDaysToClose: null,
          nps: null,
          participation: null,
        },
      },
      'capture-curve': { outcomes: 0, issues: 0, points: [], bySegment: [] },
      feedback: { series: [] },
    };
    await page.route('**/v1/insights/**', (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
      return route.fulfill({ status: 200, contentType: 'application/json', json: empty[name] });
    });
    await page.route('**/v1/jobs?*', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', json: { jobs: [] } }),
    );

    // Act
    await openDashboard(page, 'rl_analyst_any');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });

    // Assess
    await page.screenshot({ path: `${artifacts}/dashboard-empty.png`, fullPage: true });
    expect(errors).toEqual([]);
    for (const chart of charts) {
      expect(await page.locator(`#${chart}`).getAttribute('data-state'), chart).toBe('empty');
      expect(await page.locator(`#${chart} .empty`).textContent(), chart).not.toBe('');
    }
    expect(await page.locator('#kpis').textContent()).toContain('no data');
    await page.close();
  });
});
