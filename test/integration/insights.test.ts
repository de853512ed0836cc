import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { z } from 'zod';
import {
  captureCurveSchema,
  caseStatsSchema,
  customerHistorySchema,
  feedbackStatsSchema,
  incidentsSchema,
  insightsSummarySchema,
  modelTimelineSchema,
  segmentCustomersSchema,
} from '../../shared/domain/insights/schemas.js';
import { api, env, eventually, lawfulBasis, localDynamo, runId } from '../helpers/local.js';

const run = promisify(execFile);
const doc = localDynamo();
afterAll(() => doc.destroy());

const prefix = `INS-${runId()}`;
const month = new Date().toISOString().slice(0, 7);
const today = new Date().toISOString().slice(0, 10);
const record = (n: number, extra: Record<string, unknown>) => ({
  externalId: `${prefix}-${n}`,
  type: 'individual',
  jurisdictions: ['DE'],
  lawfulBasis,
  ...extra,
});
/** Two sanctioned customers (critical), a PEP (high), a plain customer (low). */
const p: Record<'s1' | 's2' | 'pep' | 'plain', string> = { s1: '', s2: '', pep: '', plain: '' };

const scanAll = async (table: string) => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/** The numbers the API should report, computed here straight from the tables (a second, plain implementation). */
async function expectedNumbers() {
  const [assignments, outcomes, cases] = await Promise.all([
    scanAll(env().TABLE_ASSIGNMENTS as string),
    scanAll(env().TABLE_OUTCOMES as string),
    scanAll(env().TABLE_CASES as string),
  ]);
  const segmentOf = new Map(assignments.map((a) => [a.pseudonym as string, a.segment as string]));
  const perSegment: Record<string, number> = {};
  for (const a of assignments) perSegment[a.segment as string] = (perSegment[a.segment as string] ?? 0) + 1;
  const placed = outcomes.filter((o) => segmentOf.has(o.pseudonym as string));
  const issues = placed.filter((o) => o.outcome === 'issue');
  const highRisk = (pseudonym: unknown) =>
    ['high', 'critical'].includes(segmentOf.get(pseudonym as string) ?? '');
  const flaggedIssues = issues.filter((o) => highRisk(o.pseudonym)).length;
  const flaggedOutcomes = placed.filter((o) => highRisk(o.pseudonym)).length;
  const issuesThisMonth: Record<string, number> = {};
  for (const o of issues.filter((x) => String(x.date).startsWith(month))) {
    const s = segmentOf.get(o.pseudonym as string) as string;
    issuesThisMonth[s] = (issuesThisMonth[s] ?? 0) + 1;
  }
  const caseCounts: Record<string, { open: number; inReview: number; closed: number }> = {};
  for (const c of cases) {
    const s = (c.segment as string | null) ?? segmentOf.get(c.subject as string) ?? 'unsegmented';
    const entry = caseCounts[s] ?? { open: 0, inReview: 0, closed: 0 };
    if (c.status === 'open') entry.open++;
    else if (c.status === 'in_review') entry.inReview++;
    else entry.closed++;
    caseCounts[s] = entry;
  }
  return {
    customers: assignments.length,
    perSegment,
    highRiskShare: ((perSegment.high ?? 0) + (perSegment.critical ?? 0)) / assignments.length,
    outcomes: placed.length,
    issues: issues.length,
    captureRate: issues.length === 0 ? null : flaggedIssues / issues.length,
    precision: flaggedOutcomes === 0 ? null : flaggedIssues / flaggedOutcomes,
    openCases: cases.filter((c) => c.status !== 'closed').length,
    issuesThisMonth,
    caseCounts,
  };
}

/**
 * Other test files share this local system and keep writing, so a route's numbers are compared
 * with the tables only when the tables did not move during the call. The insights cache lives
 * MODEL_CACHE_TTL_SECONDS (1 s in tests): waiting longer makes the call read afresh.
 */
async function stableCall<S extends z.ZodTypeAny>(path: string, schema: S) {
  for (let attempt = 0; ; attempt++) {
    await new Promise((r) => setTimeout(r, 1100));
    const before = await expectedNumbers();
    const res = await api('analyst', 'GET', path);
    const after = await expectedNumbers();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = schema.parse(res.body) as z.infer<S>;
    if (JSON.stringify(before) === JSON.stringify(after) || attempt >= 4) return { body, expected: after };
  }
}

