import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, eventually, lawfulBasis, runId } from '../helpers/local.js';
import { seriousViolations } from './axe.js';
import { launchChromium, type Page, watchErrors } from './chromium.js';

const artifacts = 'test-artifacts';

/** One customer, ingested with the ingest key and segmented: what the console looks up. */
async function ingestCustomer(): Promise<{ externalId: string; pseudonym: string; segment: string }> {
  const externalId = `CONSOLE-${runId()}`;
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: [
      { externalId, type: 'individual', jurisdictions: ['GB', 'AE'], flags: { pep: true }, lawfulBasis },
    ],
  });
  expect(res.status).toBe(207);
  const pseudonym = res.body.results[0].pseudonym as string;
  const segment = await eventually(async () => {
    const r = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
    return r.status === 200 ? (r.body.segment as string) : undefined;
  });
  return { externalId, pseudonym, segment };
}

/** Signs `login` in at the local provider's development form, typing and clicking as a person does. */
async function signIn(page: Page, login: string) {
  await page.goto(`${inject('runtime').apiUrl}/console`);
  await page.getByRole('button', { name: 'Sign in' }).focus();
  await page.keyboard.press('Enter');
  await page.getByPlaceholder('Enter any login').click();
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  await page.keyboard.type('demo');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  // The development provider asks once per session to confirm what the console may do.
  const signedIn = page.getByText(`Signed in as ${login}`);
  const consent = page.getByRole('button', { name: 'Continue' });
  await signedIn.or(consent).waitFor({ timeout: 15_000 });
  if (await consent.isVisible()) await consent.click();
  await signedIn.waitFor({ timeout: 15_000 });
}

