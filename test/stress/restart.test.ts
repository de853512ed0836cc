/**
 * `npm start` killed with SIGKILL, then started again on the same data: customers that waited in the
 * queue are segmented, and a training job that was running resumes and ends with one model. SQS
 * keeps messages through anything; locally the SQS journal (infra/local/sqs-journal.ts) does, since
 * fauxqs lives in memory.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeState } from '../../infra/local/runtime.js';
import { launchLocalSystem } from '../global-setup.js';
import { eventually, lawfulBasis, runId } from '../helpers/local.js';

const dataDirs: string[] = [];
const running: ChildProcess[] = [];
afterAll(async () => {
  // The whole group, whatever the leader's state: Java must not outlive the test.
  for (const child of running) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
const newDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskloop-restart-'));
  dataDirs.push(dir);
  return dir;
};

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** `npm start` on `dataDir` with DynamoDB on disk, as a user runs it. */
const start = (dataDir: string, env: Record<string, string> = {}) =>
  launchLocalSystem(
    dataDir,
    { RISKLOOP_DYNAMODB_IN_MEMORY: 'false', ...env },
    { detached: true, started: (child) => running.push(child) },
  );

/** kill -9 of the whole system (Node and DynamoDB Local's Java). */
async function killHard(child: ChildProcess): Promise<void> {
  process.kill(-(child.pid as number), 'SIGKILL');
  await new Promise((r) => (alive(child) ? child.once('exit', r) : r(undefined)));
}