beforeAll(async () => {
  const res = await api('ingest', 'POST', '/v1/customers', {
    records: [
      record(1, { flags: { sanctionsHit: true } }),
      record(2, { flags: { sanctionsHit: true } }),
      record(3, { flags: { pep: true } }),
      record(4, {}),
    ],
  });
  expect(res.status).toBe(207);
  [p.s1, p.s2, p.pep, p.plain] = res.body.results.map((r: { pseudonym: string }) => r.pseudonym);
  for (const pseudonym of Object.values(p)) {
    await eventually(
      async () =>
        (await doc.send(new GetCommand({ TableName: env().TABLE_ASSIGNMENTS, Key: { pseudonym } }))).Item,
    );
  }
  const outcome = (pseudonym: string, o: 'issue' | 'no_issue') => ({
    pseudonym,
    outcome: o,
    date: today,
    source: 'INTERNAL_AUDIT',
    note: `insights-test-${prefix}`,
  });
  const recorded = await api('compliance', 'POST', '/v1/audit-outcomes', {
    outcomes: [outcome(p.s1, 'issue'), outcome(p.pep, 'issue'), outcome(p.plain, 'no_issue')],
  });
  expect(recorded.status).toBe(207);

  const opened = await api('compliance', 'POST', '/v1/cases', {
    kind: 'enhanced_due_diligence',
    subject: p.pep,
    reasonCode: 'EDD_REQUIRED',
    segment: 'high',
  });
  expect(opened.status).toBe(201);
  const transitions = `/v1/cases/${opened.body.caseId}/transitions`;
  expect((await api('compliance', 'POST', transitions, { to: 'in_review' })).status).toBe(200);
  const closed = await api('compliance', 'POST', transitions, {
    to: 'closed',
    outcome: { result: 'no_issue', reasonCode: 'EDD_COMPLETED' },
  });
  expect(closed.status).toBe(200);
}, 60_000);

const routes = [
  '/v1/insights/summary',
  '/v1/insights/capture-curve',
  '/v1/insights/incidents',
  '/v1/insights/cases',
  '/v1/insights/feedback',
  '/v1/insights/model-timeline',
  '/v1/insights/segments/high/customers',
];