describe('console in headless Chromium', () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let customer: Awaited<ReturnType<typeof ingestCustomer>>;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    chromium = await launchChromium();
    customer = await ingestCustomer();
  }, 120_000);
  afterAll(() => chromium?.close());

  it('serves a shell under a CSP naming only this origin and the issuer, and sign-in settings', async () => {
    const { apiUrl, oidc } = inject('runtime');
    const shell = await fetch(`${apiUrl}/console`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-security-policy')).toContain(
      `connect-src 'self' ${new URL(oidc?.issuer ?? '').origin};`,
    );
    expect(shell.headers.get('content-security-policy')).toContain("default-src 'none'");
    const config = await (await fetch(`${apiUrl}/console/config.json`)).json();
    expect(config).toEqual({
      signIn: {
        issuer: oidc?.issuer,
        clientId: 'riskloop-console',
        scope: 'openid riskloop',
        resource: oidc?.audience,
      },
    });
  });

  it('compliance signs in, finds a customer, opens a case, takes and closes it, pins and unpins', async () => {
    // Prepare
    const page = await chromium.browser.newPage();
    await page.goto(`${inject('runtime').apiUrl}/console`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await seriousViolations(page), 'sign-in page').toEqual([]);
    await page.screenshot({ path: `${artifacts}/console-sign-in.png` });

    // Act: sign in, by keys and clicks at the provider's form
    await signIn(page, 'compliance');
    // From here on the console's own pages only (the provider's page asks for web fonts it cannot reach offline).
    const errors = watchErrors(page);

    // Assess: back at the console, signed in, no code left in the address, no token in storage
    expect(page.url()).toBe(`${inject('runtime').apiUrl}/console`);
    const stored = await page.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })');
    expect(stored).not.toMatch(/eyJ/);

    // Act: find the customer by external id
    await page.getByLabel('External id').click();
    await page.keyboard.type(customer.externalId);
    await page.keyboard.press('Enter');
    const segment = page.getByTestId('segment');
    await segment.waitFor({ timeout: 15_000 });

    // Assess: the segment the API decided, its history with a model version, never the id in a URL
    expect(await segment.textContent()).toBe(customer.segment);
    expect(page.url()).not.toContain(customer.externalId);
    await expect.poll(() => page.locator('table tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('table tbody tr td').last().textContent()).toMatch(/^[a-z0-9-]+@\d+$/);
    expect(await seriousViolations(page), 'customer page').toEqual([]);
    await page.screenshot({ path: `${artifacts}/console-customer.png`, fullPage: true });

    // Act: open a case for it with the page's form
    await page.getByLabel('Reason code', { exact: true }).first().fill('CONSOLE_BROWSER_TEST');
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.getByText('Case opened.').waitFor();
    const opened = await eventually(async () => {
      const r = await api('compliance', 'GET', '/v1/cases?status=open&limit=500');
      return (r.body.cases as { caseId: string; subject: string; reasonCode: string }[]).find(
        (c) => c.subject === customer.pseudonym && c.reasonCode === 'CONSOLE_BROWSER_TEST',
      );
    });
    // The customer page lists it among its open cases.
    await page.getByText(/compliance_review \(open\), CONSOLE_BROWSER_TEST/).waitFor();

    // Act: the inbox, take the case
    await page.getByRole('button', { name: 'Cases' }).click();
    const row = page.locator(`tr[data-case="${opened.caseId}"]`);
    await row.getByRole('button', { name: 'Take case' }).click();
    await page.getByText('Case taken.').waitFor();
    expect(await seriousViolations(page), 'case inbox').toEqual([]);

    // Act: in review now; close it with an outcome
    await page.getByLabel('Status').selectOption('in_review');
    await row.getByLabel('Outcome', { exact: true }).selectOption('issue_found');
    await row.getByLabel('Outcome reason code').fill('EDD_REQUIRED');
    await page.screenshot({ path: `${artifacts}/console-cases.png`, fullPage: true });
    await row.getByRole('button', { name: 'Close case' }).click();
    await page.getByText('Case closed.').waitFor();

    // Assess: a second view, the API, sees the case closed by this person with that outcome
    const closed = await api('compliance', 'GET', `/v1/cases/${opened.caseId}`);
    expect(closed.body).toMatchObject({
      status: 'closed',
      outcome: { result: 'issue_found', reasonCode: 'EDD_REQUIRED' },
    });
    expect(String(closed.body.assignee)).toContain('compliance');
    // ...and so does the inbox's closed list.
    await page.getByLabel('Status').selectOption('closed');
    await row.getByText('issue_found (EDD_REQUIRED)').waitFor();

    // Act: from the case to its customer, pin the segment with a reason code (four-eyes is off locally)
    await row.getByRole('button', { name: opened.caseId.slice(5, 13) }).click();
    await page.getByTestId('segment').waitFor();
    await page.getByLabel('Segment', { exact: true }).selectOption('critical');
    await page.getByLabel('Reason code', { exact: true }).last().selectOption('ADVERSE_MEDIA');
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await page.getByText('Pinned: the segment is being decided again.').waitFor();

    // Assess: the API has the pin in force, with its reason
    await eventually(async () => {
      const r = await api('compliance', 'GET', `/v1/customers/${customer.pseudonym}/segment`);
      return r.body.segment === 'critical' && r.body.pinned?.reasonCode === 'ADVERSE_MEDIA'
        ? true
        : undefined;
    });

    // ...and so does the customer page, refreshed. Act: lift the pin again
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByText(/^to critical until /).waitFor();
    await page.getByRole('button', { name: 'Lift pin' }).click();
    await page.getByText('Pin lifted: the model decides again.').waitFor();
    await eventually(async () => {
      const r = await api('compliance', 'GET', `/v1/customers/${customer.pseudonym}/segment`);
      // The pin is gone; the segment itself may wait out the downgrade cooldown, the model's stays.
      return r.body.pinned === undefined && r.body.modelSegment === customer.segment ? true : undefined;
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says a pin waits for a second officer when the API answers 202 (four-eyes)', async () => {
    // Prepare: four-eyes is off on the local system the tests share, so the API's 202 is played here.
    const own = await launchChromium();
    const page = await own.browser.newPage();
    let pinRequests = 0;
    await page.route('**/v1/customers/*/pin', (route) => {
      pinRequests += 1;
      return route.fulfill({ status: 202, contentType: 'application/json', json: { approval: {} } });
    });
    await signIn(page, 'compliance2');
    await page.getByLabel('External id').fill(customer.externalId);
    await page.getByRole('button', { name: 'Find customer' }).click();
    await page.getByTestId('segment').waitFor({ timeout: 15_000 });

    // Act
    await page.getByRole('button', { name: 'Pin', exact: true }).click();

    // Assess
    await page.getByText('The pin waits for a second compliance officer to approve it.').waitFor();
    expect(pinRequests).toBe(1);
    await own.close();
  });

  it('shows an analyst the customer but says cases are not for their role', async () => {
    // A browser of their own: the provider's session of the compliance officer stays in the other one.
    const own = await launchChromium();
    const page = await own.browser.newPage();
    await signIn(page, 'analyst');
    await page.getByLabel('External id').fill(customer.externalId);
    await page.getByRole('button', { name: 'Find customer' }).click();
    await page.getByTestId('segment').waitFor({ timeout: 15_000 });
    await page.getByText('Cases are not available to your role.').waitFor();
    await page.getByRole('button', { name: 'Cases' }).click();
    await page.getByText('Your role may not do this.').waitFor();
    await own.close();
  });
});
