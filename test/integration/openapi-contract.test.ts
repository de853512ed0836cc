/**
 * Contract tests: a representative call of every route of the running local system, its status
 * and body validated against what GET /openapi.json documents for that path, method and status
 * (JSON Schema 2020-12, the dialect of OpenAPI 3.1). A handler that answers an undocumented
 * status, or a body its schema does not allow, fails here.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { httpRoutes } from '../../infra/manifest.js';
import { type OpenApiDocument, openApiDocument } from '../../shared/http/openapi/document.js';
import { api, eventually, lawfulBasis, runId } from '../helpers/local.js';

type Answer = Awaited<ReturnType<typeof api>>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its default export is the plugin itself at run time.
(formats as unknown as typeof formats.default)(ajv);
let doc: OpenApiDocument;
const covered = new Set<string>();

/** Validates one answer against the document and records the route as covered. */
function conforms(method: string, path: string, res: Answer) {
  const key = `${method} ${path}`;
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${key} is documented`).toBeDefined();
  let response = op?.responses[String(res.status)] as
    | { $ref?: string; content?: Record<string, { schema: object }> }
    | undefined;
  expect(response, `${key} answered ${res.status}, which the document does not list`).toBeDefined();
  if (response?.$ref) {
    response = doc.components.responses?.[response.$ref.split('/').pop() as string] as typeof response;
  }
  const [mediaType, media] = Object.entries(response?.content ?? {})[0] ?? [];
  if (media && mediaType) {
    expect(res.headers.get('content-type') ?? '', `${key} content type`).toContain(mediaType);
    const validate = ajv.compile(resolveRefs(media.schema));
    const ok = validate(res.body);
    expect(ok ? [] : validate.errors, `${key} ${res.status} body`).toEqual([]);
  }
  covered.add(key);
  return res;
}

/** Inlines `#/components/schemas/*` references so each schema compiles on its own. */
function resolveRefs(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema), (_k, v) =>
    v && typeof v === 'object' && typeof v.$ref === 'string' && v.$ref.startsWith('#/components/schemas/')
      ? doc.components.schemas?.[v.$ref.split('/').pop() as string]
      : v,
  );
}

const call = async (
  role: Parameters<typeof api>[0],
  method: string,
  path: string,
  body?: unknown,
  route = path,
) => conforms(method, route, await api(role, method, path, body));

const tag = runId();
const externalId = `OAS-${tag}`;
const erasedId = `OAS-ERASE-${tag}`;
let pseudonym: string;
let segment: string;
const customer = (id: string, extra: Record<string, unknown> = {}) => ({
  externalId: id,
  type: 'individual',
  personalData: { name: 'Contract Example' },
  jurisdictions: ['DE'],
  lawfulBasis,
  ...extra,
});

beforeAll(async () => {
  const res = await api('none', 'GET', '/openapi.json');
  doc = res.body as OpenApiDocument;
  conforms('GET', '/openapi.json', res);
});

afterAll(() => {
  // Printed so a failing coverage check names what is missing.
  const missing = httpRoutes()
    .map(({ route }) => `${route.method} ${route.path}`)
    .filter((k) => !covered.has(k));
  if (missing.length) process.stderr.write(`routes not exercised: ${missing.join(', ')}\n`);
});