describe('insights API', () => {
  it('serves every route to analysts and refuses the ingest role and anonymous callers', async () => {
    for (const path of [...routes, `/v1/customers/${p.pep}/history`]) {
      expect((await api('analyst', 'GET', path)).status, path).toBe(200);
      expect((await api('ingest', 'GET', path)).status, path).toBe(403);
      expect((await api('none', 'GET', path)).status, path).toBe(401);
    }
  }, 60_000);

  it('summary: current counts, trend, reason codes and KPIs match the tables', async () => {
    const { body, expected } = await stableCall('/v1/insights/summary?months=3', insightsSummarySchema);

    expect(body.model.modelId).toBe('aml-default');
    expect(body.kpis.customers).toBe(expected.customers);
    for (const s of body.segments) expect(s.count, s.segment).toBe(expected.perSegment[s.segment] ?? 0);
    expect(body.segments.map((s) => s.segment)).toEqual(['low', 'medium', 'high', 'critical']);
    expect(body.kpis.highRiskShare).toBeCloseTo(expected.highRiskShare, 10);
    expect(body.kpis.captureRate).toBeCloseTo(expected.captureRate as number, 10);
    expect(body.kpis.recall).toBe(body.kpis.captureRate);
    expect(body.kpis.precision).toBeCloseTo(expected.precision as number, 10);
    expect(body.kpis.openCases).toBe(expected.openCases);
    expect(body.kpis.medianDaysToClose).not.toBeNull();
    // The current month of the trend is computed live: the same counts as `segments`.
    const live = body.trend.filter((t) => t.period === month);
    expect(live.map((t) => t.count)).toEqual(body.segments.map((s) => s.count));
    const codes = body.reasonCodes.map((r) => r.reasonCode);
    expect(codes).toEqual(expect.arrayContaining(['SANCTIONS_HIT', 'PEP']));
    const counts = body.reasonCodes.map((r) => r.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  }, 60_000);

  it('capture curve: from (0,0) to (1,1), monotone, outcomes and issues as in the tables', async () => {
    const { body, expected } = await stableCall('/v1/insights/capture-curve', captureCurveSchema);

    expect(body.outcomes).toBe(expected.outcomes);
    expect(body.issues).toBe(expected.issues);
    expect(body.points[0]).toEqual({ flaggedShare: 0, capturedShare: 0 });
    expect(body.points.at(-1)).toEqual({ flaggedShare: 1, capturedShare: 1 });
    for (let i = 1; i < body.points.length; i++) {
      expect(body.points[i]?.flaggedShare).toBeGreaterThan(body.points[i - 1]?.flaggedShare as number);
      expect(body.points[i]?.capturedShare).toBeGreaterThanOrEqual(
        body.points[i - 1]?.capturedShare as number,
      );
    }
    expect(body.bySegment.map((s) => s.segment)).toEqual(['critical', 'high', 'medium', 'low']);
    const high = body.bySegment[1];
    expect(high?.recall).toBeCloseTo(expected.captureRate as number, 10);
    expect(high?.precision).toBeCloseTo(expected.precision as number, 10);
    expect(body.bySegment[3]?.customers).toBe(expected.customers);
  }, 60_000);

  it('incidents: this month’s issues per current segment', async () => {
    const { body, expected } = await stableCall('/v1/insights/incidents?months=2', incidentsSchema);

    const thisMonth = body.series.filter((r) => r.period === month);
    expect(new Set(body.series.map((r) => r.period)).size).toBe(2);
    for (const row of thisMonth)
      expect(row.issues, row.segment).toBe(expected.issuesThisMonth[row.segment] ?? 0);
    expect(thisMonth.find((r) => r.segment === 'critical')?.issues).toBeGreaterThanOrEqual(1);
    expect(thisMonth.find((r) => r.segment === 'low')?.noIssue).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('cases: statuses per segment as in the table, with a median time to close', async () => {
    const { body, expected } = await stableCall('/v1/insights/cases', caseStatsSchema);

    for (const row of body.bySegment) {
      const { medianDaysToClose: _m, segment, ...counts } = row;
      expect(counts, segment).toEqual(expected.caseCounts[segment] ?? { open: 0, inReview: 0, closed: 0 });
    }
    const high = body.bySegment.find((r) => r.segment === 'high');
    expect(high?.closed).toBeGreaterThanOrEqual(1);
    expect(high?.medianDaysToClose).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('feedback and model timeline parse with their schemas', async () => {
    const feedback = await api('analyst', 'GET', '/v1/insights/feedback?months=2');
    const parsed = feedbackStatsSchema.parse(feedback.body);
    expect(new Set(parsed.series.map((r) => r.period))).toEqual(
      new Set([
        new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1))
          .toISOString()
          .slice(0, 7),
        month,
      ]),
    );
    const timeline = await api('analyst', 'GET', '/v1/insights/model-timeline');
    expect(timeline.status).toBe(200);
    modelTimelineSchema.parse(timeline.body);
  });

  it('rejects bad query parameters with 400', async () => {
    for (const path of [
      '/v1/insights/summary?months=0',
      '/v1/insights/incidents?months=abc',
      '/v1/insights/segments/high/customers?limit=0',
    ]) {
      const res = await api('analyst', 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('customers of a segment', () => {
  const page = (segment: string, query: string) =>
    api('analyst', 'GET', `/v1/insights/segments/${segment}/customers?${query}`);

  it('pages with an opaque cursor until the last page, each customer once', async () => {
    const first = await page('critical', 'limit=1');
    expect(first.status).toBe(200);
    const body = segmentCustomersSchema.parse(first.body);
    expect(body.items).toHaveLength(1);
    expect(body.nextCursor).not.toBeNull();

    const seen = [...body.items.map((i) => i.pseudonym)];
    let cursor = body.nextCursor;
    while (cursor) {
      const next = segmentCustomersSchema.parse((await page('critical', `limit=1&cursor=${cursor}`)).body);
      expect(next.items.length).toBeLessThanOrEqual(1);
      seen.push(...next.items.map((i) => i.pseudonym));
      cursor = next.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([p.s1, p.s2]));

    const big = segmentCustomersSchema.parse((await page('critical', 'limit=1000')).body);
    const mine = big.items.find((i) => i.pseudonym === p.s1);
    expect(mine?.reasonCodes).toContain('SANCTIONS_HIT');
    expect(mine?.score).toBeGreaterThanOrEqual(50);
  }, 60_000);

  it('refuses a forged cursor, a cursor of another segment and an unknown segment', async () => {
    const first = segmentCustomersSchema.parse((await page('critical', 'limit=1')).body);
    const forged = Buffer.from(
      JSON.stringify({ pseudonym: p.s1, segment: 'critical', assignedAt: 'x' }),
    ).toString('base64url');
    for (const [segment, cursor] of [
      ['critical', forged],
      ['critical', 'bm90LWpzb24'],
      ['high', first.nextCursor as string],
    ] as const) {
      const res = await page(segment, `limit=1&cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].code).toBe('INVALID_CURSOR');
    }
    expect((await page('nonexistent', 'limit=1')).status).toBe(404);
  });
});

describe('customer history', () => {
  it('lists the decisions with explanations from the deciding model version', async () => {
    const res = await api('analyst', 'GET', `/v1/customers/${p.pep}/history`);
    expect(res.status).toBe(200);
    const body = customerHistorySchema.parse(res.body);

    expect(body.current).toMatchObject({ segment: 'high', modelVersion: 'aml-default@1' });
    expect(body.current?.explanation.find((e) => e.ruleId === 'pep')?.description).toEqual(
      expect.any(String),
    );
    const assigned = body.history.find((h) => h.action === 'segment.assigned');
    expect(assigned).toMatchObject({ segment: 'high', previousSegment: null, modelVersion: 'aml-default@1' });
    expect(assigned?.explanation).toEqual([
      expect.objectContaining({ ruleId: 'pep', reasonCode: 'PEP', description: expect.any(String) }),
    ]);
    expect(body.history.every((h) => h.action.startsWith('segment.'))).toBe(true);
  });

  it('is a 404 for an unknown pseudonym and a 400 for a malformed one', async () => {
    expect((await api('analyst', 'GET', `/v1/customers/k1.${'Z'.repeat(43)}/history`)).status).toBe(404);
    expect((await api('analyst', 'GET', '/v1/customers/not-a-pseudonym/history')).status).toBe(400);
  });
});

describe('segment snapshots', () => {
  it('the daily job stores this month’s counts; the trend reads them', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', resolve('infra/local/invoke.ts'), 'segmentSnapshotScheduler'],
      { env: { ...process.env, RISKLOOP_DATA_DIR: inject('runtime').dataDir } },
    );
    const result = JSON.parse(stdout.slice(stdout.lastIndexOf('{\n'))) as {
      period: string;
      customers: number;
    };
    expect(result.period).toBe(month);

    const item = (
      await doc.send(new GetCommand({ TableName: env().TABLE_SEGMENT_SNAPSHOTS, Key: { period: month } }))
    ).Item;
    expect(item).toMatchObject({ period: month, customers: result.customers, modelId: 'aml-default' });
    expect(item?.segments.critical).toBeGreaterThanOrEqual(2);
    expect(item?.reasonCodes.SANCTIONS_HIT).toBeGreaterThanOrEqual(2);
    // Counts only: no pseudonym anywhere in the snapshot.
    expect(JSON.stringify(item)).not.toMatch(/k1\.[A-Za-z0-9_-]{43}/);
  }, 60_000);

  it('the summary trend shows stored past months beside the live one', async () => {
    const now = new Date();
    const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    await doc.send(
      new PutCommand({
        TableName: env().TABLE_SEGMENT_SNAPSHOTS,
        Item: {
          period: previous,
          asOf: `${previous}-28T00:00:00.000Z`,
          modelId: 'aml-default',
          modelVersion: 1,
          customers: 7,
          segments: { low: 4, high: 3 },
          reasonCodes: { PEP: 3 },
        },
      }),
    );
    const res = await api('analyst', 'GET', '/v1/insights/summary?months=2');
    const body = insightsSummarySchema.parse(res.body);
    expect(body.trend.filter((t) => t.period === previous)).toEqual([
      { period: previous, segment: 'low', count: 4 },
      { period: previous, segment: 'medium', count: 0 },
      { period: previous, segment: 'high', count: 3 },
      { period: previous, segment: 'critical', count: 0 },
    ]);
    expect(body.trend.filter((t) => t.period === month)).toHaveLength(4);
  });
});
