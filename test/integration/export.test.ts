import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, expect, it } from 'vitest';
import { api, env, eventually, jobOf, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const doc = localDynamo();
afterAll(() => doc.destroy());

/** Every row of an ended export, page by page, and how many pages that took. */
async function allRows(jobId: string, limit: number) {
  const rows: { pseudonym: string; segment: string; modelVersion: number }[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await api(
      'compliance',
      'GET',
      `/v1/jobs/${jobId}/rows?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    expect(page.body.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.body.rows);
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);
  return { rows, pages };
}

it('exports the segment register as a job: every decision once, paged, pseudonyms only, one segment on request', async () => {
  // Prepare: customers of our own, segmented through the real pipeline.
  const tag = `EXPORT-${runId()}`;
  const externalIds = Array.from({ length: 25 }, (_, i) => `${tag}-${i}`);
  const ingested = await api('ingest', 'POST', '/v1/customers', {
    records: externalIds.map((externalId, i) => ({
      externalId,
      type: 'individual',
      jurisdictions: [i % 5 === 0 ? 'IR' : 'DE'],
      personalData: { email: `${externalId.toLowerCase()}@example.com` },
      lawfulBasis,
    })),
  });
  expect(ingested.status).toBe(207);
  const ours = (ingested.body.results as { pseudonym: string }[]).map((r) => r.pseudonym);
  expect(ours.every((p) => typeof p === 'string')).toBe(true);
  const stored = new Map<string, { segment: string; modelVersion: number }>();
  for (const pseudonym of ours) {
    const item = await eventually(
      async () =>
        (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item,
    );
    stored.set(pseudonym, { segment: item.segment, modelVersion: item.modelVersion });
  }

  // Act
  const { started, job } = await jobOf('compliance', '/v1/exports/segments', {});
  const { rows, pages } = await allRows(job.jobId, 7);
  const segment = stored.get(ours[0] as string)?.segment as string;
  const filtered = await jobOf('admin', '/v1/exports/segments', { segment });
  const only = await allRows(filtered.job.jobId, 1000);

  // Assess: accepted as a job, fanned out, ended with its row count.
  expect(started.status).toBe(202);
  expect(job).toMatchObject({ kind: 'export', status: 'succeeded', result: { rows: rows.length } });
  expect(job.shards).toBeGreaterThanOrEqual(1);
  expect(pages).toBe(Math.ceil(rows.length / 7));
  // Every decision once; ours with what is stored.
  const pseudonyms = rows.map((r) => r.pseudonym);
  expect(new Set(pseudonyms).size).toBe(pseudonyms.length);
  for (const pseudonym of ours)
    expect(rows.find((r) => r.pseudonym === pseudonym)).toMatchObject(stored.get(pseudonym) as object);
  // No identifier in clear anywhere in the export.
  const text = JSON.stringify(rows);
  for (const externalId of externalIds) {
    expect(text).not.toContain(externalId);
    expect(text).not.toContain(externalId.toLowerCase());
  }
  // One segment on request.
  expect(only.rows.length).toBeGreaterThan(0);
  expect(only.rows.every((r) => r.segment === segment)).toBe(true);
  expect(only.rows.length).toBe(filtered.job.result.rows);

  // Bad requests: a clear 400, never a job; rows of a job that is not an export: 404.
  const bad = await api('compliance', 'POST', '/v1/exports/segments', { segment: 'no such/segment' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0]).toMatchObject({ path: 'segment' });
  expect((await api('compliance', 'GET', `/v1/jobs/${job.jobId}/rows?cursor=bm90LWEtY3Vyc29y`)).status).toBe(
    400,
  );
  expect((await api('analyst', 'POST', '/v1/exports/segments', {})).status).toBe(403);
}, 120_000);