describe('the API against its OpenAPI document', () => {
  it('serves the document this build generates, and a reference page', async () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const page = await call('none', 'GET', '/docs');
    expect(page.body).toContain('<h2 id="tag-Ingestion">Ingestion</h2>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('four-eyes routes (this system has four-eyes off: nothing waits)', async () => {
    const unknown = `apr_${'x'.repeat(22)}`;
    const inbox = await call('compliance', 'GET', '/v1/approvals');
    const one = await call(
      'admin',
      'GET',
      `/v1/approvals/${unknown}`,
      undefined,
      '/v1/approvals/{approvalId}',
    );
    const decisions = [
      ['admin', 'risk-models'],
      ['admin', 'scoring-models'],
      ['admin', 'webhook-secrets'],
      ['compliance', 'pins'],
      ['privacy', 'erasures'],
    ] as const;
    for (const [role, area] of decisions) {
      const decided = await call(
        role,
        'POST',
        `/v1/approvals/${area}/${unknown}`,
        { decision: 'approve', reasonCode: 'REVIEWED_OK' },
        `/v1/approvals/${area}/{approvalId}`,
      );
      expect(decided.status).toBe(404);
    }
    expect(inbox.body.approvals).toEqual([]);
    expect(one.status).toBe(404);
  });

  it('ingestion and reads', async () => {
    const batch = await call('ingest', 'POST', '/v1/customers', {
      records: [
        customer(externalId),
        customer(erasedId, { relationshipEndedAt: '2001-01-01T00:00:00Z' }),
        { externalId: `OAS-BAD-${tag}`, type: 'individual' },
      ],
    });
    expect(batch.body.summary).toMatchObject({ accepted: 2, rejected: 1 });
    pseudonym = batch.body.results[0].pseudonym;
    await call('ingest', 'POST', '/v1/transactions', {
      transactions: [
        {
          transactionId: `T-${tag}`,
          customerExternalId: externalId,
          amount: 120,
          currency: 'EUR',
          timestamp: new Date().toISOString(),
          direction: 'inbound',
          paymentMethod: 'card',
        },
      ],
    });
    const read = await eventually(async () => {
      const r = await api('analyst', 'GET', `/v1/customers/${pseudonym}/segment`);
      return r.status === 200 ? r : undefined;
    });
    conforms('GET', '/v1/customers/{pseudonym}/segment', read);
    segment = read.body.segment;
    await call('analyst', 'GET', '/v1/segments');
    await call('analyst', 'POST', '/v1/customers/lookup', { externalId });
    // Error answers follow the shared error schema too.
    expect((await call('none', 'GET', '/v1/segments')).status).toBe(401);
    expect((await call('ingest', 'GET', '/v1/segments')).status).toBe(403);
    const bad = await call(
      'analyst',
      'GET',
      '/v1/customers/not-a-pseudonym/segment',
      undefined,
      '/v1/customers/{pseudonym}/segment',
    );
    expect(bad.status).toBe(400);
  });

  it('risk models and re-segmentation runs', async () => {
    const listed = await call('analyst', 'GET', '/v1/risk-models');
    const { modelId, version } = listed.body.published;
    const base = `/v1/risk-models/${modelId}/versions/${version}`;
    const stored = await call(
      'analyst',
      'GET',
      base,
      undefined,
      '/v1/risk-models/{modelId}/versions/{version}',
    );
    await call(
      'analyst',
      'GET',
      `${base}/document`,
      undefined,
      '/v1/risk-models/{modelId}/versions/{version}/document',
    );
    await call(
      'analyst',
      'GET',
      `${base}/diff/${version}`,
      undefined,
      '/v1/risk-models/{modelId}/versions/{version}/diff/{otherVersion}',
    );
    const { version: _v, status: _s, ...document } = stored.body.document;
    await call('analyst', 'POST', '/v1/risk-models/validate', document);
    const simulation = await call('analyst', 'POST', '/v1/risk-models/simulate', { sampleSize: 2 });
    // The simulation job's result, once it ends, is read through the job route above.
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/jobs/${simulation.body.jobId}`)).body.status === 'succeeded'
        ? true
        : undefined,
    );
    const draft = await call('admin', 'POST', '/v1/risk-models', {
      ...document,
      metadata: { ...document.metadata, changeNote: 'Contract test draft' },
    });
    expect(draft.status).toBe(201);
    const retired = await call(
      'admin',
      'POST',
      `/v1/risk-models/${modelId}/versions/${draft.body.version}/retire`,
      {},
      '/v1/risk-models/{modelId}/versions/{version}/retire',
    );
    expect(retired.body.status).toBe('retired');
    // Publishing re-segments everyone (other tests share this system): the 404 answer is checked instead.
    const publish = await call(
      'admin',
      'POST',
      `/v1/risk-models/${modelId}/versions/99999/publish`,
      {},
      '/v1/risk-models/{modelId}/versions/{version}/publish',
    );
    expect(publish.status).toBe(404);
    // A filter nobody matches: the run starts and finishes without touching anyone.
    const run = await call('admin', 'POST', '/v1/resegmentation-runs', { olderThanDays: 3650 });
    expect(run.status).toBe(202);
    await call(
      'admin',
      'GET',
      `/v1/resegmentation-runs/${run.body.runId}`,
      undefined,
      '/v1/resegmentation-runs/{runId}',
    );
  });

  it('overrides, cases, scoring and the audit trail', async () => {
    const pin = `/v1/customers/${pseudonym}/pin`;
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    await call(
      'compliance',
      'PUT',
      pin,
      { segment, reasonCode: 'OTHER', note: 'Contract test of the API document', expiresAt },
      '/v1/customers/{pseudonym}/pin',
    );
    await call('compliance', 'DELETE', pin, undefined, '/v1/customers/{pseudonym}/pin');

    const opened = await call('compliance', 'POST', '/v1/cases', {
      kind: 'compliance_review',
      subject: pseudonym,
      reasonCode: 'CONTRACT_TEST',
    });
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId;
    await call('compliance', 'GET', '/v1/cases?status=open', undefined, '/v1/cases');
    await call('admin', 'GET', `/v1/cases/${caseId}`, undefined, '/v1/cases/{caseId}');
    await call(
      'compliance',
      'POST',
      `/v1/cases/${caseId}/transitions`,
      { to: 'in_review' },
      '/v1/cases/{caseId}/transitions',
    );

    await call('compliance', 'POST', '/v1/audit-outcomes', {
      outcomes: [
        { pseudonym, outcome: 'no_issue', date: '2026-01-15', source: 'OTHER', note: 'contract test' },
      ],
    });
    const job = await call('admin', 'POST', '/v1/scoring-models', {});
    const jobId = job.body.jobId as string;
    await call('analyst', 'GET', `/v1/jobs/${jobId}`, undefined, '/v1/jobs/{jobId}');
    await call('analyst', 'GET', '/v1/jobs?limit=1', undefined, '/v1/jobs');
    expect((await call('analyst', 'GET', '/v1/jobs?cursor=bm90LWEta2V5', undefined, '/v1/jobs')).status).toBe(
      400,
    );
    // Too few outcomes here: the job fails quickly, and a cancel of an ended job is a 409.
    await eventually(async () =>
      (await api('analyst', 'GET', `/v1/jobs/${jobId}`)).body.status === 'failed' ? true : undefined,
    );
    await call('admin', 'POST', `/v1/jobs/${jobId}/cancel`, {}, '/v1/jobs/{jobId}/cancel');
    // Not an export: no rows (404); an export's rows once it has succeeded.
    expect(
      (await call('compliance', 'GET', `/v1/jobs/${jobId}/rows`, undefined, '/v1/jobs/{jobId}/rows')).status,
    ).toBe(404);
    const exported = await call('compliance', 'POST', '/v1/exports/segments', {});
    await eventually(async () =>
      (await api('compliance', 'GET', `/v1/jobs/${exported.body.jobId}`)).body.status === 'succeeded'
        ? true
        : undefined,
    );
    await call(
      'compliance',
      'GET',
      `/v1/jobs/${exported.body.jobId}/rows?limit=2`,
      undefined,
      '/v1/jobs/{jobId}/rows',
    );
    await call('analyst', 'GET', '/v1/scoring-models');
    await call(
      'admin',
      'POST',
      '/v1/scoring-models/99999/publish',
      {},
      '/v1/scoring-models/{version}/publish',
    );
    await call('analyst', 'GET', '/v1/scoring-models/feature-layout');
    await call(
      'compliance',
      'GET',
      '/v1/scoring-models/99999/document',
      undefined,
      '/v1/scoring-models/{version}/document',
    );
    // A model file that is not XGBoost's: refused with its code (422), as documented.
    expect(
      (
        await call('admin', 'POST', '/v1/scoring-models/import', {
          format: 'xgboost-json',
          model: { learner: {} },
        })
      ).status,
    ).toBe(422);
    await call('analyst', 'POST', '/v1/reports/clusters', { k: 3 });
    await call(
      'compliance',
      'GET',
      `/v1/audit/verification?day=${new Date().toISOString().slice(0, 10)}`,
      undefined,
      '/v1/audit/verification',
    );
    // The same as a job, for a day of any size: its result is the report.
    const today = new Date().toISOString().slice(0, 10);
    const verification = await call('admin', 'POST', '/v1/audit/verifications', { from: today, to: today });
    const verified = await eventually(async () => {
      const read = await api('compliance', 'GET', `/v1/jobs/${verification.body.jobId}`);
      return ['succeeded', 'failed'].includes(read.body.status) ? read.body : undefined;
    });
    expect(verified).toMatchObject({
      kind: 'verification',
      status: 'succeeded',
      input: { days: [today] },
      result: { days: [today], intact: expect.any(Boolean) },
    });
    expect(
      (await call('admin', 'POST', '/v1/audit/verifications', { from: '2026-01-01', to: '2026-03-01' }))
        .status,
    ).toBe(400);
  });

  it('feedback, privacy and personal data', async () => {
    const unsigned = await call(
      'none',
      'POST',
      '/v1/webhooks/surveys/riskloop',
      { type: 'survey.response' },
      '/v1/webhooks/surveys/{provider}',
    );
    expect(unsigned.status).toBe(401);
    // An unknown provider: rotating a real provider's secret would disturb the webhook tests.
    const rotate = await call(
      'admin',
      'POST',
      '/v1/webhooks/surveys/no-such-tool/secrets',
      {},
      '/v1/webhooks/surveys/{provider}/secrets',
    );
    expect(rotate.status).toBe(404);
    await call('analyst', 'GET', '/v1/feedback/nps');
    await call('analyst', 'GET', '/v1/feedback/blind-spots');
    await call('compliance', 'POST', '/v1/customers/personal-data', { pseudonym, purpose: 'kyc_review' });
    await call('privacy', 'POST', '/v1/subjects/export', { customerExternalId: externalId });
    const erased = await call('privacy', 'POST', '/v1/subjects/erasure', { customerExternalId: erasedId });
    expect([200, 202]).toContain(erased.status);
  });

  it('insights', async () => {
    await call('analyst', 'GET', '/v1/insights/summary?months=3', undefined, '/v1/insights/summary');
    await call('analyst', 'GET', '/v1/insights/capture-curve');
    await call('analyst', 'GET', '/v1/insights/incidents?months=3', undefined, '/v1/insights/incidents');
    await call('analyst', 'GET', '/v1/insights/cases');
    await call('analyst', 'GET', '/v1/insights/feedback?months=3', undefined, '/v1/insights/feedback');
    await call('analyst', 'GET', '/v1/insights/model-timeline');
    await call(
      'analyst',
      'GET',
      `/v1/insights/segments/${segment}/customers?limit=5`,
      undefined,
      '/v1/insights/segments/{segment}/customers',
    );
    await call(
      'analyst',
      'GET',
      `/v1/customers/${pseudonym}/history`,
      undefined,
      '/v1/customers/{pseudonym}/history',
    );
  });

  it('dashboard and console assets', async () => {
    for (const path of [
      '/dashboard',
      '/dashboard/dashboard.js',
      '/dashboard/styles.css',
      '/console',
      '/console/console.js',
      '/console/styles.css',
      '/console/config.json',
    ]) {
      const res = await fetch(`${inject('runtime').apiUrl}${path}`);
      const text = await res.text();
      const body = path.endsWith('.json') ? JSON.parse(text) : text;
      conforms('GET', path, { status: res.status, body, headers: res.headers });
    }
  });

  it('exercised every route of the manifest', () => {
    const missing = httpRoutes()
      .map(({ route }) => `${route.method} ${route.path}`)
      .filter((k) => !covered.has(k));
    expect(missing).toEqual([]);
  });
});
