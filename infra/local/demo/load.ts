/**
 * Loads the demo population into a running system through its public HTTP API only, with the
 * local role keys, exactly as a client would: customers and transactions in batches, survey
 * answers as signed webhooks, audit outcomes, and cases opened and moved by a compliance officer.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { ApiClient, errorText } from '../../../cli/client.js';
import type { LocalCredentials } from '../credentials.js';
import { type DemoData, type DemoSurvey, generateDemo } from './generate.js';

export interface DemoLoadResult {
  customers: number;
  transactions: number;
  surveys: number;
  outcomes: number;
  cases: number;
  segmented: number;
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Whether the store is still empty: no customer has a segment yet. */
export async function storeIsEmpty(apiUrl: string, credentials: LocalCredentials): Promise<boolean> {
  const res = await new ApiClient(apiUrl, credentials.analyst).ok('GET', '/v1/segments');
  return res.body.total === 0;
}

/** Standard Webhooks signature: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under the whsec_ secret. */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

async function deliver(apiUrl: string, secret: string, survey: DemoSurvey): Promise<void> {
  const body = JSON.stringify(survey);
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`${apiUrl}/v1/webhooks/surveys/riskloop`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(secret, id, timestamp, body),
    },
    body,
  });
  if (!res.ok)
    throw new Error(`survey delivery: ${res.status} ${errorText(await res.json().catch(() => null))}`);
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function loadDemo(
  apiUrl: string,
  credentials: LocalCredentials,
  options: { seed: number; customers: number; asOf?: Date; log?: (line: string) => void },
): Promise<DemoLoadResult> {
  const log = options.log ?? (() => {});
  const data: DemoData = generateDemo({
    seed: options.seed,
    customers: options.customers,
    asOf: options.asOf ?? new Date(),
  });
  const ingest = new ApiClient(apiUrl, credentials.ingest);
  const analyst = new ApiClient(apiUrl, credentials.analyst);
  const compliance = new ApiClient(apiUrl, credentials.compliance);
  const admin = new ApiClient(apiUrl, credentials.admin);

  const pseudonyms = new Map<string, string>();
  for (const batch of chunks(data.customers, 100)) {
    const res = await ingest.ok('POST', '/v1/customers', { records: batch });
    for (const r of res.body.results as { index: number; status: string; pseudonym?: string }[]) {
      const customer = batch[r.index];
      if (customer && r.pseudonym && r.status !== 'rejected')
        pseudonyms.set(customer.externalId, r.pseudonym);
    }
  }
  log(`customers: ${pseudonyms.size} of ${data.customers.length}`);
  for (const batch of chunks(data.transactions, 500)) {
    await ingest.ok('POST', '/v1/transactions', { transactions: batch });
  }
  log(`transactions: ${data.transactions.length}`);

  // Surveys are counted under the segment the customer is in when answering: wait for segmentation.
  const deadline = Date.now() + 180_000;
  let segmented = 0;
  while (Date.now() < deadline) {
    segmented = (await analyst.ok('GET', '/v1/segments')).body.total as number;
    if (segmented >= pseudonyms.size) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log(`segmented: ${segmented}`);

  const { secret } = (await admin.ok('POST', '/v1/webhooks/surveys/riskloop/secrets', {})).body as {
    secret: string;
  };
  await pool(data.surveys, 8, (s) => deliver(apiUrl, secret, s));
  log(`survey deliveries: ${data.surveys.length}`);

  for (const batch of chunks(data.outcomes, 1000)) {
    await compliance.ok('POST', '/v1/audit-outcomes', { outcomes: batch });
  }
  log(`audit outcomes: ${data.outcomes.length}`);

  let cases = 0;
  for (const c of data.cases) {
    const subject = pseudonyms.get(c.externalId);
    if (!subject) continue;
    const opened = await compliance.ok('POST', '/v1/cases', {
      kind: c.kind,
      subject,
      reasonCode: c.reasonCode,
    });
    cases += 1;
    const caseId = opened.body.caseId as string;
    if (opened.body.status !== 'open') continue;
    if (c.review) await compliance.ok('POST', `/v1/cases/${caseId}/transitions`, { to: 'in_review' });
    if (c.close) {
      await compliance.ok('POST', `/v1/cases/${caseId}/transitions`, {
        to: 'closed',
        outcome: { ...c.close, recordAuditOutcome: false },
      });
    }
  }
  log(`cases: ${cases}`);
  return {
    customers: pseudonyms.size,
    transactions: data.transactions.length,
    surveys: data.surveys.length,
    outcomes: data.outcomes.length,
    cases,
    segmented,
  };
}