async function call(
  state: RuntimeState,
  role: 'ingest' | 'analyst' | 'compliance' | 'admin',
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${state.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${state.credentials[role]}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Waits until every customer has a decision. */
const allSegmented = (state: RuntimeState, pseudonyms: string[]) =>
  eventually(async () => {
    const statuses = await Promise.all(
      pseudonyms.map((p) => call(state, 'analyst', 'GET', `/v1/customers/${p}/segment`)),
    );
    return statuses.every((r) => r.status === 200) ? true : undefined;
  }, 60_000);

describe('npm start killed with SIGKILL', () => {
  it('segments after the restart every customer that was accepted and still queued', async () => {
    // Prepare: a running system whose worker fails, so accepted customers stay in the queue.
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const faults = await fetch(`${first.state.adminUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ workerDown: true }),
    });
    expect(faults.status).toBe(200);
    const prefix = `RS-${runId()}`;
    const ingested = await call(first.state, 'ingest', 'POST', '/v1/customers', {
      records: Array.from({ length: 12 }, (_, i) => ({
        externalId: `${prefix}-${i}`,
        type: 'individual',
        jurisdictions: ['NL'],
        lawfulBasis,
      })),
    });
    expect(ingested.status).toBe(207);
    const pseudonyms = (ingested.body.results as { status: string; pseudonym: string }[]).map((r) => {
      expect(r.status).toBe('accepted');
      return r.pseudonym;
    });
    const segment = (state: RuntimeState, p: string) =>
      call(state, 'analyst', 'GET', `/v1/customers/${p}/segment`).then((r) => r.status);
    expect(await segment(first.state, pseudonyms[0] as string)).toBe(404);

    // Act: kill -9 of the whole system (Node and DynamoDB Local), then `npm start` again on the same data.
    await killHard(first.child);
    const second = await start(dataDir);

    // Assess: every accepted customer segmented, none lost with the killed process's queue.
    await eventually(async () => {
      const statuses = await Promise.all(pseudonyms.map((p) => segment(second.state, p)));
      return statuses.every((s) => s === 200) ? true : undefined;
    }, 60_000);
    expect(readFileSync(second.logFile, 'utf8')).toMatch(/messages queued by the previous run sent again/);
  }, 240_000);

  it('resumes a training job that was running, and stores one model', async () => {
    // Prepare: 80 segmented customers with audit outcomes, half of them issues; every DynamoDB call of
    // the handlers slowed down, so the training job runs long enough to be killed in the middle.
    const dataDir = newDataDir();
    const first = await start(dataDir, { RISKLOOP_FAULT_PROXIES: 'true' });
    const prefix = `TJ-${runId()}`;
    const records = Array.from({ length: 80 }, (_, i) => ({
      externalId: `${prefix}-${i}`,
      type: 'individual',
      jurisdictions: ['NL'],
      lawfulBasis,
      attributes: { monthlyIncome: 1000 + ((i * 37) % 50) * 100, accounts: (i % 7) + 1 },
    }));
    const ingested = await call(first.state, 'ingest', 'POST', '/v1/customers', { records });
    const pseudonyms = (ingested.body.results as { pseudonym: string }[]).map((r) => r.pseudonym);
    await allSegmented(first.state, pseudonyms);
    const outcomes = pseudonyms.map((pseudonym, i) => ({
      pseudonym,
      outcome: i % 2 === 0 ? 'issue' : 'no_issue',
      date: '2026-11-01',
      source: 'INTERNAL_AUDIT',
    }));
    expect((await call(first.state, 'compliance', 'POST', '/v1/audit-outcomes', { outcomes })).status).toBe(
      207,
    );
    const slow = await fetch(`${first.state.adminUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ dynamodbLatencyMs: 500 }),
    });
    expect(slow.status).toBe(200);

    // Act: start the job, kill the system once it runs, start again (the latency switch is off now).
    const started = await call(first.state, 'admin', 'POST', '/v1/scoring-models', { seed: 3 });
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    await eventually(async () => {
      const job = await call(first.state, 'analyst', 'GET', `/v1/jobs/${jobId}`);
      return job.body.status === 'running' ? true : undefined;
    }, 30_000);
    await killHard(first.child);
    const second = await start(dataDir);

    // Assess: the job resumed after the restart (a second attempt) and ended with one model version.
    const job = await eventually(async () => {
      const read = await call(second.state, 'analyst', 'GET', `/v1/jobs/${jobId}`);
      return read.body.status === 'succeeded' || read.body.status === 'failed' ? read.body : undefined;
    }, 90_000);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, result: { version: 1 } });
    const models = await call(second.state, 'analyst', 'GET', '/v1/scoring-models');
    expect((models.body.versions as unknown[]).length).toBe(1);
  }, 300_000);

  it('finishes a fanned-out simulation job whose shards were cut off, counting every shard once', async () => {
    // Prepare: 40 segmented customers; 8 scan shards per job; DynamoDB slowed so the job is killed midway.
    const dataDir = newDataDir();
    const env = { RISKLOOP_FAULT_PROXIES: 'true', RESEGMENT_SHARDS: '8' };
    const first = await start(dataDir, env);
    const records = Array.from({ length: 40 }, (_, i) => ({
      externalId: `SJ-${runId()}-${i}`,
      type: 'individual',
      jurisdictions: [i % 4 === 0 ? 'LU' : 'NL'],
      lawfulBasis,
    }));
    const ingested = await call(first.state, 'ingest', 'POST', '/v1/customers', { records });
    const pseudonyms = (ingested.body.results as { pseudonym: string }[]).map((r) => r.pseudonym);
    await allSegmented(first.state, pseudonyms);
    const slow = await fetch(`${first.state.adminUrl}/faults`, {
      method: 'POST',
      body: JSON.stringify({ dynamodbLatencyMs: 300 }),
    });
    expect(slow.status).toBe(200);

    // Act: start the simulation, kill the system once some shards have reported, start again.
    const started = await call(first.state, 'analyst', 'POST', '/v1/risk-models/simulate', {
      scenario: [{ kind: 'addToList', list: 'highRiskCountries', values: ['LU'] }],
    });
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    const seen = await eventually(async () => {
      const job = await call(first.state, 'analyst', 'GET', `/v1/jobs/${jobId}`);
      if ((job.body.shardsReported as number) < 2) return undefined;
      // Listed among the jobs not ended yet while it runs.
      const active = await call(first.state, 'analyst', 'GET', '/v1/jobs');
      const listed = (active.body.jobs as { jobId: string }[]).some((j) => j.jobId === jobId);
      return listed ? job.body : undefined;
    }, 60_000);
    await killHard(first.child);
    const second = await start(dataDir, env);

    // Assess: killed with shards outstanding, the job ends with every shard counted once and the
    // report of the whole population.
    expect(seen.status).toBe('running');
    const job = await eventually(async () => {
      const read = await call(second.state, 'analyst', 'GET', `/v1/jobs/${jobId}`);
      return read.body.status === 'succeeded' || read.body.status === 'failed' ? read.body : undefined;
    }, 90_000);
    expect(job).toMatchObject({ status: 'succeeded', shards: 8, shardsReported: 8 });
    expect(job.result).toMatchObject({ population: 40, evaluated: 40 });
    const active = await call(second.state, 'analyst', 'GET', '/v1/jobs');
    expect((active.body.jobs as { jobId: string }[]).map((j) => j.jobId)).not.toContain(jobId);
  }, 300_000);
});
